#!/bin/bash
# mmdebstrap --customize-hook (runs on the host, $1 = the arm64 root, commands in it run under
# qemu-user): the offline test images, the test units and settings, and the initramfs.
set -euo pipefail
R=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ts() { echo "[customize $(date +%T)] $*"; }
in_root() { chroot "$R" env DEBIAN_FRONTEND=noninteractive "$@"; }

# systemd-networkd is its own package in some releases.
if [ ! -e "$R/usr/lib/systemd/systemd-networkd" ] && [ ! -e "$R/lib/systemd/systemd-networkd" ]; then
  ts "installing systemd-networkd"
  in_root apt-get install -y -q systemd-networkd
fi

ts "test files"
tar -C "$HERE/guest" --owner=0 --group=0 -cf - . | tar -C "$R" -xf - --no-overwrite-dir
chmod 0755 "$R/usr/local/lib/aspire-test/"*.py

ts "container images (redis-server, caddy: installed for the build, then removed)"
in_root apt-get install -y -q --no-install-recommends redis-server redis-tools caddy
install -m 0755 "$HERE/make-container-images.sh" "$R/tmp/make-container-images.sh"
in_root bash /tmp/make-container-images.sh
rm -f "$R/tmp/make-container-images.sh"
in_root apt-get purge -y -q redis-server redis-tools caddy
in_root apt-get autoremove --purge -y -q

ts "system settings"
echo aspire-test >"$R/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 aspire-test\n::1 localhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
cat >"$R/etc/fstab" <<'FSTAB'
/dev/vda / ext4 defaults,noatime 0 1
# Test disks (see test/vm): the stand-in secret store, read-only, and the probe's results.
LABEL=aspire-secrets /mnt/aspire-test ext4 ro,noatime 0 0
LABEL=aspire-results /mnt/aspire-results ext4 noatime 0 0
FSTAB
mkdir -p "$R/mnt/aspire-test" "$R/mnt/aspire-results"
: >"$R/etc/machine-id"
in_root systemctl enable systemd-networkd.service aspire-test-images.service aspire-test-probe.service
in_root systemctl enable docker.service containerd.service
in_root systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer 2>/dev/null || true

ts "initramfs (MODULES=list: virtio and ext4 only)"
mkdir -p "$R/etc/initramfs-tools/conf.d"
printf 'MODULES=list\nCOMPRESS=gzip\n' >"$R/etc/initramfs-tools/conf.d/aspire-test.conf"
printf '%s\n' virtio_pci virtio_blk virtio_net ext4 crc32c_generic >"$R/etc/initramfs-tools/modules"
rm -f "$R/usr/sbin/update-initramfs"
in_root dpkg-divert --local --rename --divert /usr/sbin/update-initramfs.aspire-test --remove /usr/sbin/update-initramfs
in_root update-initramfs -c -k all
in_root apt-get clean
ls -l "$R/boot"
ts "done"
