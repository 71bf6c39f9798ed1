#!/usr/bin/env bash
# PID 1 of a guest sandbox: runs inside new mount/uts/pid/ipc namespaces made by bin/guest-sandbox.
# Builds the guest's root (tmpfs + overlays over the host's /etc /usr /var /opt /srv + private
# /home /root /mnt /media /tmp under the state dir), pivots into it, prepares the guest on first
# boot (host keys, admin user, hostname), runs sshd, and tears down on EOF of the lifeline FIFO,
# SIGTERM, or a guest poweroff.
set -euo pipefail

NAME="$1" ADDRESS="$2" PORT="$3" STATE="$4" HOSTNAME_ARG="$5" LIB="$6" KIT="${7:-}" KIT_NODE_MODULES="${8:-}"
RUN="$STATE/run"
DISK="$STATE/disk"

# fd 6: error line for the launcher; fd 5: status lines (booted, poweroff); fd 7: lifeline (read).
exec 6>>"$RUN/error" 5>>"$RUN/status" 7<"$RUN/lifeline"
fail() { echo "$*" >&6; echo "guest-sandbox[$NAME]: $*" >&2; exit 1; }
trap 'fail "guest init failed at line $LINENO: $BASH_COMMAND"' ERR

[ "$$" = 1 ] || fail "guest init must be PID 1 of a new pid namespace"
# Refuse to touch mounts unless we really are in a mount namespace of our own.
[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt 2>/dev/null || echo host)" ] || fail "not in a private mount namespace"
mount --make-rprivate /

NEWROOT="$RUN/root"
mkdir -p "$NEWROOT" "$DISK/upper" "$DISK/work"
mount -t tmpfs -o mode=0755,size=16m "guest-root-$NAME" "$NEWROOT"

# Copy-on-write views of the host's system directories: the guest reads the host's files, and every
# write lands in the state dir (its "disk").
for d in etc usr var opt srv; do
  [ -d "/$d" ] || continue
  mkdir -p "$DISK/upper/$d" "$DISK/work/$d" "$NEWROOT/$d"
  mount -t overlay "guest-$d" -o "lowerdir=/$d,upperdir=$DISK/upper/$d,workdir=$DISK/work/$d" "$NEWROOT/$d" \
    || fail "cannot mount an overlay for /$d"
done
# Private directories that start empty (like a fresh image) and persist in the state dir.
for d in home root mnt media; do
  mkdir -p "$DISK/$d" "$NEWROOT/$d"
  mount --bind "$DISK/$d" "$NEWROOT/$d"
done
chmod 0700 "$DISK/root"
# /tmp is cleared at every boot.
rm -rf "$DISK/tmp"
mkdir -p "$DISK/tmp" "$NEWROOT/tmp"
chmod 1777 "$DISK/tmp"
mount --bind "$DISK/tmp" "$NEWROOT/tmp"
# merged-/usr symlinks (bin -> usr/bin, …) exactly as on the host
for e in /*; do
  [ -L "$e" ] && ln -s "$(readlink "$e")" "$NEWROOT/$(basename "$e")"
done
mkdir -p "$NEWROOT/proc" "$NEWROOT/sys" "$NEWROOT/dev" "$NEWROOT/run" "$NEWROOT/boot"

# A minimal /dev: a few device nodes bound from the host, its own devpts and shm.
mount -t tmpfs -o mode=0755,size=1m,nosuid "guest-dev-$NAME" "$NEWROOT/dev"
for n in null zero full random urandom tty; do
  touch "$NEWROOT/dev/$n"
  mount --bind "/dev/$n" "$NEWROOT/dev/$n"
done
mkdir -p "$NEWROOT/dev/pts" "$NEWROOT/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$NEWROOT/dev/pts"
ln -s pts/ptmx "$NEWROOT/dev/ptmx"
mount -t tmpfs -o mode=1777,size=64m,nosuid,nodev shm "$NEWROOT/dev/shm"
ln -s /proc/self/fd "$NEWROOT/dev/fd"
ln -s /proc/self/fd/0 "$NEWROOT/dev/stdin"
ln -s /proc/self/fd/1 "$NEWROOT/dev/stdout"
ln -s /proc/self/fd/2 "$NEWROOT/dev/stderr"

# This pid namespace's /proc, with the kernel knobs read-only (the network stack is the host's).
mount -t proc -o nosuid,nodev,noexec proc "$NEWROOT/proc"
for p in sys sysrq-trigger; do
  [ -e "$NEWROOT/proc/$p" ] || continue
  mount --bind "$NEWROOT/proc/$p" "$NEWROOT/proc/$p"
  mount -o remount,bind,ro "$NEWROOT/proc/$p"
done
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$NEWROOT/sys" 2>/dev/null || {
  mount --rbind /sys "$NEWROOT/sys"
  mount -o remount,bind,ro "$NEWROOT/sys"
}
# The guest's own view of loaded modules: a tmpfs over /sys/module with the host's names, where the
# modprobe shim adds what the guest "loads" (nothing reaches the host kernel).
mount -t tmpfs -o mode=0755,size=1m,nosuid,nodev,noexec "guest-modules-$NAME" "$NEWROOT/sys/module"
host_modules=(/sys/module/*)
host_modules=("${host_modules[@]##*/}")
mkdir -p "${host_modules[@]/#/$NEWROOT/sys/module/}" # one process: boot time matters on a loaded host
mount -t tmpfs -o mode=0755,size=64m,nosuid,nodev run "$NEWROOT/run"
mkdir -p "$NEWROOT/run/sshd" "$NEWROOT/run/lock"
chmod 0755 "$NEWROOT/run/sshd"

# Shims for the things a sandbox cannot do for real (see README.md). Refreshed at every boot.
mkdir -p "$NEWROOT/usr/local/bin"
for f in "$LIB"/shims/*; do
  install -m 0755 "$f" "$NEWROOT/usr/local/bin/$(basename "$f")"
done

# Tools a package brings (kubeadm, containerd, …): linked into /usr/local/bin by the apt-get shim.
mkdir -p "$NEWROOT/usr/local/lib/guest-sandbox/pkgbin"
cp -f "$LIB"/pkgbin/* "$NEWROOT/usr/local/lib/guest-sandbox/pkgbin/" # one process: boot time matters on a loaded host
# The guest kit (the Kubernetes node tools, bundled from the project), read-only.
if [ -n "$KIT" ] && [ -f "$KIT/kube-kit.mjs" ]; then
  mkdir -p "$NEWROOT/opt/hostplane-sim"
  mount --bind "$KIT" "$NEWROOT/opt/hostplane-sim"
  mount -o remount,bind,ro "$NEWROOT/opt/hostplane-sim"
  if [ -n "$KIT_NODE_MODULES" ] && [ -d "$NEWROOT/opt/hostplane-sim/node_modules" ]; then
    mount --bind "$KIT_NODE_MODULES" "$NEWROOT/opt/hostplane-sim/node_modules"
    mount -o remount,bind,ro "$NEWROOT/opt/hostplane-sim/node_modules"
  fi
fi

cd "$NEWROOT"
mkdir -p .old-root
pivot_root . .old-root
cd /
umount -l /.old-root
rmdir /.old-root

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
unset GUEST_SANDBOX_READY_TIMEOUT || true

mkdir -p /var/lib/guest-sandbox /var/log/guest-sandbox /etc/guest-sandbox
if [ ! -f /var/lib/guest-sandbox/initialized ]; then
  # First boot of this disk: what a fresh Cirrus image would have.
  echo "$HOSTNAME_ARG" >/etc/hostname
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$HOSTNAME_ARG" >/etc/hosts
  rm -f /etc/ssh/ssh_host_*
  ssh-keygen -q -t ed25519 -N '' -C "root@$HOSTNAME_ARG" -f /etc/ssh/ssh_host_ed25519_key
  cp -a /etc/skel/. /root/ 2>/dev/null || true
  if ! id admin >/dev/null 2>&1; then
    groups=""
    getent group sudo >/dev/null && groups="-G sudo"
    # shellcheck disable=SC2086
    useradd -m -s /bin/bash $groups -c admin admin
  fi
  echo 'admin:admin' | chpasswd
  printf 'admin ALL=(ALL) NOPASSWD:ALL\n' >/etc/sudoers.d/90-guest-sandbox-admin
  chmod 0440 /etc/sudoers.d/90-guest-sandbox-admin
  : >/var/lib/guest-sandbox/packages
  # Like an Ubuntu server image: a swap file in fstab, so swap is on until something turns it off.
  printf '/swap.img\tnone\tswap\tsw\t0\t0\n' >>/etc/fstab
  printf 'name=%s\nfirst-boot=%s\n' "$NAME" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >/var/lib/guest-sandbox/initialized
fi
hostname "$(head -n 1 /etc/hostname)"
# swapon -a at boot: swap is on when fstab has an active swap line (the swap shims record the state).
if grep -Eq '^[^#[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+swap[[:space:]]' /etc/fstab 2>/dev/null; then echo on; else echo off; fi >/var/lib/guest-sandbox/swap
# systemd-modules-load: the modules the guest's /etc/modules-load.d lists are "loaded" at boot.
for m in $(sed -e 's/#.*//' /etc/modules-load.d/*.conf 2>/dev/null); do
  if [[ "$m" =~ ^[A-Za-z0-9_-]+$ ]]; then mkdir -p "/sys/module/$m"; fi
done

cat >/etc/guest-sandbox/sshd_config <<CONF
# written by guest-sandbox at every boot
Port $PORT
ListenAddress $ADDRESS
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile /run/sshd.pid
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PermitRootLogin prohibit-password
UsePAM no
UseDNS no
PrintMotd no
LogLevel VERBOSE
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
CONF
sshd_err="$(/usr/sbin/sshd -t -f /etc/guest-sandbox/sshd_config 2>&1)" || fail "sshd config test failed: $(echo "$sshd_err" | head -n 1)"

# Any process besides us that is not a zombie? Builtins only, so the check never sees itself.
others_alive() {
  local f line
  for f in /proc/[0-9]*/status; do
    [ "$f" = /proc/1/status ] && continue
    line=""
    while IFS= read -r line; do case "$line" in State:*) break ;; esac; done <"$f" 2>/dev/null || continue
    case "$line" in State:*Z*|"") ;; *) return 0 ;; esac
  done
  return 1
}

stopping=0
teardown() {
  stopping=1
  trap '' TERM INT HUP USR1
  kill -TERM -1 2>/dev/null || true
  for _ in $(seq 1 30); do
    others_alive || break
    sleep 0.1
  done
  kill -KILL -1 2>/dev/null || true
  exit 0
}
poweroff_guest() {
  echo poweroff >&5
  teardown
}
trap teardown TERM INT HUP
trap poweroff_guest USR1
trap - ERR

/usr/sbin/sshd -D -e -f /etc/guest-sandbox/sshd_config 2>>/var/log/guest-sandbox/sshd.log </dev/null 5>&- 6>&- 7<&- 8>&- &
SSHD_PID=$!
# Lifeline: EOF means the launcher closed it (SIGTERM) or died.
( trap - TERM INT HUP USR1; cat <&7 >/dev/null 2>&1; kill -TERM 1 ) </dev/null >/dev/null 2>&1 5>&- 6>&- 8>&- &
exec 7<&-
echo booted >&5

while [ "$stopping" = 0 ]; do
  if wait "$SSHD_PID"; then rc=0; else rc=$?; fi
  [ "$stopping" = 1 ] && break
  if ! kill -0 "$SSHD_PID" 2>/dev/null; then
    fail "sshd exited ($rc): $(grep -v '^$' /var/log/guest-sandbox/sshd.log | tail -n 1)"
  fi
done
