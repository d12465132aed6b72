# shellcheck shell=bash
# What the machine must be before anything is installed; each refusal says what to do.

SUPPORTED_SYSTEMS="Debian 12, Ubuntu 22.04, Ubuntu 24.04"

# os_supported ID VERSION_ID
os_supported() {
  case "$1 $2" in
    "debian 12" | "ubuntu 22.04" | "ubuntu 24.04") return 0 ;;
    *) return 1 ;;
  esac
}

cgroup_problem() { # FS_TYPE of /sys/fs/cgroup
  [ "$1" = cgroup2fs ] && return 1
  echo "this machine runs cgroup v1 (/sys/fs/cgroup is $1), but the sandboxes' limits and the" \
    "learners' own cgroups need cgroup v2 only. Add systemd.unified_cgroup_hierarchy=1 to" \
    "GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub, reboot, and run me again."
}

check_machine() {
  [ "$(id -u)" = 0 ] || fail "run me as root (sudo $0): I install packages, systemd units and kernel settings"
  [ -d /run/systemd/system ] || fail "systemd is not running here: the agent and the site run as systemd services"
  local id version problem
  id=$(. /etc/os-release && echo "${ID:-}")
  version=$(. /etc/os-release && echo "${VERSION_ID:-}")
  if ! os_supported "$id" "$version"; then
    [ "${BYHAND_ANY_OS:-}" = 1 ] || fail "this is $id $version; supported: $SUPPORTED_SYSTEMS (BYHAND_ANY_OS=1 tries anyway)"
    say "warning: $id $version is not one of $SUPPORTED_SYSTEMS; trying anyway (BYHAND_ANY_OS=1)"
  fi
  kernel_at_least "$(uname -r)" 5 11 ||
    fail "kernel $(uname -r) is too old: the sandboxes need Linux 5.11 or newer (idmapped mounts, unprivileged overlayfs); upgrade the kernel or the distribution"
  if problem=$(cgroup_problem "$(stat -fc %T /sys/fs/cgroup)"); then fail "$problem"; fi
  say "machine: $id $version, kernel $(uname -r), cgroup v2"
}
