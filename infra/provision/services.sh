# shellcheck shell=bash
# The systemd units, Caddy in front of them, starting them, and the final word.

UNITS=(byhand-agent byhand-web)
SERVE_TIMEOUT_S=${BYHAND_SERVE_TIMEOUT:-180}

install_units() {
  local unit wrote=0
  for unit in "${UNITS[@]}"; do
    if put_file "/etc/systemd/system/$unit.service" 644 root:root <"$LIB_DIR/systemd/$unit.service"; then
      wrote=1
      [ "$unit" = byhand-agent ] && RESTART_AGENT=1
      [ "$unit" = byhand-web ] && RESTART_WEB=1
    fi
  done
  [ "$wrote" = 1 ] && systemctl daemon-reload
  return 0
}

# caddyfile SITE: SITE is a domain (automatic HTTPS) or ":80" (plain HTTP on any address).
caddyfile() {
  cat <<CADDY
# Written by infra/provision.sh: run it again (e.g. with --domain) rather than editing this file.
$1 {
	# Learners' terminals: WebSocket upgrades go to the agent, which checks token and Origin.
	@terminal path /v1/sessions/*/tty
	handle @terminal {
		reverse_proxy 127.0.0.1:3001
	}
	# Everything else is the site; the agent's API and metrics stay on loopback.
	handle {
		encode zstd gzip
		reverse_proxy 127.0.0.1:3000
	}
}
CADDY
}

configure_caddy() {
  if caddyfile "${DOMAIN:-:80}" | put_file /etc/caddy/Caddyfile 644 root:root; then
    caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile >/dev/null 2>&1 ||
      fail "Caddy refuses /etc/caddy/Caddyfile: $(caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile 2>&1 | tail -n 3)"
    RELOAD_CADDY=1
  fi
}

# ensure_running UNIT RESTART(0|1): enabled at boot, and running (restarted when it changed).
ensure_running() {
  local unit=$1 restart=$2
  if [ "$(systemctl is-enabled "$unit" 2>/dev/null)" != enabled ]; then
    systemctl enable --quiet "$unit"
    changed "$unit starts at boot"
  fi
  if ! systemctl is-active --quiet "$unit"; then
    systemctl start "$unit"
    changed "started $unit"
  elif [ "$restart" = 1 ]; then
    systemctl restart "$unit"
    say "  restarted $unit"
  fi
}

start_services() {
  ensure_running byhand-agent "$RESTART_AGENT"
  ensure_running byhand-web "$RESTART_WEB"
  if [ "$RELOAD_CADDY" = 1 ] && systemctl is-active --quiet caddy; then
    systemctl reload caddy
  fi
  ensure_running caddy 0
}

# wait_for WHAT URL [curl options]: until URL answers (any HTTP status) or the time is up.
wait_for() {
  local what=$1 url=$2 deadline=$((SECONDS + SERVE_TIMEOUT_S))
  shift 2
  until curl -sS -o /dev/null --max-time 10 "$@" "$url" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "$what does not answer at $url after $SERVE_TIMEOUT_S s; its last log lines:"
      journalctl --no-pager -n 30 -u byhand-agent -u byhand-web -u caddy | sed 's/^/    /'
      fail "$what is not serving (journalctl -u byhand-agent -u byhand-web -u caddy)"
    fi
    sleep 2
  done
}

wait_until_serving() {
  wait_for "the agent" http://127.0.0.1:3001/healthz --fail
  wait_for "the site" http://127.0.0.1:3000/ --fail
  if [ -n "$DOMAIN" ]; then
    # Caddy answers plain HTTP with a redirect to HTTPS; the certificate may take a minute.
    wait_for "Caddy" http://127.0.0.1/ -H "Host: $DOMAIN"
  else
    wait_for "the site through Caddy" http://127.0.0.1/ --fail
  fi
}

report() {
  local origin
  origin=$(public_origin)
  if [ "${#CHANGES[@]}" -eq 0 ]; then
    say "nothing changed: Containers by Hand is installed, up to date and serving at $origin"
  else
    say "done, ${#CHANGES[@]} changes: Containers by Hand is serving at $origin"
  fi
  [ -n "$ACCESS_CODE" ] && say "learners need the access code: $ACCESS_CODE"
  return 0
}
