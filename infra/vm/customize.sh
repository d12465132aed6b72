#!/bin/sh
# Run by mmdebstrap as a customize hook: $1 is the VM's new root filesystem. Installs the unit
# that runs the harness's command once at boot and powers off (guest/).
set -eu
root="$1"
here="$(dirname "$0")"

echo byhand-vm > "$root/etc/hostname"
cat > "$root/etc/hosts" <<'HOSTS'
127.0.0.1	localhost byhand-vm
::1	localhost ip6-localhost ip6-loopback
HOSTS
# The VM has no network at all; nothing should wait for one.
rm -f "$root/etc/resolv.conf"
# Root logs in on the serial console without a password: this disk only ever runs tests.
chroot "$root" passwd --delete root >/dev/null

install -m 0755 "$here/guest/byhand-vm-job" "$root/usr/local/sbin/byhand-vm-job"
install -m 0644 "$here/guest/byhand-vm-job.service" "$root/etc/systemd/system/byhand-vm-job.service"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants" "$root/repo" "$root/job"
ln -sf ../byhand-vm-job.service "$root/etc/systemd/system/multi-user.target.wants/byhand-vm-job.service"
