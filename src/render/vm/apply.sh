#!/usr/bin/env bash
# aspire-arm apply: makes the VM run what /etc/aspire-arm/app describes.
#   apply.sh                 ExecStart of the oneshot aspire-arm-app.service, at every boot:
#                            copies the current release (/var/lib/aspire-arm/current, when there
#                            is one) into /etc/aspire-arm/app, then applies it; no gate.
#   apply.sh --release ID    a new release, unpacked by release.py into releases/ID: copied into
#                            /etc/aspire-arm/app (the same compose project folder: unchanged
#                            services are not recreated), applied, then health-gated (apply-tools.py
#                            health, health.list). Healthy: ID becomes `current`, the release
#                            before it `previous`, other releases and the images only they named
#                            are removed. Not healthy (or the apply failed): the failing service's
#                            last log lines on stderr, the release before it applied again the
#                            same way (or the app config cloud-init wrote, when there was none),
#                            exit 1.
#   apply.sh --apply-app     (internal) the steps below on /etc/aspire-arm/app, in a child
#                            process of --release (which holds the lock), so that a failed step
#                            ends in a rollback.
# The steps:
#   1. secrets: fetch-secrets.py (beside this script) writes /run/aspire-arm/secrets.env and renders
#      env/*.env.in into /run/aspire-arm/env/ (tmpfs: secrets never touch the disk);
#   2. named volumes: a folder per line of volumes.list on the data disk;
#   3. registry login when vm.env names a registry and there are containers or native apps to
#      pull, then docker compose project `aspire`, with the secrets in its environment for ${...}
#      interpolation;
#   4. native .NET apps: each line `<service> <image>` of native.list is the published app in /app
#      of a container image (dotnet publish -t:PublishContainer); it is copied out into
#      apps/<service> when the image recorded in native/<service>.image differs or the folder is
#      missing; then dotnet-runtimes.py installs the .NET runtimes their runtimeconfig.json files
#      name (aspire:dotnetChannel for an app without one) into /usr/share/dotnet, where missing;
#   5. native .NET services: units/*.service installed, enabled and restarted; units a previous
#      apply installed and the app config no longer has are stopped and removed, then the apps
#      whose line left native.list.
# Peers are found through the stack's private DNS zone. Every step converges: a second run changes
# nothing. Secret values only reach docker compose's environment and 0600 files, and the registry
# password only docker login's stdin; nothing here prints them.
# Test hooks: ASPIRE_ETC (/etc/aspire-arm), ASPIRE_RUN (/run/aspire-arm), ASPIRE_STATE
# (/var/lib/aspire-arm), ASPIRE_SYSTEMD_DIR (/etc/systemd/system), ASPIRE_APPS_DIR
# (/opt/aspire-arm/apps), ASPIRE_DOTNET_DIR (/usr/share/dotnet), ASPIRE_HEALTH_TIMEOUT (180 s),
# ASPIRE_HEALTH_INTERVAL (2 s).
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
# This script and its tools come with the release (its bin/): an upgrade of them is a rollout.
HERE="$(dirname "$0")"
FETCH_SECRETS="$HERE/fetch-secrets.py"
DOTNET_RUNTIMES="$HERE/dotnet-runtimes.py"
APPLY_TOOLS="$HERE/apply-tools.py"
RELEASES="$STATE/releases"
CURRENT="$STATE/current"
PREVIOUS="$STATE/previous"
# The releases asked for since the last prune: only these are pruned, not one unpacked meanwhile.
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
# shellcheck source=/dev/null # written on the VM by cloud-init; not in the repository
. "$VM_ENV"

umask 022
mkdir -p "$STATE"
install -d -m 0700 "$RUN"
# One apply at a time: the unit at boot and a redeploy may overlap (--apply-app runs under the
# lock of the --release that started it).
if [ "$mode" != app ]; then
  exec 9>"$RUN/apply.lock"
  flock -w 600 9 || die "another apply.sh held the lock for 10 minutes"
fi

# Copies release $1 into the app folder: swapped whole, never a mix of two releases.
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

# Switches compose service $1 from its running container $2 to one of its new config without
# dropping a request: the new container is started beside the old one (Caddy's upstream is the
# service's DNS name, which Docker answers with both), gated healthy, then the old one is stopped
# (SIGTERM, in-flight requests finish; Caddy retries a dial that fails, lb_try_duration) and
# removed. apply-tools.py rolling lists only services without host ports, which cannot run twice:
# those are recreated in place by `up`. Not --no-deps: compose before 2.29 counts depends_on in a
# service's config hash, and --no-deps drops it from the project, so the final `up` would recreate
# the new container (and Caddy after it); --no-recreate keeps the dependencies as they run.
switch_service() {
  local service="$1" old="$2" new='' id
  log "starting a new $service container beside the old one"
  compose up -d --no-recreate --scale "$service=2" "$service"
  for id in $(docker ps -q --no-trunc --filter "label=com.docker.compose.project=aspire" --filter "label=com.docker.compose.service=$service"); do
    [ "$id" = "$old" ] || new="$id"
  done
  [ -n "$new" ] || die "no new container of $service was started"
  if ! python3 "$APPLY_TOOLS" health --app "$APP" --service "$service" --container "$new"; then
    # Removed here, not by the rollback's `up`: compose would keep the new container (recreated
    # with the old config) and remove the old one, and recreate Caddy after it (compose 2.26,
    # Debian 13's, recreates the dependents of what it recreates): the old one would stop serving.
    log "removing the new $service container; the old one keeps serving"
    docker rm -f "$new" >/dev/null || log "could not remove the new $service container $new"
    die "the new $service container is not healthy"
  fi
  log "stopping the old $service container"
  docker stop "$old" >/dev/null
  docker rm "$old" >/dev/null
  compose up -d --no-recreate --scale "$service=1" "$service"
}

# Writes $2 into the state file $1, atomically.
record() {
  printf '%s\n' "$2" >"$1.tmp"
  mv "$1.tmp" "$1"
}

# The steps, on $APP.
apply_app() {
  log "applying $APP"

  # 1. Secrets (python3 is always there: cloud-init runs on it). Also run when there are none: it
  # removes what a previous app config left behind.
  python3 "$FETCH_SECRETS" --vm-env "$VM_ENV" --list "$APP/secrets.list" --out "$SECRETS_ENV" --templates "$APP/env" --rendered "$RUN/env"

  # 2. Named volumes: compose binds these folders (driver local, o=bind), which fails if they are missing.
  if [ -f "$APP/volumes.list" ]; then
    while read -r name _ || [ -n "$name" ]; do
      case "$name" in
        '' | '#'*) continue ;;
        */* | . | ..) die "volumes.list: bad volume folder name '$name'" ;;
      esac
      mkdir -p "$ASPIRE_DATA_DIR/volumes/$name"
    done <"$APP/volumes.list"
  fi

  # 3. Registry login: the registry of the app's own images, ECR (user AWS) or Artifact Registry
  # (oauth2accesstoken), with the password from fetch-secrets.py. None with the file and none secret
  # sources, nor when the release names no image there (vm.env names the stack's registry always).
  case "${ASPIRE_REGISTRY:+${ASPIRE_SECRET_SOURCE:-}}" in
    aws-ssm) user=AWS ;;
    gcp-secret-manager) user=oauth2accesstoken ;;
    *) user= ;;
  esac
  if [ -n "$user" ] && grep -qsF "$ASPIRE_REGISTRY/" "$APP/compose.yaml" "$APP/native.list"; then
    log "docker login $ASPIRE_REGISTRY"
    python3 "$FETCH_SECRETS" --vm-env "$VM_ENV" --registry-password | docker login --username "$user" --password-stdin "$ASPIRE_REGISTRY" >/dev/null
  fi

  # Containers.
  if [ -f "$APP/compose.yaml" ]; then
    (
      # Exported for compose's ${ASPIRE_P_*} interpolation, in this subshell only.
      set -a
      # shellcheck source=/dev/null # written at run time by fetch-secrets.py
      . "$SECRETS_ENV"
      set +a
      # Changed services behind Caddy first, one at a time, without downtime (switch_service).
      rolling="$(python3 "$APPLY_TOOLS" rolling --app "$APP")"
      while read -r service old _; do
        if [ -n "$service" ]; then switch_service "$service" "$old"; fi
      done <<<"$rolling"
      log "docker compose up (project aspire)"
      compose up -d --remove-orphans
      # Caddy reads its folder's Caddyfile at start only: a changed one is loaded gracefully.
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
    # The app no longer runs containers here: remove the previous ones (named volumes are kept).
    log "no compose.yaml any more: removing the containers of project aspire"
    docker compose -p aspire down --remove-orphans
    rm -f "$COMPOSE_RECORD"
  fi

  # 4. Native apps, before their units (re)start. The folder is swapped whole: a crash in between
  # leaves the old one or none (extracted again next time), never a mix; the image is recorded last,
  # so a failed extraction is retried. Names are checked: only apps/<name>{,.new,.old} change.
  # (fd 3: docker must not read the list.)
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
  # The runtimes the apps were built for, before their units start. Nothing is fetched when they are
  # installed already; a failure stops here (the app unit retries), with the units as they were.
  if [ "${#native[@]}" -gt 0 ]; then
    python3 "$DOTNET_RUNTIMES" --install-dir "$DOTNET_DIR" --fallback "${ASPIRE_DOTNET_CHANNEL:-10.0}" "${native[@]/#/$APPS/}"
  fi

  # 5. Native services.
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
    # Recorded before starting anything: a unit that fails to start is still ours to remove later.
    rm -f "$UNITS_RECORD"
    [ "${#units[@]}" -eq 0 ] || printf '%s\n' "${units[@]}" >"$UNITS_RECORD"
    systemctl daemon-reload
    for name in "${units[@]}"; do
      systemctl enable "$name"
      # --no-block: units that need the containers are ordered after aspire-arm-app.service, which
      # runs this script; waiting for their start here would wait for ourselves.
      systemctl restart --no-block "$name"
      log "restarted $name"
    done
  }
  sync_units
  # Apps whose line left native.list, now that their units are gone.
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

# The new release $1, health-gated, with a rollback on failure.
apply_release() {
  local id="$1" old=
  [ -d "$RELEASES/$id" ] || die "release $id is not in $RELEASES (release.py unpack writes it there)"
  [ ! -f "$CURRENT" ] || old="$(cat "$CURRENT")"
  if ! [[ "$old" =~ ^[0-9a-f]{16}$ ]] || [ ! -d "$RELEASES/$old" ]; then old=; fi
  # Without a release before this one, the rollback target is the app config as it is.
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
  # The release rolled back to is applied by its own scripts (its bin/, now in $APP), which this
  # release may have changed; this script only for an app config without them.
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
