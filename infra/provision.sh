#!/bin/bash
# Containers by Hand on one classroom VM (Debian 12, Ubuntu 22.04 or 24.04), as root:
#
#   infra/provision.sh [--domain course.example.org] [--access-code CODE] [--max-sessions N]
#                      [--egress on|off]
#
# Installs what is needed, builds the lab image, installs and starts the systemd units for the
# agent and the site behind Caddy, and says what it changed. Run it again to upgrade in place
# (after `git pull`) or to change a setting; a run that has nothing to do says "nothing changed".
# infra/README.md is the admin guide.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=provision/lib.sh
. "$HERE/provision/lib.sh"

usage() {
  cat <<'USAGE'
Usage: infra/provision.sh [options]     (as root, from a checkout of Containers by Hand)

  --domain NAME        serve https://NAME (Caddy gets a certificate; NAME must point here and
                       ports 80 and 443 must be open). Without it: plain HTTP on port 80.
  --address HOST       without --domain: the address learners type (default: this machine's
                       first address); the terminals' WebSocket URL is built from it
  --access-code CODE   learners must enter CODE to get a terminal ("" removes it)
  --max-sessions N     sandboxes at once for the whole class (see README.md, "Sizing")
  --egress on|off      on: sandboxes reach the internet (NAT, the host's DNS), never this
                       machine, the LAN, cloud metadata or each other; off (default): no network
  --help               this text

Settings are kept in /etc/byhand/settings.env; options not given keep their current value.
Environment: BYHAND_NODE_URL (a Node.js linux tarball, when no Node >= 20 is installed).
USAGE
}

parse_options() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --domain) OPT_DOMAIN=${2?--domain needs a name}; shift 2 ;;
      --address) OPT_ADDRESS=${2?--address needs a host}; shift 2 ;;
      --access-code) OPT_ACCESS_CODE=${2?--access-code needs a code}; shift 2 ;;
      --max-sessions) OPT_MAX_SESSIONS=${2?--max-sessions needs a number}; shift 2 ;;
      --egress) OPT_EGRESS=${2?--egress needs on or off}; shift 2 ;;
      --help|-h) usage; exit 0 ;;
      *) fail "unknown option $1 (see --help)" ;;
    esac
  done
}

main() {
  parse_options "$@"
  check_machine
  install_packages
  ensure_node
  make_user_and_dirs
  install_app
  write_settings
  kernel_settings
  install_units
  configure_caddy
  start_services
  wait_until_serving
  report
}

main "$@"
