#!/bin/bash
# Builds the arm64 test image of the emulated-VM test into OUTDIR (which must not exist):
#   rootfs.img  raw ext4 root filesystem (sparse), booted as a copy
#   vmlinuz, initrd.img  for direct kernel boot
#   build.log, info.txt
# Debian 13 (trixie) arm64 by mmdebstrap under qemu-user: systemd, cloud-init, docker.io and the
# compose v2 plugin, apparmor, python3; the offline test images; the test units (guest/).
# Usage: build.sh OUTDIR      Env: ASPIRE_VM_MIRROR (default: this machine's apt mirror)
set -euo pipefail
OUT=${1:?usage: build.sh OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
t0=$(date +%s)
ts() { echo "[build $(( $(date +%s) - t0 ))s] $*"; }

# The Debian mirror apt uses here (there is no other network).
mirror() {
  local u
  u=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\/.*\/debian\/?$/) {print $i; exit}}')
  [ -n "$u" ] || u=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '$1 == "URIs:" {for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\/.*\/debian\/?$/) {print $i; exit}}')
  echo "${u:-http://deb.debian.org/debian}"
}
MIRROR=${ASPIRE_VM_MIRROR:-$(mirror)}

# arm64 binaries in the chroot run through qemu-user-static (binfmt_misc, F flag).
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || { echo "no binfmt_misc entry for qemu-aarch64 (install qemu-user-static binfmt-support)" >&2; exit 1; }

[ ! -e "$OUT" ] || { echo "$OUT exists" >&2; exit 1; }
mkdir -p "$OUT"
ROOT="$OUT/root"
PKGS=systemd-sysv,udev,dbus,cloud-init,linux-image-arm64,initramfs-tools,docker.io,docker-cli,docker-compose,apparmor,python3,ca-certificates,iproute2,curl,kmod,procps,tar,e2fsprogs,util-linux,iptables,netbase,python3-yaml
ts "mmdebstrap trixie arm64 from $MIRROR"
mmdebstrap --mode=root --arch=arm64 --variant=minbase \
  --aptopt='Apt::Install-Recommends "false"' --dpkgopt=force-confold \
  --include="$PKGS" \
  --essential-hook="sh '$HERE/essential-hook.sh' \"\$1\"" \
  --customize-hook="bash '$HERE/customize-hook.sh' \"\$1\"" \
  trixie "$ROOT" "deb $MIRROR trixie main"
ts "rootfs done ($(du -sh "$ROOT" | cut -f1))"

cp "$ROOT"/boot/vmlinuz-* "$OUT/vmlinuz"
cp "$ROOT"/boot/initrd.img-* "$OUT/initrd.img"
truncate -s 8G "$OUT/rootfs.img"
mkfs.ext4 -q -F -L rootfs -d "$ROOT" "$OUT/rootfs.img"
{
  echo "built: $(date -u +%FT%TZ) in $(( $(date +%s) - t0 )) s"
  echo "mirror: $MIRROR"
  echo "kernel: $(basename "$ROOT"/boot/vmlinuz-*)"
  # shellcheck disable=SC2016 # dpkg-query's format
  for p in cloud-init docker.io docker-cli docker-compose containerd python3 systemd; do chroot "$ROOT" dpkg-query -W -f '${Package} ${Version}\n' "$p"; done
  ls -l "$ROOT/opt/aspire-test/images"
} >"$OUT/info.txt"
rm -rf "$ROOT"
ts "image done: $(du -sh "$OUT" | cut -f1) used, $(du -sh --apparent-size "$OUT" | cut -f1) apparent"
