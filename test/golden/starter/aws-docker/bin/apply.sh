#!/usr/bin/env bash
set -euo pipefail
shopt -s nullglob
ETC="${ASPIRE_ETC:-/etc/aspire-arm}"
RUN="${ASPIRE_RUN:-/run/aspire-arm}"
STATE="${ASPIRE_STATE:-/var/lib/aspire-arm}"
SYSTEMD_DIR="${ASPIRE_SYSTEMD_DIR:-/etc/systemd/system}"
APPS="${ASPIRE_APPS_DIR:-/opt/aspire-arm/apps}"
DOTNET_DIR="${ASPIRE_DOTNET_DIR:-/usr/share/dotnet}"
VM_ENV="$ETC/vm.env"
APP="$ETC/app"
SECRETS_ENV="$RUN/secrets.env"
UNITS_RECORD="$STATE/units.installed"
COMPOSE_RECORD="$STATE/compose.applied"
CADDY_RECORD="$STATE/Caddyfile.applied"
HERE="$(dirname "$0")"
FETCH_SECRETS="$HERE/fetch-secrets.py"
DOTNET_RUNTIMES="$HERE/dotnet-runtimes.py"
APPLY_TOOLS="$HERE/apply-tools.py"
RELEASES="$STATE/releases"
CURRENT="$STATE/current"
PREVIOUS="$STATE/previous"
APPLIED="$STATE/releases.applied"
log() { printf 'aspire-arm: %s\n' "$*"; }
die() { printf 'aspire-arm: error: %s\n' "$*" >&2; exit 1; }
mode=boot release=
case "$#:${1:-}" in
0:) ;;
1:--apply-app) mode=app ;;
2:--release)
mode=release release="$2"
[[ "$release" =~ ^[0-9a-f]{16}$ ]] || die "--release takes a release id (16 hex digits), not '$release'"
;;
*) die "usage: apply.sh [--release ID]" ;;
esac
[ -r "$VM_ENV" ] || die "$VM_ENV is missing; it is written by cloud-init"
# shellcheck source=/dev/null
. "$VM_ENV"
umask 022
mkdir -p "$STATE"
install -d -m 0700 "$RUN"
if [ "$mode" != app ]; then
exec 9>"$RUN/apply.lock"
flock -w 600 9 || die "another apply.sh held the lock for 10 minutes"
fi
install_release() {
local src="$RELEASES/$1"
[ -d "$src" ] || die "release $1 is not in $RELEASES (release.py unpack writes it there)"
rm -rf "$APP.new" "$APP.old"
cp -a "$src" "$APP.new"
[ ! -d "$APP" ] || mv "$APP" "$APP.old"
mv "$APP.new" "$APP"
rm -rf "$APP.old"
}
compose() { docker compose -p aspire -f "$APP/compose.yaml" "$@"; }
switch_service() {
local service="$1" old="$2" new='' id
log "starting a new $service container beside the old one"
compose up -d --no-recreate --scale "$service=2" "$service"
for id in $(docker ps -q --no-trunc --filter "label=com.docker.compose.project=aspire" --filter "label=com.docker.compose.service=$service"); do
[ "$id" = "$old" ] || new="$id"
done
[ -n "$new" ] || die "no new container of $service was started"
if ! python3 "$APPLY_TOOLS" health --app "$APP" --service "$service" --container "$new"; then
log "removing the new $service container; the old one keeps serving"
docker rm -f "$new" >/dev/null || log "could not remove the new $service container $new"
die "the new $service container is not healthy"
fi
log "stopping the old $service container"
docker stop "$old" >/dev/null
docker rm "$old" >/dev/null
compose up -d --no-recreate --scale "$service=1" "$service"
}
record() {
printf '%s\n' "$2" >"$1.tmp"
mv "$1.tmp" "$1"
}
apply_app() {
log "applying $APP"
python3 "$FETCH_SECRETS" --vm-env "$VM_ENV" --list "$APP/secrets.list" --out "$SECRETS_ENV" --templates "$APP/env" --rendered "$RUN/env"
if [ -f "$APP/volumes.list" ]; then
while read -r name _ || [ -n "$name" ]; do
case "$name" in
'' | '#'*) continue ;;
*/* | . | ..) die "volumes.list: bad volume folder name '$name'" ;;
esac
mkdir -p "$ASPIRE_DATA_DIR/volumes/$name"
done <"$APP/volumes.list"
fi
case "${ASPIRE_REGISTRY:+${ASPIRE_SECRET_SOURCE:-}}" in
aws-ssm) user=AWS ;;
gcp-secret-manager) user=oauth2accesstoken ;;
*) user= ;;
esac
if [ -n "$user" ] && grep -qsF "$ASPIRE_REGISTRY/" "$APP/compose.yaml" "$APP/native.list"; then
log "docker login $ASPIRE_REGISTRY"
python3 "$FETCH_SECRETS" --vm-env "$VM_ENV" --registry-password | docker login --username "$user" --password-stdin "$ASPIRE_REGISTRY" >/dev/null
fi
if [ -f "$APP/compose.yaml" ]; then
(
set -a
# shellcheck source=/dev/null
. "$SECRETS_ENV"
set +a
rolling="$(python3 "$APPLY_TOOLS" rolling --app "$APP")"
while read -r service old _; do
if [ -n "$service" ]; then switch_service "$service" "$old"; fi
done <<<"$rolling"
log "docker compose up (project aspire)"
compose up -d --remove-orphans
if [ -f "$APP/caddy/Caddyfile" ]; then
if [ -f "$CADDY_RECORD" ] && ! cmp -s "$APP/caddy/Caddyfile" "$CADDY_RECORD"; then
log "caddy reload (the Caddyfile changed)"
compose exec -T caddy caddy reload --config /etc/caddy/Caddyfile
fi
cp "$APP/caddy/Caddyfile" "$CADDY_RECORD"
fi
)
touch "$COMPOSE_RECORD"
elif [ -e "$COMPOSE_RECORD" ]; then
log "no compose.yaml any more: removing the containers of project aspire"
docker compose -p aspire down --remove-orphans
rm -f "$COMPOSE_RECORD"
fi
native=()
if [ -f "$APP/native.list" ]; then
while read -r -u 3 name image _ || [ -n "$name" ]; do
case "$name" in
'' | '#'*) continue ;;
*[!a-z0-9-]*) die "native.list: bad service name '$name'" ;;
esac
native+=("$name")
dir="$APPS/$name"
record="$STATE/native/$name.image"
[ -d "$dir" ] && [ "$(cat "$record" 2>/dev/null)" = "$image" ] && continue
log "extracting $name from $image"
mkdir -p "$APPS" "$STATE/native"
rm -rf "$dir.new" "$dir.old"
docker pull -q "$image" >/dev/null
id="$(docker create "$image")"
docker cp "$id:/app/." "$dir.new" || { docker rm "$id" >/dev/null; die "could not copy /app out of $image"; }
docker rm "$id" >/dev/null
[ ! -d "$dir" ] || mv "$dir" "$dir.old"
mv "$dir.new" "$dir"
rm -rf "$dir.old"
printf '%s\n' "$image" >"$record"
done 3<"$APP/native.list"
fi
if [ "${#native[@]}" -gt 0 ]; then
python3 "$DOTNET_RUNTIMES" --install-dir "$DOTNET_DIR" --fallback "${ASPIRE_DOTNET_CHANNEL:-10.0}" "${native[@]/#/$APPS/}"
fi
sync_units() {
local units=("$APP"/units/*.service) previous=() name
units=("${units[@]##*/}")
[ ! -f "$UNITS_RECORD" ] || mapfile -t previous <"$UNITS_RECORD"
[ "${#units[@]}" -gt 0 ] || [ "${#previous[@]}" -gt 0 ] || return 0
for name in "${previous[@]}"; do
case " ${units[*]} " in *" $name "*) continue ;; esac
log "removing $name (no longer in the app config)"
systemctl disable --now "$name" || log "could not stop/disable $name; removing its unit file anyway"
rm -f "$SYSTEMD_DIR/$name"
done
for name in "${units[@]}"; do
install -m 0644 "$APP/units/$name" "$SYSTEMD_DIR/$name"
done
rm -f "$UNITS_RECORD"
[ "${#units[@]}" -eq 0 ] || printf '%s\n' "${units[@]}" >"$UNITS_RECORD"
systemctl daemon-reload
for name in "${units[@]}"; do
systemctl enable "$name"
systemctl restart --no-block "$name"
log "restarted $name"
done
}
sync_units
for record in "$STATE"/native/*.image; do
name="${record##*/}"
name="${name%.image}"
case " ${native[*]} " in *" $name "*) continue ;; esac
case "$name" in *[!a-z0-9-]*) continue ;; esac
log "removing app $name (no longer in native.list)"
rm -rf "${APPS:?}/$name"
rm -f "$record"
done
log "apply done"
}
apply_release() {
local id="$1" old=
[ -d "$RELEASES/$id" ] || die "release $id is not in $RELEASES (release.py unpack writes it there)"
[ ! -f "$CURRENT" ] || old="$(cat "$CURRENT")"
if ! [[ "$old" =~ ^[0-9a-f]{16}$ ]] || [ ! -d "$RELEASES/$old" ]; then old=; fi
rm -rf "$APP.rollback"
if [ -z "$old" ] && [ -d "$APP" ]; then cp -a "$APP" "$APP.rollback"; fi
log "release $id (current: ${old:-none})"
printf '%s\n' "$id" >>"$APPLIED"
install_release "$id"
if bash "$0" --apply-app && python3 "$APPLY_TOOLS" health --app "$APP"; then
if [ -n "$old" ] && [ "$old" != "$id" ]; then record "$PREVIOUS" "$old"; fi
record "$CURRENT" "$id"
local keep=(--keep "$id")
if [ -f "$PREVIOUS" ] && [ "$(cat "$PREVIOUS")" != "$id" ]; then keep+=(--keep "$(cat "$PREVIOUS")"); fi
python3 "$APPLY_TOOLS" prune --state "$STATE" --applied "$APPLIED" "${keep[@]}" || log "could not prune old releases"
rm -rf "$APP.rollback"
log "release $id is live"
return 0
fi
if [ -n "$old" ]; then
log "rolling back to release $old"
install_release "$old"
elif [ -d "$APP.rollback" ]; then
log "rolling back to the app config before release $id"
rm -rf "$APP"
mv "$APP.rollback" "$APP"
else
die "release $id failed, and there is no earlier app config to roll back to"
fi
local again="$APP/bin/apply.sh"
[ -f "$again" ] || again="$0"
bash "$again" --apply-app || die "release $id failed, and so did the rollback to ${old:-the earlier app config}"
die "release $id failed; rolled back to ${old:-the earlier app config}"
}
case "$mode" in
app) apply_app ;;
release) apply_release "$release" ;;
boot)
current=
[ ! -f "$CURRENT" ] || current="$(cat "$CURRENT")"
if [[ "$current" =~ ^[0-9a-f]{16}$ ]] && [ -d "$RELEASES/$current" ]; then install_release "$current"; fi
apply_app
;;
esac
