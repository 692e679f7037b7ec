#!/bin/sh
# mmdebstrap --essential-hook (runs on the host, $1 = the arm64 root): no initramfs while the
# packages install (under qemu-user it is the slowest step, and dpkg would build it twice);
# customize-hook.sh builds a small one once at the end.
set -e
chroot "$1" dpkg-divert --local --rename --divert /usr/sbin/update-initramfs.aspire-test --add /usr/sbin/update-initramfs
ln -sf /bin/true "$1/usr/sbin/update-initramfs"
