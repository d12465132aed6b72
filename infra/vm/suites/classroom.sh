#!/bin/bash
# Inside the classroom test VM (infra/vm/lib/classroom.mjs), as root, in /repo (read-only).
#   classroom.sh PHASE ORIGIN
#   first-boot:   provisioning from nothing, then what a class would see (the host's browser
#                 included), then the runtime's cgroup v2 tests and the lesson runner
#   checks:       on a disk kept from an earlier run (run.mjs --disk): the class's checks again
#   after-reboot: the site came back by itself; provisioning again changes nothing
# ORIGIN: where learners reach this VM: the host's end of the port QEMU forwards to port 80.
set -euo pipefail
phase=${1:?first-boot, checks or after-reboot}
origin=${2:?the origin learners use, e.g. http://127.0.0.1:8080}
OFFLINE=/srv/byhand-offline
say() { echo "== $*"; }
fail() {
  echo "FAIL: $*"
  journalctl --no-pager -n 40 -u byhand-agent -u byhand-web -u caddy | sed 's/^/    | /'
  # A process killed by SIGILL or SIGSEGV leaves the faulting address here ("trap invalid opcode").
  journalctl --no-pager -k -g 'trap|segfault|general protection' | tail -n 10 | sed 's/^/    | kernel: /'
  exit 1
}

# Emulated, some steps are silent for minutes (a package's postinst, mmdebstrap): say what runs.
still_working() {
  local newest
  while sleep 120; do
    # The most recently started process (not this loop's own, nor the subshell that runs ps):
    # the step that is running now.
    newest=$(self=$BASHPID; ps -eo pid=,etimes=,args= --sort=start_time |
      awk -v self="$self" '$1 != self && $3 !~ /^(\[|ps$|awk$|sleep$)/ {secs = $2; $1 = ""; $2 = ""; line = substr($0, 3, 120) " (for " secs " s)"} END {print line}')
    echo "   (still working: $newest)"
  done
}
still_working &
monitor=$!
trap 'kill "$monitor" 2>/dev/null' EXIT

# What the host made for this VM, which has no network: apt repository, key, Node.js tarball.
mkdir -p "$OFFLINE"
mount -o ro "$(blkid -L byhand-offline)" "$OFFLINE"

# The harness sets NODE_OPTIONS when it emulates the CPU (lib/job.mjs): the course's services
# get the same, from a drop-in of this test's own that provisioning neither writes nor reads.
emulation_settings() {
  local unit dir changed=0
  for unit in byhand-agent byhand-web; do
    dir=/etc/systemd/system/$unit.service.d
    if [ -n "${NODE_OPTIONS:-}" ]; then
      mkdir -p "$dir"
      printf '[Service]\nEnvironment=NODE_OPTIONS=%s\n' "$NODE_OPTIONS" >"$dir/vm-test-emulation.conf.new"
      cmp -s "$dir/vm-test-emulation.conf.new" "$dir/vm-test-emulation.conf" && rm "$dir/vm-test-emulation.conf.new" && continue
      mv "$dir/vm-test-emulation.conf.new" "$dir/vm-test-emulation.conf"
    else
      [ -e "$dir/vm-test-emulation.conf" ] || continue
      rm "$dir/vm-test-emulation.conf"
    fi
    changed=1
  done
  [ "$changed" = 1 ] || return 0
  systemctl daemon-reload
  # Before the first provisioning there is nothing to restart yet.
  systemctl try-restart byhand-agent byhand-web 2>/dev/null || true
}

site_check() { # the course, as a browser gets it through Caddy on port 80 (ORIGIN leads there)
  local page
  page=$(curl -fsS --max-time 30 http://127.0.0.1/) || fail "the site does not answer through Caddy (http://127.0.0.1/)"
  grep -q 'Build a container by hand' <<<"$page" || fail "http://127.0.0.1/ is not the course's home page"
  # Read whole, not piped into grep -q: with pipefail, grep leaving early fails curl's write.
  page=$(curl -fsS --max-time 30 http://127.0.0.1/lessons/02-namespaces) ||
    fail "the lesson page /lessons/02-namespaces does not answer through Caddy"
  grep -q 'Namespaces' <<<"$page" || fail "the lesson page /lessons/02-namespaces does not show its lesson"
  node infra/vm/suites/terminal.mjs "$origin" http://127.0.0.1 || fail "a learner's terminal does not work through Caddy"
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
  # Active is not listening: emulated, the agent takes a while to clean up and bind its port.
  until curl -fsS -o /dev/null --max-time 10 http://127.0.0.1:3001/healthz; do
    [ "$SECONDS" -lt "$deadline" ] || fail "the agent does not answer on 127.0.0.1:3001/healthz 5 minutes after boot"
    sleep 2
  done
  say "byhand-agent, byhand-web and caddy are up (${SECONDS} s into the check)"
}

provision() { # log file, provision.sh's options
  local log=$1
  shift
  BYHAND_NODE_URL=file://$OFFLINE/node/$(cd "$OFFLINE/node" && ls node-*.tar.gz) \
    infra/provision.sh "$@" 2>&1 | tee "$log"
}

browser_test() { # the host runs it when it reads the cue, and leaves its exit code in /job
  local deadline=$((SECONDS + 900))
  say "waiting for the browser test against $origin"
  until [ -s /job/e2e-exit ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "the host's browser test did not report within 15 minutes"
    sleep 2
  done
  [ "$(cat /job/e2e-exit)" = 0 ] || fail "the browser test against $origin failed (its output is above)"
  say "the host's Chromium went through a lesson on this VM's site"
}

offline_apt() { # from nothing: the harness's own node goes, apt knows only the offline copy
  rm -f /usr/local/bin/node
  rm -f /etc/apt/sources.list.d/*
  for suite in bookworm bookworm-updates bookworm-security; do
    # copy://, not file://: mmdebstrap (the lab image) cannot reach file:// paths from its chroot.
    echo "deb copy://$OFFLINE/debian $suite main"
  done >/etc/apt/sources.list
  cp "$OFFLINE/key.asc" /etc/apt/trusted.gpg.d/byhand-offline.asc
  # This disk is thrown away after the test: dpkg need not sync after every file (emulated I/O).
  echo force-unsafe-io >/etc/dpkg/dpkg.cfg.d/byhand-vm-unsafe-io
}

first_provisioning() {
  local start=$SECONDS unit
  say "provisioning (1st run)"
  # As behind a cloud's NAT: learners type the forwarded address, not this VM's own.
  provision /tmp/provision-1.log --address "${origin#http://}" || fail "provisioning failed"
  say "provisioned in $((SECONDS - start)) s"
  grep -q 'nothing changed' /tmp/provision-1.log && fail "the first run said nothing changed"
  for unit in byhand-agent byhand-web caddy; do
    [ "$(systemctl is-enabled "$unit")" = enabled ] || fail "$unit is not enabled: it would not come back after a reboot"
  done
}

class_checks() { # what a class would see, then the kernel's side of it
  local start=$SECONDS
  site_check
  browser_test
  say "the agent is the OOM killer's last choice, its sandboxes' shells its first"
  local adj
  adj=$(cat "/proc/$(systemctl show -p MainPID --value byhand-agent)/oom_score_adj")
  [ "$adj" = -900 ] || fail "the agent's oom_score_adj is $adj, not -900 (sandbox-agent/src/oom.ts)"
  say "the runtime's cgroup v2 tests"
  bash infra/vm/suites/runtime-cgroups-v2.sh || fail "the runtime's cgroup v2 tests failed"
  say "the lesson runner against the provisioned lab image"
  local rc=0
  (cd /opt/byhand/app/content && BYHAND_STATE_DIR=/var/lib/byhand node runner/main.mjs) || rc=$?
  [ "$rc" = 0 ] || fail "the lesson runner failed (exit $rc$( [ "$rc" -gt 128 ] && echo ", signal $((rc - 128))"))"
  say "the class's checks passed in $((SECONDS - start)) s"
}

second_provisioning() {
  say "provisioning (2nd run, after the reboot)"
  provision /tmp/provision-2.log || fail "provisioning failed on its second run"
  grep -q 'nothing changed' /tmp/provision-2.log || fail "the second run changed something (see above): provisioning is not idempotent"
}

export PATH=/opt/byhand/bin:$PATH
emulation_settings
case $phase in
  first-boot) offline_apt; first_provisioning; class_checks ;;
  # Again on a disk kept from an earlier run (run.mjs --disk): services up, then the checks.
  checks) wait_for_services; class_checks ;;
  after-reboot) wait_for_services; site_check; second_provisioning ;;
  *) fail "unknown phase $phase: first-boot, checks or after-reboot" ;;
esac
say "$phase: passed"
