#!/usr/bin/env bash
# Builds a minimal container rootfs in DIR from Debian's statically linked busybox, for the
# runtime tests and benchmarks: no image pull, no network, a few hundred kilobytes.
#   usage: scripts/busybox-rootfs.sh DIR
# DIR is created if missing; existing files in it are overwritten. Installs busybox-static
# with apt-get when it is missing (needs root then).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$1

# Only the static build runs in an empty rootfs; Debian's `busybox` package is dynamic.
installed() { dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; }
if ! installed; then
  echo "==> apt-get install busybox-static" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends busybox-static >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends busybox-static >/dev/null; }
fi
bb=/bin/busybox
[ -x "$bb" ] || bb=/usr/bin/busybox
[ -x "$bb" ] || { echo "error: no busybox binary found after installing busybox-static" >&2; exit 1; }

mkdir -p "$dir"/{bin,etc,root,proc,sys,dev,tmp}
chmod 1777 "$dir/tmp"
chmod 0700 "$dir/root"
cp -f "$bb" "$dir/bin/busybox"
chmod 0755 "$dir/bin/busybox"
for applet in $("$bb" --list); do
  [ "$applet" = busybox ] && continue
  ln -sf busybox "$dir/bin/$applet"
done

cat >"$dir/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$dir/etc/group" <<'GROUP'
root:x:0:
app:x:1000:
audio:x:29:app
video:x:44:app
nogroup:x:65534:
GROUP
