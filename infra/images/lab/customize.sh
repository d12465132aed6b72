#!/bin/sh
# Run by mmdebstrap as a customize hook: $1 is the new root filesystem.
# The runtime sets the hostname per sandbox, so nothing here depends on it.
set -eu
root="$1"

# The host's files were copied in for the build; a sandbox has no network by default.
rm -f "$root/etc/resolv.conf"
echo sandbox > "$root/etc/hostname"
cat > "$root/etc/hosts" <<'HOSTS'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
HOSTS

cat > "$root/etc/motd" <<'MOTD'
Welcome to your Containers by Hand sandbox.
You are root in here, and only in here: try `id`, `hostname` and `ls -l /proc/self/ns`.
MOTD

cat > "$root/root/.bashrc" <<'BASHRC'
# Interactive shells only.
case $- in *i*) ;; *) return ;; esac

# Green user@host, blue directory; \$ shows # for root and $ for anyone else.
PS1='\[\e[1;32m\]\u@\h\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]\$ '
export PS1

HISTCONTROL=ignoreboth
alias ls='ls --color=auto'
alias grep='grep --color=auto'

# Greet once, not again in every nested shell started by unshare or chroot.
if [ "${SHLVL:-1}" -le 1 ] && [ -r /etc/motd ]; then cat /etc/motd; fi
BASHRC
