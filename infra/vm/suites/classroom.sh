#!/bin/bash
# Inside the classroom test VM (infra/vm/lib/classroom.mjs), as root, in /repo (read-only).
#   first-boot:   provisioning from nothing, then what a class would see, then the runtime's
#                 cgroup v2 tests and the lesson runner against the provisioned machine
#   after-reboot: the site came back by itself; provisioning again changes nothing
set -euo pipefail
phase=${1:?first-boot or after-reboot}
OFFLINE=/srv/byhand-offline
say() { echo "== $*"; }
fail() {
  echo "FAIL: $*"
  journalctl --no-pager -n 40 -u byhand-agent -u byhand-web -u caddy | sed 's/^/    | /'
  exit 1
}

# What the host made for this VM, which has no network: apt repository, key, Node.js tarball.
mkdir -p "$OFFLINE"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro offline "$OFFLINE"

site_check() { # the course, as a browser gets it through Caddy on port 80
  local page
  page=$(curl -fsS --max-time 30 http://127.0.0.1/) || fail "the site does not answer through Caddy (http://127.0.0.1/)"
  grep -q 'Build a container by hand' <<<"$page" || fail "http://127.0.0.1/ is not the course's home page"
  curl -fsS --max-time 30 http://127.0.0.1/lessons/02-namespaces | grep -q 'Namespaces' ||
    fail "the lesson page /lessons/02-namespaces does not show its lesson"
  node infra/vm/suites/terminal.mjs http://127.0.0.1 || fail "a learner's terminal does not work through Caddy"
  say "the site and a learner's terminal answer through Caddy on port 80"
}

wait_for_services() {
  local unit deadline=$((SECONDS + 300))
  for unit in byhand-agent byhand-web caddy; do
    until systemctl is-active --quiet "$unit"; do
      [ "$SECONDS" -lt "$deadline" ] || fail "$unit is not active 5 minutes after boot: $(systemctl is-active "$unit")"
      sleep 2
    done
  done
  until curl -fsS -o /dev/null --max-time 10 http://127.0.0.1/; do
    [ "$SECONDS" -lt "$deadline" ] || fail "the site does not answer through Caddy 5 minutes after boot"
    sleep 2
  done
  say "byhand-agent, byhand-web and caddy are active (${SECONDS} s into the check)"
}

provision() { # log file
  BYHAND_NODE_URL=file://$OFFLINE/node/$(cd "$OFFLINE/node" && ls node-*.tar.gz) \
    infra/provision.sh 2>&1 | tee "$1"
}

if [ "$phase" = first-boot ]; then
  # From nothing: the harness's own node goes, apt knows only the offline copy of Debian.
  rm -f /usr/local/bin/node
  rm -f /etc/apt/sources.list.d/*
  for suite in bookworm bookworm-updates bookworm-security; do
    # copy://, not file://: mmdebstrap (the lab image) cannot reach file:// paths from its chroot.
    echo "deb copy://$OFFLINE/debian $suite main"
  done >/etc/apt/sources.list
  cp "$OFFLINE/key.asc" /etc/apt/trusted.gpg.d/byhand-offline.asc
  # This disk is thrown away after the test: dpkg need not sync after every file (emulated I/O).
  echo force-unsafe-io >/etc/dpkg/dpkg.cfg.d/byhand-vm-unsafe-io
  say "provisioning (1st run)"
  start=$SECONDS
  provision /tmp/provision-1.log || fail "provisioning failed"
  say "provisioned in $((SECONDS - start)) s"
  grep -q 'nothing changed' /tmp/provision-1.log && fail "the first run said nothing changed"
  export PATH=/opt/byhand/bin:$PATH
  for unit in byhand-agent byhand-web caddy; do
    [ "$(systemctl is-enabled "$unit")" = enabled ] || fail "$unit is not enabled: it would not come back after a reboot"
  done
  site_check
  say "the runtime's cgroup v2 tests"
  bash infra/vm/suites/runtime-cgroups-v2.sh || fail "the runtime's cgroup v2 tests failed"
  say "the lesson runner against the provisioned lab image"
  (cd /opt/byhand/app/content && BYHAND_STATE_DIR=/var/lib/byhand node runner/main.mjs) || fail "the lesson runner failed"
else
  export PATH=/opt/byhand/bin:$PATH
  wait_for_services
  site_check
  say "provisioning (2nd run, after the reboot)"
  provision /tmp/provision-2.log || fail "provisioning failed on its second run"
  grep -q 'nothing changed' /tmp/provision-2.log || fail "the second run changed something (see above): provisioning is not idempotent"
fi
say "$phase: passed"
