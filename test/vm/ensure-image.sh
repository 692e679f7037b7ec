#!/bin/bash
# Prints the folder of the cached arm64 test image, building it first if needed (once per recipe):
#   ${ASPIRE_VM_CACHE:-/var/cache/aspire-arm-vm}/<hash of test/vm/image/>/{rootfs.img,vmlinuz,initrd.img}
# The cache is outside the clone, so CI runs on the same machine reuse it; a changed recipe
# (anything under test/vm/image/) builds a new one and removes the older ones. One build at a time
# (flock). Build output goes to stderr and to build.log in the cache folder.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ASPIRE_VM_CACHE:-/var/cache/aspire-arm-vm}
HASH=$(cd "$HERE/image" && find . -name __pycache__ -prune -o -type f ! -name "*.pyc" -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
DIR="$CACHE/$HASH"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 3600 9
if [ ! -f "$DIR/READY" ]; then
  rm -rf "$DIR.building"
  echo "aspire-vm: building the test image $DIR (recipe changed or no cache)" >&2
  start=$(date +%s)
  mkdir -p "$DIR.building"
  if ! bash "$HERE/image/build.sh" "$DIR.building/img" > >(tee "$DIR.building/build.log" >&2) 2>&1; then
    echo "aspire-vm: image build failed; log: $DIR.building/build.log" >&2
    exit 1
  fi
  mv "$DIR.building/img" "$DIR"
  mv "$DIR.building/build.log" "$DIR/build.log"
  rmdir "$DIR.building"
  echo "$(( $(date +%s) - start ))" >"$DIR/build-seconds"
  touch "$DIR/READY"
  # Older recipes' images.
  for old in "$CACHE"/*/; do
    old=${old%/}
    [ "$old" = "$DIR" ] || [ ! -f "$old/READY" ] || { echo "aspire-vm: removing old image $old" >&2; rm -rf "$old"; }
  done
fi
echo "$DIR"
