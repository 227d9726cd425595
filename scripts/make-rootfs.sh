#!/usr/bin/env bash
# make-rootfs.sh DIR — build a minimal busybox rootfs at DIR from Debian's busybox-static.
#
#   DIR/bin/busybox + one symlink per applet (-> /bin/busybox, absolute inside the tree)
#   DIR/{dev,proc,sys,tmp,etc,root,run,var/tmp}
#   DIR/etc/{passwd,group,hostname}   (root and nobody)
#
# Idempotent: a stamp (layout version + sha256 of /bin/busybox) in DIR/.make-rootfs.stamp
# makes a second run a no-op. Installs busybox-static with apt-get when it is missing
# (needs root, like the build itself: the applet links are made with chroot).
# Prints exactly one line on success; on failure, the error on stderr and a non-zero exit.
set -euo pipefail

LAYOUT=1                       # bump when the tree layout below changes
BB=/bin/busybox
STAMP_NAME=.make-rootfs.stamp

die() { echo "make-rootfs: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 DIR"
dir=$1
[ -n "$dir" ] || die "DIR is empty"
case "$(realpath -m -- "$dir")" in
  /) die "refusing to build a rootfs at /" ;;
esac

# --- busybox-static ---------------------------------------------------------------------
busybox_static_installed() {
  if command -v dpkg-query >/dev/null 2>&1; then
    [ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null || true)" = "install ok installed" ]
  else
    [ -x "$BB" ]
  fi
}
if ! busybox_static_installed; then
  command -v apt-get >/dev/null 2>&1 || die "$BB missing and no apt-get: install busybox-static"
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q busybox-static >"$log" 2>&1; then
    apt-get update -q >>"$log" 2>&1 && apt-get install -y -q busybox-static >>"$log" 2>&1 \
      || { cat "$log" >&2; die "apt-get install busybox-static failed"; }
  fi
fi
[ -x "$BB" ] || die "$BB not found after installing busybox-static"

# --- up to date? ------------------------------------------------------------------------
sum=$(sha256sum "$BB")
stamp="layout=$LAYOUT busybox-sha256=${sum%% *}"
if [ -f "$dir/$STAMP_NAME" ] && [ "$(<"$dir/$STAMP_NAME")" = "$stamp" ] \
   && [ -x "$dir/bin/busybox" ] && [ -L "$dir/bin/sh" ]; then
  echo "rootfs up to date: $dir"
  exit 0
fi

# --- build ------------------------------------------------------------------------------
rm -f "$dir/$STAMP_NAME"       # an interrupted build is redone next time
mkdir -p "$dir"/{bin,dev,proc,sys,tmp,etc,root,run,var/tmp}
chmod 0755 "$dir" "$dir"/{bin,dev,proc,sys,etc,run,var}
chmod 1777 "$dir/tmp" "$dir/var/tmp"
chmod 0700 "$dir/root"

# Replace the binary atomically (a running container may be executing the old one), then
# drop the applet links of the previous busybox and let the new one install its own.
cp -- "$BB" "$dir/bin/.busybox.new"
chmod 0755 "$dir/bin/.busybox.new"
mv -f -- "$dir/bin/.busybox.new" "$dir/bin/busybox"
find "$dir/bin" -maxdepth 1 -type l -lname '*busybox' -delete

# Inside the chroot /proc/self/exe is unreadable, so busybox uses argv[0] (/bin/busybox) as
# the link target. Without chroot (not root), fall back to relative links made one by one.
if ! chroot "$dir" /bin/busybox --install -s /bin 2>/dev/null; then
  "$dir/bin/busybox" --list | while IFS= read -r applet; do
    [ "$applet" = busybox ] || ln -sfn busybox "$dir/bin/$applet"
  done
fi
[ -L "$dir/bin/sh" ] || die "applet links were not created in $dir/bin"

printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$dir/etc/passwd"
printf '%s\n' 'root:x:0:' 'nobody:x:65534:' >"$dir/etc/group"
printf '%s\n' 'tsrunc' >"$dir/etc/hostname"
chmod 0644 "$dir"/etc/{passwd,group,hostname}

printf '%s\n' "$stamp" >"$dir/$STAMP_NAME"
version=$("$dir/bin/busybox" 2>/dev/null | head -n 1 | cut -d' ' -f2 || true)
echo "rootfs built: $dir (busybox ${version:-?}, $(find "$dir/bin" -maxdepth 1 -type l | wc -l) applets)"
