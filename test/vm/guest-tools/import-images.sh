#!/bin/bash
# TEST ONLY (run from the test disk by aspire-test-images.service of the test image): `docker import` of the root filesystems built at image build time, under the
# names the rendered compose file pulls. Skips images that are already there (second boot).
# On a VM of a multi-VM scenario (vm.json on its test disk), first the private network and the
# stand-in for the private DNS zone (private-net.py), then only the images vm.json lists: those of
# this VM's compose file, as a VM pulls only its own.
set -euo pipefail
D=/opt/aspire-test/images
TOOLS=$(dirname "$0")
VM_JSON=/mnt/aspire-test/vm.json
up() { cut -d' ' -f1 /proc/uptime; }
WANTED=
[ ! -f "$VM_JSON" ] || WANTED=" $(python3 -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))["images"]))' "$VM_JSON") "
wanted() { [ -z "$WANTED" ] || [[ $WANTED == *" $1 "* ]]; }
imp() {
  local tar=$1 tag=$2; shift 2
  if ! wanted "$tag"; then echo "aspire-test: image $tag not used on this VM"; return; fi
  if docker image inspect "$tag" >/dev/null 2>&1; then echo "aspire-test: image $tag already loaded"; return; fi
  local args=() c
  for c in "$@"; do args+=(--change "$c"); done
  docker import "${args[@]}" "$D/$tar" "$tag" >/dev/null
  echo "aspire-test: imported $tag at uptime $(up)"
}
if [ -f "$VM_JSON" ]; then python3 "$TOOLS/private-net.py" setup; fi
echo "aspire-test: importing images at uptime $(up)"
P='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
imp redis.tar docker.io/library/redis:7.4 "$P" 'WORKDIR /data' 'EXPOSE 6379' 'CMD ["redis-server"]'
imp caddy.tar docker.io/library/caddy:2.10 "$P" 'ENV XDG_CONFIG_HOME=/config' 'ENV XDG_DATA_HOME=/data' 'WORKDIR /srv' \
  'CMD ["caddy","run","--config","/etc/caddy/Caddyfile","--adapter","caddyfile"]'
imp app.tar local/aspire-test-app:1 "$P" 'ENV PYTHONUNBUFFERED=1' 'WORKDIR /app' 'CMD ["python3","/app/app.py"]'
# The rollout scenario's builds of the app, as a registry would hold a newer build and a broken
# one: layers on top of app:1 (docker commit of a created container: quick, no second import).
#   local/aspire-test-app:2      the same app; its image sets ASPIRE_TEST_BUILD=2 (a new image id)
#   local/aspire-test-app:exits  its command exits 1 at start with one line on stderr
derive() {
  local tag=$1 id; shift
  if ! wanted "$tag"; then echo "aspire-test: image $tag not used on this VM"; return; fi
  if docker image inspect "$tag" >/dev/null 2>&1; then echo "aspire-test: image $tag already loaded"; return; fi
  local args=() c
  for c in "$@"; do args+=(--change "$c"); done
  id=$(docker create local/aspire-test-app:1)
  docker commit "${args[@]}" "$id" "$tag" >/dev/null
  docker rm "$id" >/dev/null
  echo "aspire-test: made $tag at uptime $(up)"
}
if wanted local/aspire-test-app:1; then
  derive local/aspire-test-app:2 'ENV ASPIRE_TEST_BUILD=2'
  derive local/aspire-test-app:exits 'CMD ["python3","-c","raise SystemExit(\"aspire-test-app: this build exits at start\")"]'
fi
echo "aspire-test: images ready at uptime $(up)"
