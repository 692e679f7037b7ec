#!/usr/bin/env bash
# aspire-arm bootstrap: run once as root by cloud-init (runcmd) on every VM of the app. Mounts the
# data disk (formatting it only if blank), installs Docker and the compose plugin when the VM runs
# containers (what native .NET services need, ICU and the runtimes, comes with the release:
# dotnet-runtimes.py), enables aspire-arm-app.service (the release's apply.sh at boot), then
# takes the first release (the GCE agent; the file source) or waits for it (Run Command).
# Idempotent: the same user data runs on fresh cloud VMs and on the emulated test VM (Docker
# preinstalled, no network), so every install is skipped when what it provides is already there.
# Settings come from /etc/aspire-arm/vm.env. Commands are looked up on PATH: tests put fakes first.
# Test hooks: ASPIRE_ETC (/etc/aspire-arm), ASPIRE_OS_RELEASE (/etc/os-release), ASPIRE_FSTAB
# (/etc/fstab), ASPIRE_SYSTEMD_DIR (/etc/systemd/system), ASPIRE_DISK_TIMEOUT (300 s), ASPIRE_COMPOSE_PLUGIN_DIR
# (/usr/local/lib/docker/cli-plugins), ASPIRE_STATE (/var/lib/aspire-arm), ASPIRE_DOCKER_DAEMON_JSON (/etc/docker/daemon.json),
# ASPIRE_JOURNALD_DIR (/etc/systemd/journald.conf.d).
set -euo pipefail

ETC="${ASPIRE_ETC:-/etc/aspire-arm}"
OS_RELEASE="${ASPIRE_OS_RELEASE:-/etc/os-release}"
FSTAB="${ASPIRE_FSTAB:-/etc/fstab}"
SYSTEMD_DIR="${ASPIRE_SYSTEMD_DIR:-/etc/systemd/system}"
DISK_TIMEOUT="${ASPIRE_DISK_TIMEOUT:-300}"
STATE="${ASPIRE_STATE:-/var/lib/aspire-arm}"
LIB="$(dirname "$0")"
# The compose plugin where the distribution has no package of it (Amazon Linux 2023, Debian 12):
# the release and checksum docker-library's docker:27 image pins for linux-aarch64.
COMPOSE_URL=https://github.com/docker/compose/releases/download/v2.29.7/docker-compose-linux-aarch64
COMPOSE_SHA256=6e9fbd5daa20dca5d7d89145081ae8155d68ef2928b497d9f85b54fe0f9dbb2c
PLUGIN_DIR="${ASPIRE_COMPOSE_PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}"
DAEMON_JSON="${ASPIRE_DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}"
JOURNALD_DIR="${ASPIRE_JOURNALD_DIR:-/etc/systemd/journald.conf.d}"

log() { printf 'aspire-arm: %s\n' "$*"; }
die() { printf 'aspire-arm: error: %s\n' "$*" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

[ -r "$ETC/vm.env" ] || die "$ETC/vm.env is missing; cloud-init writes it before this script runs"
# shellcheck source=/dev/null # written on the VM by cloud-init; not in the repository
. "$ETC/vm.env"
: "${ASPIRE_RUNTIME:=docker}" "${ASPIRE_NEEDS_DOCKER:=0}" "${ASPIRE_DATA_DISK:=}" "${ASPIRE_DATA_DIR:=/var/lib/aspire-arm/data}"

# Sets FAMILY from os-release: ubuntu (and its derivatives), debian, or amzn (which also stands
# for the other dnf-based distributions).
detect_os() {
  local ids
  # shellcheck source=/dev/null # the distribution's file, read in a subshell so it cannot clobber our variables
  ids=" $(. "$OS_RELEASE" && echo "${ID:-} ${ID_LIKE:-}") "
  case "$ids" in
    *" ubuntu "*) FAMILY=ubuntu ;;
    *" debian "*) FAMILY=debian ;;
    *" amzn "* | *" rhel "* | *" fedora "* | *" centos "*) FAMILY=amzn ;;
    *) die "unsupported distribution (os-release ID/ID_LIKE:$ids); use Ubuntu, Debian or Amazon Linux" ;;
  esac
}

apt_update() {
  export DEBIAN_FRONTEND=noninteractive
  # The lock timeout: unattended-upgrades often holds the lock during the first minutes of boot.
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -q
    APT_UPDATED=1
  fi
}

apt_install() {
  apt_update
  apt-get -o DPkg::Lock::Timeout=300 install -y -q "$@"
}

# download URL FILE
download() {
  if ! command -v curl >/dev/null 2>&1; then
    detect_os
    if [ "$FAMILY" = amzn ]; then dnf install -y curl; else apt_install curl ca-certificates; fi
  fi
  curl -fsSL --retry 5 -o "$2" "$1"
}

setup_data_disk() {
  mkdir -p "$ASPIRE_DATA_DIR"
  if [ -z "$ASPIRE_DATA_DISK" ]; then
    log "no data disk; data in $ASPIRE_DATA_DIR on the boot disk"
    return
  fi
  # EBS volumes are attached by a separate API call and may show up well after boot has started.
  # No falling back to the boot disk: the data would be hidden once the disk shows up.
  local waited=0 device rc=0 fstype uuid
  until [ -e "$ASPIRE_DATA_DISK" ]; do
    [ "$waited" -lt "$DISK_TIMEOUT" ] || die "data disk $ASPIRE_DATA_DISK did not appear within $DISK_TIMEOUT s"
    [ "$waited" -gt 0 ] || log "waiting for data disk $ASPIRE_DATA_DISK"
    sleep 5
    waited=$((waited + 5))
  done
  device="$(readlink -f "$ASPIRE_DATA_DISK")"
  # blkid -p (low-level probe, no cache): 0 = a filesystem or partition table was found, 2 = none.
  # Anything else (8 = ambivalent signatures, ...) is not "blank": never format on doubt.
  blkid -p "$device" >/dev/null 2>&1 || rc=$?
  case "$rc" in
    0) log "data disk $device already has a filesystem; keeping it" ;;
    2)
      log "formatting blank data disk $device (ext4, label aspire-data)"
      # e2fsprogs: in Ubuntu's and Debian's base system; installed where an image lacks it.
      if ! command -v mkfs.ext4 >/dev/null 2>&1; then
        detect_os
        if [ "$FAMILY" = amzn ]; then dnf install -y e2fsprogs; else apt_install e2fsprogs; fi
      fi
      mkfs.ext4 -q -L aspire-data "$device"
      ;;
    *) die "blkid -p $device exited with $rc; not touching the data disk" ;;
  esac
  fstype="$(blkid -p -s TYPE -o value "$device" || true)"
  uuid="$(blkid -p -s UUID -o value "$device" || true)"
  if [ -z "$fstype" ] || [ -z "$uuid" ]; then
    die "data disk $device holds no filesystem with a UUID (a partition table?); not touching it"
  fi
  if mountpoint -q "$ASPIRE_DATA_DIR"; then
    log "$ASPIRE_DATA_DIR is already mounted"
  else
    mount -t "$fstype" "$device" "$ASPIRE_DATA_DIR"
    log "mounted $device on $ASPIRE_DATA_DIR"
  fi
  # By UUID: device names (nvme1n1, sdb) may change between boots. nofail and a short timeout so a
  # missing disk delays the boot by 30 s instead of dropping it into emergency mode.
  if ! grep -q "^UUID=${uuid}[[:space:]]" "$FSTAB" 2>/dev/null; then
    printf 'UUID=%s %s %s defaults,nofail,x-systemd.device-timeout=30s 0 2\n' "$uuid" "$ASPIRE_DATA_DIR" "$fstype" >>"$FSTAB"
    log "added the data disk to $FSTAB"
  fi
  mkdir -p "$ASPIRE_DATA_DIR/volumes"
  # At every later boot Docker restarts the containers by itself (restart: unless-stopped), and a
  # nofail mount does not hold up the boot: without this Docker could start them before the disk
  # is mounted, on the empty mount point of the boot disk. No disk, no containers (as above).
  local unit
  for unit in docker.service aspire-arm-app.service; do
    mkdir -p "$SYSTEMD_DIR/$unit.d"
    printf '# Written by aspire-arm: named volumes live on the data disk.\n[Unit]\nRequiresMountsFor=%s\n' "$ASPIRE_DATA_DIR" >"$SYSTEMD_DIR/$unit.d/10-aspire-data-disk.conf"
  done
}

# A VM that runs for months: container logs rotate (Docker's `local` driver, 5 files of 10 MB per
# container), merged into a daemon.json that may hold other settings. Written before Docker is
# installed (its package starts it); a Docker that runs already is restarted when the file changed,
# since the log settings of the daemon apply to containers created after it starts.
setup_docker_logs() {
  local before=''
  [ ! -f "$DAEMON_JSON" ] || before="$(cat "$DAEMON_JSON")"
  mkdir -p "$(dirname "$DAEMON_JSON")"
  python3 -c '
import json, os, sys
path = sys.argv[1]
try:
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
except FileNotFoundError:
    config = {}
except ValueError as e:
    sys.exit(f"aspire-arm: error: {path} is not JSON ({e}); not touching it")
if not isinstance(config, dict):
    sys.exit(f"aspire-arm: error: {path} is not a JSON object; not touching it")
config["log-driver"] = "local"
config["log-opts"] = {"max-size": "10m", "max-file": "5"}
with open(path + ".tmp", "w", encoding="utf-8") as f:
    json.dump(config, f, indent=2, sort_keys=True)
    f.write("\n")
os.replace(path + ".tmp", path)
' "$DAEMON_JSON"
  if [ "$(cat "$DAEMON_JSON")" != "$before" ]; then
    log "container logs capped in $DAEMON_JSON (local driver, 5 x 10 MB)"
    if systemctl is-active --quiet docker.service; then systemctl restart docker.service; fi
  fi
}

# The journal (native services, the apply's own output) capped at 500 MB.
setup_journald() {
  local conf="$JOURNALD_DIR/10-aspire-arm.conf" text
  text="$(printf '# Written by aspire-arm: the journal of a VM that runs for months stays bounded.\n[Journal]\nSystemMaxUse=500M')"
  [ "$(cat "$conf" 2>/dev/null || true)" != "$text" ] || return 0
  mkdir -p "$JOURNALD_DIR"
  printf '%s\n' "$text" >"$conf"
  systemctl restart systemd-journald.service || log "could not restart systemd-journald; the cap applies from the next boot"
}

setup_docker() {
  [ "$ASPIRE_RUNTIME" = docker ] || [ "$ASPIRE_NEEDS_DOCKER" = 1 ] || return 0
  setup_docker_logs
  if docker compose version >/dev/null 2>&1; then
    log "docker and docker compose already installed"
  else
    detect_os
    log "installing docker ($FAMILY)"
    case "$FAMILY" in
      ubuntu) apt_install docker.io docker-compose-v2 ;;
      # apparmor: the kernel has it on, and without the userspace package containers fail to start.
      debian) apt_install docker.io docker-compose apparmor ;;
      amzn) dnf install -y docker ;;
    esac
    # Amazon Linux has no compose package, and Debian 12's docker-compose is the v1 Python tool,
    # which does not provide `docker compose`.
    if ! docker compose version >/dev/null 2>&1; then
      download "$COMPOSE_URL" "$WORK/compose"
      echo "$COMPOSE_SHA256  $WORK/compose" | sha256sum -c --quiet - || die "checksum mismatch for $COMPOSE_URL"
      install -D -m 0755 "$WORK/compose" "$PLUGIN_DIR/docker-compose"
      log "installed docker compose in $PLUGIN_DIR"
    fi
    docker compose version >/dev/null 2>&1 || die "docker compose still does not work after installing it"
  fi
  systemctl enable --now docker.service
}

log "bootstrap: runtime=$ASPIRE_RUNTIME docker=$ASPIRE_NEEDS_DOCKER data-disk=${ASPIRE_DATA_DISK:-none}"
setup_data_disk
setup_journald
# Before Docker starts: the app unit written by cloud-init and the data disk drop-ins.
systemctl daemon-reload
setup_docker
# At every boot the app unit applies the current release (none yet on a new VM: it is skipped).
systemctl enable --now aspire-arm-app.service || die "aspire-arm-app.service failed for now (it retries on its own); see: journalctl -u aspire-arm-app.service"
# The host is ready: rollout.sh, which a delivery may already have started, waits for this.
mkdir -p "$STATE"
touch "$STATE/bootstrapped"
# The first release: AWS sends it (Run Command, once the VM is online); GCP's agent takes it from
# the instance metadata; the file source (emulated-VM tests) has it on a disk of the VM.
case "${ASPIRE_RELEASE_SOURCE:-}" in
  gce-metadata) systemctl enable --now aspire-arm-agent.service ;;
  file)
    if [ ! -e "$STATE/current" ] && [ -n "${ASPIRE_RELEASE_FILE:-}" ]; then
      "$LIB/rollout.sh" file "$ASPIRE_RELEASE_FILE" || die "the first release failed; see $STATE/rollouts/"
    fi
    ;;
esac
log "bootstrap done"
