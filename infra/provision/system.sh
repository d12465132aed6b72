# shellcheck shell=bash
# Distribution packages, Node.js, the service user and the kernel settings.

# missing_packages NAME...: prints the ones dpkg does not have installed.
missing_packages() {
  local name
  for name in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$name" 2>/dev/null)" = installed ] || printf '%s\n' "$name"
  done
}

# Caddy is in Debian 12 and Ubuntu 24.04; Ubuntu 22.04 gets it from Caddy's own repository.
add_caddy_repository() {
  say "caddy is not in this distribution's archive: adding Caddy's own apt repository"
  curl -fsSL https://dl.cloudsmith.io/public/caddy/stable/gpg.key | gpg --dearmor --yes -o /usr/share/keyrings/caddy-stable-archive-keyring.gpg
  curl -fsSL https://dl.cloudsmith.io/public/caddy/stable/debian.deb.txt >/etc/apt/sources.list.d/caddy-stable.list
  apt-get update -q
}

install_packages() {
  local wanted missing
  mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LIB_DIR/packages.txt")
  mapfile -t missing < <(missing_packages "${wanted[@]}")
  [ "${#missing[@]}" -eq 0 ] && return
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-cache show caddy >/dev/null 2>&1 || add_caddy_repository
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  changed "packages: ${missing[*]}"
}

node_major() { # path of a node binary -> its major version, 0 when it does not run
  "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

usable_node() { # a node >= NODE_MIN_MAJOR with npm beside it, or nothing
  local candidate
  for candidate in "$NODE_DIR/bin/node" "$(command -v node)"; do
    candidate=$(readlink -f "$candidate") || continue
    if [ -x "$candidate" ] && [ -x "$(dirname "$candidate")/npm" ] && [ "$(node_major "$candidate")" -ge "$NODE_MIN_MAJOR" ]; then
      echo "$candidate"
      return
    fi
  done
}

# Node.js from nodejs.org (Debian 12 and Ubuntu ship 18), checked against its SHASUMS256.txt.
download_node() {
  local arch url file tmp
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) fail "no Node.js build for $(uname -m): install Node.js $NODE_MIN_MAJOR or newer yourself and run me again" ;;
  esac
  url=${BYHAND_NODE_URL:-https://nodejs.org/dist/v$NODE_VERSION/node-v$NODE_VERSION-linux-$arch.tar.xz}
  file=${url##*/}
  tmp=$(mktemp -d)
  say "no Node.js $NODE_MIN_MAJOR or newer here: installing $url into $NODE_DIR"
  curl -fsSL -o "$tmp/$file" "$url" || fail "could not download $url (set BYHAND_NODE_URL to another copy)"
  curl -fsSL -o "$tmp/SHASUMS256.txt" "${url%/*}/SHASUMS256.txt" || fail "could not download ${url%/*}/SHASUMS256.txt"
  (cd "$tmp" && grep "  $file\$" SHASUMS256.txt | sha256sum --check --quiet --strict) ||
    fail "$file does not match its SHASUMS256.txt: the download is damaged or not genuine"
  rm -rf "$NODE_DIR.new"
  mkdir -p "$NODE_DIR.new"
  tar -xf "$tmp/$file" -C "$NODE_DIR.new" --strip-components=1
  rm -rf "$NODE_DIR" "$tmp"
  mv "$NODE_DIR.new" "$NODE_DIR"
  changed "Node.js $("$NODE_DIR/bin/node" --version) in $NODE_DIR"
}

ensure_node() {
  local node
  node=$(usable_node)
  if [ -z "$node" ]; then
    download_node
    node=$NODE_DIR/bin/node
  fi
  ensure_dir "$PREFIX" 755 root:root
  ensure_dir "$BIN" 755 root:root
  ensure_link "$BIN/node" "$node"
  ensure_link "$BIN/npm" "$(dirname "$node")/npm"
  export PATH="$BIN:$PATH"
}

make_user_and_dirs() {
  if ! getent passwd "$SERVICE_USER" >/dev/null; then
    useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
    changed "system user $SERVICE_USER"
  fi
  ensure_dir "$ETC" 750 "root:$SERVICE_USER"
  ensure_dir "$STATE" 755 root:root
}

sysctl_conf() { # whether the kernel has Debian's unprivileged_userns_clone switch (yes|no)
  echo "# Written by infra/provision.sh. Every learner's sandbox is a user namespace, and"
  echo "# learners make more inside it (unshare -U), as unprivileged users of this machine."
  echo "user.max_user_namespaces = 65536"
  [ "$1" = yes ] && echo "kernel.unprivileged_userns_clone = 1"
  return 0
}

# Ubuntu 24.04 restricts unprivileged user namespaces with AppArmor. The restriction stays on
# for the rest of the system; only the runtime's helper (and what it runs: the sandboxes) may.
apparmor_profile() {
  cat <<'PROFILE'
# Written by infra/provision.sh: learners' sandboxes may make user namespaces (unshare -U)
# although kernel.apparmor_restrict_unprivileged_userns is on. Nothing else is allowed more.
abi <abi/4.0>,
include <tunables/global>

profile byhand-init /{opt/byhand/app/packages/runtime/build/Release,var/lib/byhand/tools/bin,opt/byhand/bin}/byhand-init flags=(unconfined) {
  userns,
  include if exists <local/byhand-init>
}
PROFILE
}

kernel_settings() {
  local clone=no
  [ -e /proc/sys/kernel/unprivileged_userns_clone ] && clone=yes
  if sysctl_conf "$clone" | put_file /etc/sysctl.d/60-byhand.conf 644 root:root; then
    sysctl -q -p /etc/sysctl.d/60-byhand.conf
  fi
  [ -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ] || return 0
  command -v apparmor_parser >/dev/null || fail "AppArmor restricts user namespaces here but apparmor_parser is missing: apt-get install apparmor"
  if apparmor_profile | put_file /etc/apparmor.d/byhand-init 644 root:root; then
    apparmor_parser --replace --write-cache /etc/apparmor.d/byhand-init
  fi
}
