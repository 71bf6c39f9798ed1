#!/usr/bin/env bash
# Builds hostplane's QEMU test guest from Debian packages only: a Debian cloud kernel (vmlinuz, booted
# directly by QEMU) and an initramfs with busybox, dropbear (SSH), sudo, useradd/usermod (passwd),
# bash, the sftp-server, and getent (libc-bin) and install (coreutils) for provisioning scripts. The guest's /init (hack/qemu/guest/init) takes its hostname, SSH key, user
# and addresses from the kernel command line.
#
# Usage: hack/qemu/build-guest-image.sh [--force] [--print-dir]
#   Output dir: $HOSTPLANE_GUEST_IMAGE_DIR if set, else
#               ${HOSTPLANE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hostplane}/guest-image/<version-hash>/
#   The version hash covers this script, the guest/ files and the kernel package name. A complete
#   output dir is reused as is (idempotent); --force rebuilds it.
#   On success stdout has KEY=value lines: GUEST_IMAGE_DIR, KERNEL, INITRD, KERNEL_VERSION, CACHED.
#   Downloaded .debs are kept in <cache>/debs/ and reused.
# Needs: apt-get (with Debian bookworm sources), dpkg, readelf (binutils), gzip; root only for apt-get
# install of missing host tools. Everything goes to stderr except the KEY=value lines.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FORCE=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done

log() { echo "[build-guest-image] $*" >&2; }
die() { echo "[build-guest-image] error: $*" >&2; exit 1; }

for t in apt-get apt-cache dpkg readelf gzip sha256sum flock; do
  command -v "$t" >/dev/null || die "missing '$t' (apt-get install -y binutils dpkg apt util-linux gzip)"
done

CACHE_ROOT=${HOSTPLANE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hostplane}
mkdir -p "$CACHE_ROOT"

KERNEL_META=linux-image-cloud-amd64
KERNEL_PKG=$(apt-cache depends "$KERNEL_META" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$KERNEL_PKG" ]; then
  # No apt lists yet on a fresh machine.
  log "apt-get update (no package lists)"
  apt-get update -qq >&2 || die "apt-get update failed; the build needs Debian package sources"
  KERNEL_PKG=$(apt-cache depends "$KERNEL_META" | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
fi
[ -n "$KERNEL_PKG" ] || die "cannot resolve $KERNEL_META to a kernel package (is this Debian bookworm?)"
KVER=${KERNEL_PKG#linux-image-}

# Userland packages (binaries are taken from these; libraries are resolved from them by readelf).
# coreutils and libc-bin give `install` and `getent`, which busybox lacks and provisioning scripts use.
PKGS=(busybox-static dropbear-bin openssh-sftp-server sudo passwd bash coreutils libc-bin
  libc6 libcrypt1 zlib1g libtomcrypt1 libtommath1 libgmp10 libpam0g libpam-modules libaudit1 libcap-ng0
  libselinux1 libpcre2-8-0 libsemanage2 libsepol2 libbz2-1.0 libdb5.3 libtinfo6 libmd0 libacl1 libattr1)

HASH=$( { cat "$0"; find "$HERE/guest" -type f | sort | xargs cat; echo "$KERNEL_PKG ${PKGS[*]}"; } | sha256sum | cut -c1-16)
OUT=${HOSTPLANE_GUEST_IMAGE_DIR:-$CACHE_ROOT/guest-image/$HASH}

print_result() {
  echo "GUEST_IMAGE_DIR=$OUT"
  echo "KERNEL=$OUT/vmlinuz"
  echo "INITRD=$OUT/initrd.img"
  echo "KERNEL_VERSION=$KVER"
  echo "CACHED=$1"
}

complete() { [ -f "$OUT/manifest.env" ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.img" ]; }

if [ "$FORCE" = 0 ] && complete; then print_result 1; exit 0; fi

mkdir -p "$(dirname "$OUT")"
exec 9>"$CACHE_ROOT/.guest-image.lock"
flock -w 600 9 || die "timed out waiting for another build (lock $CACHE_ROOT/.guest-image.lock)"
if [ "$FORCE" = 0 ] && complete; then print_result 1; exit 0; fi

T0=$(date +%s.%N)
WORK=$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
DEBS="$CACHE_ROOT/debs"
mkdir -p "$DEBS"

# 1. Download (only what is not cached yet; apt-get download names files pkg_version_arch.deb).
missing=()
for p in "$KERNEL_PKG" "${PKGS[@]}"; do
  ls "$DEBS/${p}_"*.deb >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get download ${missing[*]}"
  (cd "$DEBS" && apt-get download "${missing[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) \
    || die "apt-get download failed for: ${missing[*]}"
fi

# 2. Extract every package into its own tree.
X="$WORK/x"
mkdir -p "$X"
for p in "$KERNEL_PKG" "${PKGS[@]}"; do
  deb=$(ls -t "$DEBS/${p}_"*.deb | head -1)
  mkdir -p "$X/$p"
  dpkg -x "$deb" "$X/$p"
done
KROOT="$X/$KERNEL_PKG"
BB="$X/busybox-static/bin/busybox"
[ -x "$BB" ] || die "busybox-static did not contain /bin/busybox"

# 3. Assemble the initramfs tree.
R="$WORK/root"
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,usr/lib/openssh,usr/libexec,lib/x86_64-linux-gnu,lib64,etc,root,home,proc,sys,dev,run,tmp,var/log,var/run,mnt}
chmod 700 "$R/root"
cp "$BB" "$R/bin/busybox"
cp "$X/dropbear-bin/usr/sbin/dropbear" "$R/usr/sbin/"
cp "$X/dropbear-bin/usr/bin/dropbearkey" "$X/dropbear-bin/usr/bin/dbclient" "$R/usr/bin/"
cp "$X/openssh-sftp-server/usr/lib/openssh/sftp-server" "$R/usr/lib/openssh/"
cp -a "$X/sudo/usr/bin/sudo" "$R/usr/bin/sudo"
cp -a "$X/sudo/usr/libexec/sudo" "$R/usr/libexec/"
for b in useradd usermod userdel groupadd groupdel groupmod chpasswd; do cp "$X/passwd/usr/sbin/$b" "$R/usr/sbin/"; done
cp "$X/passwd/usr/bin/passwd" "$R/usr/bin/"
cp "$X/bash/bin/bash" "$R/bin/bash"
cp "$X/coreutils/usr/bin/install" "$R/usr/bin/install"
cp "$X/libc-bin/usr/bin/getent" "$R/usr/bin/getent"
mkdir -p "$R/lib/x86_64-linux-gnu/security"
for m in pam_permit.so pam_deny.so pam_unix.so pam_env.so pam_limits.so; do
  f=$(find "$X/libpam-modules" -name "$m" | head -1)
  [ -n "$f" ] && cp "$f" "$R/lib/x86_64-linux-gnu/security/"
done
chown -R 0:0 "$R" 2>/dev/null || true
chmod 4755 "$R/usr/bin/sudo" # after chown: chown clears set-uid

# busybox applet links, never over a real binary.
while read -r rel; do
  [ -e "$R/$rel" ] || [ -L "$R/$rel" ] || { mkdir -p "$R/$(dirname "$rel")"; ln -s /bin/busybox "$R/$rel"; }
done < <("$BB" --list-full)
ln -sf bash "$R/bin/sh.bash" # keep /bin/sh = busybox ash (fast); bash is /bin/bash

# Shared libraries: NEEDED closure resolved inside the extracted packages (not the host).
LIBDIRS=()
for d in "$X"/*/lib/x86_64-linux-gnu "$X"/*/usr/lib/x86_64-linux-gnu "$X"/sudo/usr/libexec/sudo; do
  [ -d "$d" ] && LIBDIRS+=("$d")
done
find_lib() {
  for d in "${LIBDIRS[@]}"; do [ -e "$d/$1" ] && { echo "$d/$1"; return 0; }; done
  return 1
}
declare -A SEEN=()
queue=()
while IFS= read -r -d '' f; do
  readelf -h "$f" >/dev/null 2>&1 && queue+=("$f")
done < <(find "$R" -type f \( -perm -u+x -o -name '*.so*' \) ! -name busybox -print0)
while [ ${#queue[@]} -gt 0 ]; do
  f=${queue[0]}; queue=("${queue[@]:1}")
  for lib in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [ -n "${SEEN[$lib]:-}" ] && continue
    SEEN[$lib]=1
    src=$(find_lib "$lib") || die "library $lib (needed by ${f#"$R"}) not found in the downloaded packages; add its package to PKGS"
    cp -L "$src" "$R/lib/x86_64-linux-gnu/$lib"
    queue+=("$R/lib/x86_64-linux-gnu/$lib")
  done
done
cp -L "$X/libc6/lib64/ld-linux-x86-64.so.2" "$R/lib64/ld-linux-x86-64.so.2"
ln -sf /lib64/ld-linux-x86-64.so.2 "$R/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"

# Kernel modules: dependency closure of what /init loads, from a busybox-generated modules.dep.
MODDIR="lib/modules/$KVER"
"$BB" depmod -b "$KROOT" "$KVER"
WANT="virtio_pci virtio_net virtio_rng virtio_blk virtio_console button evdev virtiofs qemu_fw_cfg"
declare -A MSEEN=()
add_mod() { # $1 = module name (dash or underscore)
  local n=${1//-/_} line path deps d
  line=$(awk -v n="$n" -F: '{ b=$1; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b); gsub(/-/, "_", b); if (b == n) { print; exit } }' "$KROOT/$MODDIR/modules.dep")
  if [ -z "$line" ]; then
    grep -q "/${n}.ko" "$KROOT/$MODDIR/modules.builtin" 2>/dev/null && return 0
    die "kernel module $n not found in $KERNEL_PKG"
  fi
  path=${line%%:*}; deps=${line#*:}
  [ -n "${MSEEN[$path]:-}" ] && return 0
  MSEEN[$path]=1
  mkdir -p "$R/$MODDIR/$(dirname "$path")"
  cp "$KROOT/$MODDIR/$path" "$R/$MODDIR/$path"
  for d in $deps; do
    d=${d##*/}; d=${d%%.ko*}; add_mod "$d"
  done
}
for m in $WANT; do add_mod "$m"; done
cp "$KROOT/$MODDIR"/modules.builtin* "$KROOT/$MODDIR"/modules.order "$R/$MODDIR/" 2>/dev/null || true
"$BB" depmod -b "$R" "$KVER"

# Configuration.
cp "$HERE/guest/init" "$R/init"; chmod 755 "$R/init"
cat > "$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat > "$R/etc/group" <<'EOF'
root:x:0:
tty:x:5:
sudo:x:27:
users:x:100:
nogroup:x:65534:
EOF
cat > "$R/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF
cat > "$R/etc/gshadow" <<'EOF'
root:*::
tty:*::
sudo:*::
users:*::
nogroup:*::
EOF
chmod 640 "$R/etc/shadow" "$R/etc/gshadow"
printf '/bin/sh\n/bin/ash\n/bin/bash\n' > "$R/etc/shells"
cat > "$R/etc/login.defs" <<'EOF'
UID_MIN 1000
UID_MAX 60000
GID_MIN 1000
GID_MAX 60000
CREATE_HOME yes
USERGROUPS_ENAB yes
ENCRYPT_METHOD SHA512
EOF
mkdir -p "$R/etc/skel" "$R/etc/default"
printf 'SHELL=/bin/bash\n' > "$R/etc/default/useradd"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' > "$R/etc/nsswitch.conf"
printf 'nameserver 10.0.2.3\n' > "$R/etc/resolv.conf"
printf 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n' > "$R/etc/profile"
# sudo: passwordless for root and group sudo; PAM permits (keys are the only way in).
cat > "$R/etc/sudoers" <<'EOF'
Defaults env_reset
Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults !syslog
root ALL=(ALL:ALL) NOPASSWD: ALL
%sudo ALL=(ALL:ALL) NOPASSWD: ALL
@includedir /etc/sudoers.d
EOF
chmod 440 "$R/etc/sudoers"
mkdir -p "$R/etc/sudoers.d" "$R/etc/pam.d"
for s in sudo sudo-i other chpasswd passwd; do
  printf 'auth sufficient pam_permit.so\naccount sufficient pam_permit.so\npassword sufficient pam_permit.so\nsession sufficient pam_permit.so\n' > "$R/etc/pam.d/$s"
done
cat > "$R/etc/inittab" <<'EOF'
::respawn:/usr/sbin/dropbear -F -E -s -r /etc/dropbear/dropbear_ed25519_host_key -p 22
::respawn:/sbin/acpid -f -c /etc/acpi -a /etc/acpid.conf
::ctrlaltdel:/bin/sh -c 'sync; poweroff -f'
::shutdown:/bin/sync
EOF
# busybox acpid: power button event PWRF runs /etc/acpi/PWRF/00000080 (ACPI powerdown from QMP).
mkdir -p "$R/etc/acpi/PWRF"
printf 'PWRF PWRF/00000080\n' > "$R/etc/acpid.conf"
printf '#!/bin/sh\necho "init: power button, powering off" > /dev/console\nsync\npoweroff -f\n' > "$R/etc/acpi/PWRF/00000080"
chmod 755 "$R/etc/acpi/PWRF/00000080"
cat > "$R/etc/udhcpc.script" <<'EOF'
#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    echo "init: $interface $ip/${mask:-24} (dhcp)" > /dev/console
    ;;
esac
exit 0
EOF
chmod 755 "$R/etc/udhcpc.script"
# adduser-like convenience for provisioning scripts: adduser [--disabled-password] [--gecos X] NAME
cat > "$R/usr/sbin/adduser" <<'EOF'
#!/bin/sh
name=
while [ $# -gt 0 ]; do
  case "$1" in
    --gecos|--home|--shell|--uid|--ingroup) shift ;;
    --*) ;;
    *) name=$1 ;;
  esac
  shift
done
[ -n "$name" ] || { echo "usage: adduser [--disabled-password] NAME" >&2; exit 1; }
useradd -m -s /bin/bash "$name" && usermod -p '*' "$name"
EOF
chmod 755 "$R/usr/sbin/adduser"

# 4. Pack: newc cpio (busybox cpio; the host may not have GNU cpio), gzip.
STAGE="$WORK/out"
mkdir -p "$STAGE"
(cd "$R" && find . -mindepth 1 | LC_ALL=C sort | "$BB" cpio -o -H newc 2>/dev/null | gzip -6 > "$STAGE/initrd.img")
cp "$KROOT/boot/vmlinuz-$KVER" "$STAGE/vmlinuz"
T1=$(date +%s.%N)
{
  echo "KERNEL_VERSION=$KVER"
  echo "KERNEL_PACKAGE=$KERNEL_PKG"
  echo "PACKAGES=\"${PKGS[*]}\""
  echo "VERSION_HASH=$HASH"
  echo "BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "BUILD_SECONDS=$(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}')"
} > "$STAGE/manifest.env"

rm -rf "$OUT.old"
[ -e "$OUT" ] && mv "$OUT" "$OUT.old"
mv "$STAGE" "$OUT"
rm -rf "$OUT.old"
log "built $OUT ($(du -h "$OUT/initrd.img" | cut -f1) initrd) in $(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}') s"
print_result 0
