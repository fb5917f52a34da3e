#!/usr/bin/env bash
# Run commands as a new user would: in a fresh Debian bookworm root (debootstrap minbase with python3,
# python3-venv, python3-dev, python3-pip, g++, make, git and ca-certificates: no `python` alias, no CMake,
# no simulators), on a clean clone of one commit of this repository.
#
# Usage: scripts/fresh-root.sh [--commit REV] [--log-dir DIR] [--keep] [--] CMD...
#   CMD...      shell commands run one after the other in /root/project (default: "make demo" "make test")
#   --commit    the commit to clone (default: HEAD; commit first, the working tree is not used)
#   --log-dir   where each command's log goes (default: /tmp/da4ml-ci-logs)
#   --keep      keep the run's root (its path is printed) instead of deleting it
# Exit status: 0 every command passed, 1 one failed, 3 the root cannot be made here (not root, no
# debootstrap, the Debian registry unreachable, no mount namespaces): the caller may fall back.
#
# The pristine root is made once (from $DA4ML_CI_MIRROR, default: the host's Debian mirror) and kept under
# $DA4ML_CI_CACHE (default /var/cache/da4ml-ci); each run gets a copy of it (copy-on-write: an overlay mount
# over it, or a plain copy where overlays fail). pip's download cache and ccache live there too and are
# shared by runs. The root reaches the
# package registries the way this host does: its resolver, apt sources (when the host is bookworm), pip
# configuration, PIP_* and proxy variables and CA certificates are copied in; nothing else of the host is.
# Every process and mount of a run lives in its own PID and mount namespace, so they all end with it, on
# every exit path.
set -euo pipefail

SUITE=bookworm
PACKAGES=python3,python3-venv,python3-dev,python3-pip,g++,make,git,ca-certificates
CACHE=${DA4ML_CI_CACHE:-/var/cache/da4ml-ci}
CMD_TIMEOUT=${DA4ML_CI_TIMEOUT:-2700} # seconds per command
REV=HEAD LOGDIR=/tmp/da4ml-ci-logs KEEP=0

while [ $# -gt 0 ]; do
  case "$1" in
    --commit) REV=${2:?--commit needs a revision}; shift 2 ;;
    --log-dir) LOGDIR=${2:?--log-dir needs a directory}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --) shift; break ;;
    -*) echo "fresh-root: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || set -- "make demo" "make test"

say() { echo "fresh-root: $*"; }
cannot() { # the root cannot be made here: exit 3, loudly
  echo "fresh-root: CANNOT MAKE A FRESH DEBIAN ROOT: $*" >&2
  exit 3
}

SRC=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) || { echo "fresh-root: not inside a git checkout" >&2; exit 2; }
SHA=$(git -C "$SRC" rev-parse --verify "$REV^{commit}") || { echo "fresh-root: no commit $REV in $SRC" >&2; exit 2; }

[ "$(id -u)" = 0 ] || cannot "needs root (debootstrap, chroot, mount namespaces); run as root"
for tool in unshare chroot flock mount; do
  command -v "$tool" >/dev/null || cannot "$tool is missing"
done
unshare --mount --pid --fork true 2>/dev/null || cannot "no mount/PID namespaces here (unshare --mount --pid failed)"

# --- every exit path: processes ended, mounts gone, this run's files deleted -------------------------------
child="" tailer="" LAYOUT="" RUN="" BOOT=""
cleanup() {
  # unshare --fork ignores SIGTERM; SIGKILL ends it, its child then gets --kill-child's SIGKILL, and with
  # that PID 1 of the namespace gone the kernel ends every process in it and drops its mounts
  if [ -n "$child" ]; then kill -KILL "$child" 2>/dev/null || true; fi
  if [ -n "$tailer" ]; then kill "$tailer" 2>/dev/null || true; fi
  for p in $child $tailer; do wait "$p" 2>/dev/null || true; done
  if [ -n "$BOOT" ]; then rm -rf --one-file-system "$BOOT"; fi # a pristine root left half made
  if [ -z "$RUN" ]; then
    :
  elif grep -qs " $RUN" /proc/self/mounts; then # never delete through a mount
    echo "fresh-root: mounts under $RUN remain; not deleting it:" >&2
    grep " $RUN" /proc/self/mounts >&2
  elif [ "$KEEP" = 1 ]; then
    say "kept the run's files: $RUN ($([ "$LAYOUT" = overlay ] && echo "overlay of $BASE with upper/" || echo "root/"))"
  else
    rm -rf --one-file-system "$RUN"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the pristine root, made once (under a lock: concurrent runs wait for the first) ----------------------
key=$(printf '%s %s v1' "$SUITE" "$PACKAGES" | sha256sum | cut -c1-12)
BASE="$CACHE/root-$SUITE-$key"
mkdir -p "$CACHE" "$LOGDIR"
exec 9>"$CACHE/lock"
flock 9
if [ ! -f "$BASE/.complete" ]; then
  t0=$(date +%s)
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap (apt-get)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } \
      >"$LOGDIR/debootstrap-install.log" 2>&1 || cannot "debootstrap is missing and cannot be installed (see $LOGDIR/debootstrap-install.log)"
  fi
  # the host's Debian mirror (first deb822 URIs line or one-line `deb` entry), else the public one
  mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | grep -v security | head -n 1 | awk '{print $2}' || true)
  [ -n "$mirror" ] || mirror=$(grep -hs '^deb ' /etc/apt/sources.list | grep -v security | head -n 1 | awk '{print $2}' || true)
  mirror=${DA4ML_CI_MIRROR:-${mirror:-http://deb.debian.org/debian}}
  say "making the pristine $SUITE root (debootstrap --variant=minbase from $mirror, a few minutes; log $LOGDIR/debootstrap.log)"
  BOOT="$BASE.tmp"
  rm -rf --one-file-system "$BOOT"
  # its own PID and mount namespaces: the mounts it makes in the new root, and all its processes, end with it
  unshare --mount --pid --fork --kill-child=SIGKILL \
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BOOT" "$mirror" >"$LOGDIR/debootstrap.log" 2>&1 &
  child=$!
  rc=0
  wait "$child" || rc=$?
  child=""
  [ "$rc" = 0 ] || cannot "debootstrap failed (Debian registry unreachable?): see $LOGDIR/debootstrap.log"
  rm -f "$BOOT/var/cache/apt/archives/"*.deb
  touch "$BOOT/.complete"
  rm -rf --one-file-system "$BASE"
  mv "$BOOT" "$BASE"
  BOOT=""
  say "pristine root ready in $(($(date +%s) - t0)) s: $BASE"
else
  say "pristine root (cached): $BASE"
fi
flock -u 9

# --- this run's root: a copy-on-write overlay of the pristine one (a plain copy where overlays fail) --------
RUN=$(mktemp -d /var/tmp/da4ml-ci-run.XXXXXX)
ROOT="$RUN/root"
mkdir -p "$ROOT" "$RUN/upper" "$RUN/work"
t0=$(date +%s)
export BASE RUN ROOT CACHE
# shellcheck disable=SC2016 # expanded by the namespaced shell
MOUNT_ROOT='if [ "$LAYOUT" = overlay ]; then
  mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$RUN/upper,workdir=$RUN/work" "$ROOT"; fi'
LAYOUT=overlay
if ! LAYOUT=overlay unshare --mount bash -c "$MOUNT_ROOT" 2>/dev/null; then
  LAYOUT=copy
  say "no overlay mounts here: copying the pristine root"
  cp -a --reflink=auto "$BASE/." "$ROOT/"
fi
export LAYOUT

# The host's resolver, apt sources (when it runs the same suite), pip configuration and CA certificates.
setup_root() {
  set -e
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  if grep -qs "VERSION_CODENAME=$1" /etc/os-release; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
      if [ -f "$f" ]; then cp "$f" "$ROOT$f"; fi
    done
    if [ -f "$ROOT/etc/apt/sources.list.d/debian.sources" ]; then rm -f "$ROOT/etc/apt/sources.list"; fi
  fi
  if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$ROOT/etc/pip.conf"; fi
  shift
  for f in /etc/ssl/certs/ca-certificates.crt "$@"; do # the bundles named by PIP_CERT, SSL_CERT_FILE, ...
    if [ -f "$f" ]; then mkdir -p "$ROOT$(dirname "$f")" && cp -L "$f" "$ROOT$f"; fi
  done
  git clone -q --no-hardlinks --no-checkout "$SRC" "$ROOT/root/project"
  git -C "$ROOT/root/project" checkout -q --detach "$SHA"
  mkdir -p "$ROOT/root/.cache/pip" "$ROOT/root/.cache/ccache"
}
export -f setup_root
export SRC SHA

passenv=() certs=()
for name in $(compgen -e); do
  case "$name" in
    PIP_FIND_LINKS) continue ;; # a local wheel directory of the host is exactly what a new user lacks
    PIP_* | [Hh][Tt][Tt][Pp]_PROXY | [Hh][Tt][Tt][Pp][Ss]_PROXY | [Nn][Oo]_PROXY | SSL_CERT_FILE | SSL_CERT_DIR | REQUESTS_CA_BUNDLE) ;;
    *) continue ;;
  esac
  value=${!name}
  case "$name" in PIP_CERT | SSL_CERT_FILE | REQUESTS_CA_BUNDLE) certs+=("$value") ;; esac
  passenv+=("$name=$value")
done
mkdir -p "$CACHE/pip" "$CACHE/ccache"
unshare --mount bash -c "set -e; $MOUNT_ROOT"'
setup_root "$@"' setup "$SUITE" ${certs[@]+"${certs[@]}"}
say "commit $(git -C "$SRC" log -1 --format='%h %s' "$SHA")"
say "root ready in $(($(date +%s) - t0)) s ($LAYOUT of the pristine root): $RUN"

# --- the commands, each in a new PID + mount namespace (its processes and mounts end with it) -------------
# The root keeps its own /dev (the device nodes debootstrap made, in the copy): nothing run in it can change
# the host's /dev; /sys is read-only; /dev/pts and /dev/shm are its own.
# shellcheck disable=SC2016 # expanded by the namespaced shell
inner="set -e
$MOUNT_ROOT"'
mount -t proc proc "$ROOT/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$ROOT/sys"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$ROOT/dev/shm"
mount --bind "$CACHE/pip" "$ROOT/root/.cache/pip"
mount --bind "$CACHE/ccache" "$ROOT/root/.cache/ccache"
exec chroot "$ROOT" "$@"'
rc_all=0 n=0
for c in "$@"; do
  n=$((n + 1))
  log="$LOGDIR/$n-$(printf '%s' "$c" | tr -cs 'A-Za-z0-9' '-' | cut -c1-40 | sed 's/-*$//').log"
  say "\$ $c   (log $log)"
  t0=$(date +%s)
  : >"$log"
  unshare --mount --pid --fork --kill-child=SIGKILL bash -c "$inner" inner \
    /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    CI=true ${passenv[@]+"${passenv[@]}"} timeout "$CMD_TIMEOUT" /bin/bash -lc "cd /root/project && $c" \
    >"$log" 2>&1 </dev/null &
  child=$!
  tail -n +1 -f --pid="$child" "$log" &
  tailer=$!
  rc=0
  wait "$child" || rc=$?
  wait "$tailer" || true
  child="" tailer=""
  say "'$c' exit $rc in $(($(date +%s) - t0)) s"
  [ "$rc" = 0 ] || rc_all=1
done
exit "$rc_all"
