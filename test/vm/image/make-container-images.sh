#!/bin/bash
# Runs INSIDE the arm64 chroot at image build time (under qemu-user): builds the root filesystems of
# the offline test images as tarballs for `docker import` at first boot (import-images.sh), from
# the Debian packages installed in the chroot (redis-server, caddy, python3):
#   redis.tar  redis-server + redis-cli + /bin/sh   (tagged docker.io/library/redis:7.4)
#   caddy.tar  caddy                                (tagged docker.io/library/caddy:2.10)
#   app.tar    python3 (stdlib) + app.py            (tagged local/aspire-test-app:1)
# Each holds the binaries and the shared libraries ldd lists, in a merged-/usr layout.
set -euo pipefail
OUT=/opt/aspire-test/images
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$OUT"

newroot() {
  local d="$W/$1"
  mkdir -p "$d"/usr/bin "$d"/usr/sbin "$d"/usr/lib "$d"/etc "$d"/tmp "$d"/root "$d"/proc "$d"/sys "$d"/dev "$d"/run "$d"/var/tmp
  ln -s usr/bin "$d/bin"; ln -s usr/sbin "$d/sbin"; ln -s usr/lib "$d/lib"
  chmod 1777 "$d/tmp" "$d/var/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$d/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$d/etc/group"
  printf 'hosts: files dns\n' >"$d/etc/nsswitch.conf"
}

# add ROOTNAME FILE...: the files (dereferenced) and the libraries they need.
add() {
  local d="$W/$1" f lib; shift
  for f in "$@"; do
    mkdir -p "$d$(dirname "$f")"
    cp -L "$f" "$d$f"
    ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | while read -r lib; do
      [ -e "$d$lib" ] && continue
      mkdir -p "$d$(dirname "$lib")"
      cp -L "$lib" "$d$lib"
    done
  done
}

pack() {
  tar --numeric-owner --owner=0 --group=0 -C "$W/$1" -cf "$OUT/$1.tar" .
  echo "container rootfs $1: $(du -sh "$W/$1" | cut -f1)"
}

newroot redis
add redis /bin/sh /usr/bin/redis-server /usr/bin/redis-cli
mkdir -p "$W/redis/data"
pack redis

newroot caddy
add caddy /usr/bin/caddy
mkdir -p "$W/caddy/etc/caddy" "$W/caddy/data" "$W/caddy/config" "$W/caddy/srv"
[ ! -f /etc/ssl/certs/ca-certificates.crt ] || { mkdir -p "$W/caddy/etc/ssl/certs"; cp /etc/ssl/certs/ca-certificates.crt "$W/caddy/etc/ssl/certs/"; }
pack caddy

newroot app
PY=$(readlink -f /usr/bin/python3)
PYV=$(basename "$PY")
add app /bin/sh "$PY"
ln -s "$PYV" "$W/app/usr/bin/python3"
tar -C / -chf - --exclude="usr/lib/$PYV/test" --exclude="usr/lib/$PYV/idlelib" --exclude="usr/lib/$PYV/tkinter" \
  --exclude="usr/lib/$PYV/turtledemo" --exclude="usr/lib/$PYV/ensurepip" --exclude="usr/lib/$PYV/lib2to3" \
  --exclude="usr/lib/$PYV/config-*" --exclude="usr/lib/$PYV/pydoc_data" --exclude="usr/lib/$PYV/site-packages" \
  --exclude="usr/lib/$PYV/dist-packages" "usr/lib/$PYV" | tar -C "$W/app" -xf -
for so in "$W/app/usr/lib/$PYV"/lib-dynload/*.so; do
  ldd "/usr/lib/$PYV/lib-dynload/$(basename "$so")" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | while read -r lib; do
    [ -e "$W/app$lib" ] && continue
    mkdir -p "$W/app$(dirname "$lib")"; cp -L "$lib" "$W/app$lib"
  done
done
mkdir -p "$W/app/app"
cp /usr/local/lib/aspire-test/app.py "$W/app/app/app.py"
chroot "$W/app" /usr/bin/python3 -c 'import json, socket, http.server, urllib.request; print("python in app image ok")'
chroot "$W/redis" /usr/bin/redis-server --version
chroot "$W/caddy" /usr/bin/caddy version
pack app
ls -l "$OUT"
