# shellcheck shell=bash
# The app: a copy of this checkout in /opt/byhand/app, set up by scripts/setup.mjs (npm
# install, the native helper, the lab image, the site), and its settings.

# What setup.mjs builds in the copy (npm install, the native build, the site) and the site's
# runtime cache: never copied over or deleted by the source sync, so that a second run finds
# the copy as the first left it.
BUILT=(node_modules apps/web/.next packages/runtime/build)
RSYNC_RULES=(
  --exclude=/.git/
  --exclude=node_modules/
  --exclude=/apps/web/.next/
  --exclude=/apps/web/next-env.d.ts
  --exclude=/packages/runtime/build/
  --exclude='*.tsbuildinfo'
)

# A checkout that carries build output (a CI artifact, a developer's tree) seeds the copy once;
# setup.mjs checks it against its inputs and rebuilds what is stale.
seed_built_output() {
  local dir
  for dir in "${BUILT[@]}"; do
    [ -d "$SRC/$dir" ] && [ ! -e "$APP/$dir" ] || continue
    cp -a "$SRC/$dir" "$APP/$dir"
    changed "$APP/$dir from the checkout's build output"
  done
}

copy_app() {
  [ "$SRC" = "$APP" ] && return
  ensure_dir "$APP" 755 root:root
  local count
  # Root owns the copy whoever owns the checkout; directory times would differ after builds.
  count=$(rsync -a --no-owner --no-group --omit-dir-times --chmod=go-w,Dgo+rx,Fgo+r --delete --itemize-changes \
    "${RSYNC_RULES[@]}" "$SRC/" "$APP/" | wc -l)
  if [ "$count" -gt 0 ]; then
    changed "$count files of $APP (from $SRC)"
    RESTART_AGENT=1
    RESTART_WEB=1
  fi
  seed_built_output
}

# The steps of scripts/setup.mjs that did something (it prints "[setup] STEP ... done (1.2 s)");
# its system check only looks, yet always says "done".
setup_steps_done() {
  sed -n 's/^\[setup\] \(.*\) \.\.\. done (.*$/\1/p' "$1" | grep -vx 'system check' || true
}

install_app() {
  copy_app
  local log step
  log=$(mktemp)
  say "scripts/setup.mjs (npm install, native helper, lab image, site; each only when out of date)"
  # sed -u: line by line, so that progress shows as it happens when the output is a log or a pipe.
  (cd "$APP" && BYHAND_STATE_DIR=$STATE node scripts/setup.mjs) 2>&1 | tee "$log" | sed -u 's/^/    /' ||
    fail "scripts/setup.mjs failed (its output is above); fix what it says and run me again"
  while IFS= read -r step; do
    changed "setup: $step"
    RESTART_AGENT=1
    RESTART_WEB=1
  done < <(setup_steps_done "$log")
  rm -f "$log"
  # next start keeps its image and fetch caches here, as the site's user.
  ensure_dir "$APP/apps/web/.next/cache" 755 "$SERVICE_USER:$SERVICE_USER"
}

# Settings: options given now, else the value kept from the last run, else the default.
load_settings() {
  DOMAIN='' ADDRESS='' ACCESS_CODE='' MAX_SESSIONS='' EGRESS=''
  if [ -f "$ETC/settings.env" ]; then
    DOMAIN=$(settings_value BYHAND_DOMAIN)
    ADDRESS=$(settings_value BYHAND_ADDRESS)
    ACCESS_CODE=$(settings_value BYHAND_ACCESS_CODE)
    MAX_SESSIONS=$(settings_value BYHAND_MAX_SESSIONS)
    EGRESS=$(settings_value BYHAND_EGRESS)
  fi
  DOMAIN=${OPT_DOMAIN-$DOMAIN}
  ADDRESS=${OPT_ADDRESS-$ADDRESS}
  ACCESS_CODE=${OPT_ACCESS_CODE-$ACCESS_CODE}
  MAX_SESSIONS=${OPT_MAX_SESSIONS-${MAX_SESSIONS:-50}}
  EGRESS=${OPT_EGRESS-${EGRESS:-off}}
  [[ "$DOMAIN" =~ ^([A-Za-z0-9-]+\.)*[A-Za-z0-9-]*$ ]] || fail "--domain $DOMAIN is not a host name like course.example.org"
  [[ "$ADDRESS" =~ ^[A-Za-z0-9.:-]*$ ]] || fail "--address $ADDRESS is not a host name or IP address"
  [[ "$ACCESS_CODE" =~ ^[A-Za-z0-9_-]*$ ]] || fail "--access-code may hold letters, digits, - and _ only"
  [[ "$MAX_SESSIONS" =~ ^[1-9][0-9]*$ ]] || fail "--max-sessions $MAX_SESSIONS is not a positive number"
  [[ "$EGRESS" =~ ^(on|off)$ ]] || fail "--egress must be on or off, got '$EGRESS'"
}

settings_value() { sed -n "s/^$1=//p" "$ETC/settings.env" | tail -n 1; }

# The origin learners' browsers use: https://DOMAIN, or http://ADDRESS (this machine's first
# address unless --address was given).
public_origin() {
  if [ -n "$DOMAIN" ]; then
    echo "https://$DOMAIN"
  else
    local address=${ADDRESS:-$(hostname -I 2>/dev/null | awk '{print $1}')}
    echo "http://${address:-127.0.0.1}"
  fi
}

# settings_env ORIGIN: what an admin chose (kept for the next run) and the agent's and site's
# environment that follows from it.
settings_env() {
  cat <<ENV
# Written by infra/provision.sh from its options: run it again to change them (see --help).
BYHAND_DOMAIN=$DOMAIN
BYHAND_ADDRESS=$ADDRESS
BYHAND_ACCESS_CODE=$ACCESS_CODE
BYHAND_MAX_SESSIONS=$MAX_SESSIONS
BYHAND_EGRESS=$EGRESS
# Derived: the agent listens on loopback only; Caddy passes learners' terminals to it.
BYHAND_STATE_DIR=$STATE
BYHAND_AGENT_HOST=127.0.0.1
BYHAND_AGENT_PORT=3001
BYHAND_AGENT_URL=http://127.0.0.1:3001
BYHAND_AGENT_PUBLIC_URL=$1
BYHAND_ALLOWED_ORIGINS=$1
NODE_ENV=production
NEXT_TELEMETRY_DISABLED=1
ENV
}

write_settings() {
  load_settings
  if settings_env "$(public_origin)" | put_file "$ETC/settings.env" 640 "root:$SERVICE_USER"; then
    RESTART_AGENT=1
    RESTART_WEB=1
  fi
  # Shared by the site (which asks for sandboxes) and the agent; made once, kept across upgrades.
  if [ ! -s "$ETC/secret.env" ]; then
    echo "BYHAND_AGENT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" |
      put_file "$ETC/secret.env" 640 "root:$SERVICE_USER"
    RESTART_AGENT=1
    RESTART_WEB=1
  fi
}
