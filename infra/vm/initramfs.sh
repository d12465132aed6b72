#!/bin/sh
# Run by mmdebstrap as an essential hook ($1: the new root filesystem), before the kernel is
# installed: its initrd then holds only what this VM needs to mount its root (a virtio disk
# with ext4) and is not compressed, which saves a good part of the boot under emulation.
set -eu
root="$1"
mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/usr/share/initramfs-tools/modules.d"
printf 'MODULES=list\nCOMPRESS=none\n' > "$root/etc/initramfs-tools/conf.d/byhand-vm.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' > "$root/usr/share/initramfs-tools/modules.d/byhand-vm"
