# shellcheck shell=bash
# infra/provision.sh's helpers: where things go, and how a step says what it changed.
# Sourced; every step is a function in one of the files sourced at the end.

PREFIX=/opt/byhand          # the app (a copy of the checkout) and the Node it runs on
APP=$PREFIX/app
BIN=$PREFIX/bin             # node and npm, whichever Node was chosen
NODE_DIR=$PREFIX/node       # Node.js from nodejs.org, when the machine has no Node >= 20
ETC=/etc/byhand             # settings (byhand.env) and the agent secret (secret.env)
STATE=/var/lib/byhand       # lab image, sandbox tools, sessions' state
SERVICE_USER=byhand         # the site runs as this user; the agent must be root
NODE_MIN_MAJOR=20
NODE_VERSION=20.20.2        # what is downloaded when no Node >= 20 is installed

# `producer | put_file ...` must record its change here, not in a subshell.
shopt -s lastpipe
CHANGES=()
RESTART_AGENT=0
RESTART_WEB=0
RELOAD_CADDY=0

say() { printf '[provision] %s\n' "$*"; }
fail() {
  printf '[provision] ERROR: %s\n' "$*" >&2
  exit 1
}
changed() {
  CHANGES+=("$1")
  say "  changed: $1"
}

# put_file DEST MODE OWNER < content: writes DEST only when its content, mode or owner differ.
# Returns 0 when it wrote, 1 when DEST was already so.
put_file() {
  local dest=$1 mode=$2 owner=$3 tmp
  tmp=$(mktemp "$dest.new.XXXXXX")
  cat >"$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest" && [ "$(stat -c '%a %U:%G' "$dest")" = "$mode $owner" ]; then
    rm -f "$tmp"
    return 1
  fi
  chmod "$mode" "$tmp"
  chown "$owner" "$tmp"
  mv -f "$tmp" "$dest"
  changed "$dest"
}

# ensure_dir DIR MODE OWNER
ensure_dir() {
  local dir=$1 mode=$2 owner=$3
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    changed "made $dir"
  fi
  if [ "$(stat -c '%a %U:%G' "$dir")" != "$mode $owner" ]; then
    chmod "$mode" "$dir"
    chown "$owner" "$dir"
    changed "$dir is $mode $owner"
  fi
}

# ensure_link LINK TARGET
ensure_link() {
  if [ "$(readlink "$1" 2>/dev/null)" != "$2" ]; then
    ln -sfn "$2" "$1"
    changed "$1 -> $2"
  fi
}

# kernel_at_least RELEASE MAJOR MINOR: "6.1.0-13-amd64" 5 11 -> true
kernel_at_least() {
  local major minor
  major=$(printf '%s' "$1" | cut -d. -f1)
  minor=$(printf '%s' "$1" | cut -d. -f2 | sed 's/[^0-9].*//')
  [ "${major:-0}" -gt "$2" ] || { [ "${major:-0}" -eq "$2" ] && [ "${minor:-0}" -ge "$3" ]; }
}

LIB_DIR=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=provision/checks.sh
. "$LIB_DIR/checks.sh"
# shellcheck source=provision/system.sh
. "$LIB_DIR/system.sh"
# shellcheck source=provision/app.sh
. "$LIB_DIR/app.sh"
# shellcheck source=provision/services.sh
. "$LIB_DIR/services.sh"
