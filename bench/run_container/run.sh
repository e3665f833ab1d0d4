#!/usr/bin/env bash
# Times `tug container run --rm busybox true` against `runc run` of the same busybox rootfs (and
# `docker run --rm busybox true` when a docker daemon answers), measures the resident memory of
# a running container's monitor (`tug __monitor`), and writes bench/results/run.json and run.md.
#
#   bench/run_container/run.sh [--quick]        (also: bench/run.sh run [--quick])
#
#   --quick  3 rounds x 5 runs per tool, 2 warm-up runs per round (default: 5 x 20, 3 warm-up)
#
# Needs root (namespaces, mounts, cgroups). The image is the static busybox rootfs of
# scripts/busybox-rootfs.sh, imported into a private --root with `tug image import`; runc gets
# a `runc spec` bundle on the same rootfs running `true`. Rounds alternate the order of the
# tools and start with warm-up runs. Reports numbers and the tug/runc (and tug/docker) ratios
# only, no pass/fail on timing; exits non-zero when tug cannot run the container at all.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
tug_setup_path

MODE=full ROUNDS=5 RUNS=20 WARMUP=3
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ROUNDS=3 RUNS=5 WARMUP=2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || { echo "error: the run workload needs root (it creates containers)" >&2; exit 1; }

BENCH=$TUG_REPO/bench
RESULTS=$BENCH/results
WORK=$RESULTS/tmp/run
mkdir -p "$RESULTS" "$WORK"
rm -f "$WORK"/round*.json "$WORK"/memory.json
NOTES=()

need() { # need TOOL APT-PACKAGE: installs the package when missing and running as root
  command -v "$1" >/dev/null 2>&1 && return 0
  tug_log "apt-get install $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1; } || true
  command -v "$1" >/dev/null 2>&1
}

tug_log "cargo build --release -p cli"
(cd "$TUG_REPO" && cargo build --release -p cli --quiet)
TUG=${CARGO_TARGET_DIR:-$TUG_REPO/target}/release/tug

# --- the image: a busybox rootfs, imported into a private tug root --------------------------
ROOTFS=$WORK/rootfs
TUG_ROOT_DIR=$WORK/tug-root
RUNC_STATE=$WORK/runc-state
BUNDLE=$WORK/bundle
RUNC_ID=tug-bench-run
MON_ID=""
cleanup() {
  if [ -n "$MON_ID" ]; then
    "$TUG" --root "$TUG_ROOT_DIR" container rm -f "$MON_ID" >/dev/null 2>&1 || true
  fi
  if command -v runc >/dev/null 2>&1; then
    runc --root "$RUNC_STATE" delete -f "$RUNC_ID" >/dev/null 2>&1 || true
  fi
  # Containers left by an interrupted timing run, then the whole private root.
  if [ -d "$TUG_ROOT_DIR" ]; then
    for c in $("$TUG" --root "$TUG_ROOT_DIR" container ls -aq 2>/dev/null); do
      "$TUG" --root "$TUG_ROOT_DIR" container rm -f "$c" >/dev/null 2>&1 || true
    done
  fi
}
trap cleanup EXIT

tug_log "building the busybox rootfs in $ROOTFS"
rm -rf "$ROOTFS" "$TUG_ROOT_DIR"
"$TUG_REPO/scripts/busybox-rootfs.sh" "$ROOTFS" >/dev/null
tar -C "$ROOTFS" -cf "$WORK/busybox.tar" .
"$TUG" --root "$TUG_ROOT_DIR" image import "$WORK/busybox.tar" busybox >/dev/null 2>"$WORK/import.err" ||
  { echo "error: tug image import failed:" >&2; sed 's/^/  /' "$WORK/import.err" >&2; exit 1; }

TUG_ARGV=("$TUG" --root "$TUG_ROOT_DIR" container run --rm busybox true)
TUG_CMD="${TUG_ARGV[*]}"
# Correctness first: the container must run and exit 0, and --rm must leave nothing behind.
if ! "${TUG_ARGV[@]}" >"$WORK/tug.out" 2>"$WORK/tug.err"; then
  echo "error: tug container run failed:" >&2
  sed 's/^/  /' "$WORK/tug.err" >&2
  exit 1
fi
if [ -n "$("$TUG" --root "$TUG_ROOT_DIR" container ls -aq)" ]; then
  echo "error: tug container run --rm left a container behind" >&2
  exit 1
fi

# --- runc on the same rootfs ------------------------------------------------------------------
RUNC_CMD=""
RUNC_VERSION=""
if need runc runc; then
  RUNC_VERSION=$(runc --version | awk 'NR==1 {print $3}')
  rm -rf "$BUNDLE" "$RUNC_STATE"
  mkdir -p "$BUNDLE" "$RUNC_STATE"
  (cd "$BUNDLE" && runc spec)
  python3 - "$BUNDLE/config.json" "$ROOTFS" <<'PY'
import json, sys
path, rootfs = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    spec = json.load(f)
spec["root"] = {"path": rootfs, "readonly": True}
spec["process"]["args"] = ["true"]
spec["process"]["terminal"] = False
with open(path, "w", encoding="utf-8") as f:
    json.dump(spec, f, indent=2)
PY
  # `runc run` deletes the container when its process exits (no --keep), so the one id is free
  # again for the next run; the prepare step clears it should a run be interrupted.
  RUNC_CMD="runc --root $RUNC_STATE run --bundle $BUNDLE $RUNC_ID"
  if ! $RUNC_CMD >"$WORK/runc.out" 2>"$WORK/runc.err"; then
    echo "warning: runc run failed; timing tug without runc:" >&2
    sed 's/^/  /' "$WORK/runc.err" >&2
    NOTES+=("runc run failed on this machine: no runc comparison")
    RUNC_CMD=""
  fi
else
  echo "skipped: runc not installed and could not be installed (apt-get install runc)" >&2
  NOTES+=("runc not installed: no runc comparison")
fi

# --- docker, only when a daemon answers ---------------------------------------------------------
DOCKER_CMD=""
DOCKER_VERSION=""
if ! command -v docker >/dev/null 2>&1; then
  echo "skipped: docker is not installed; no docker comparison" >&2
  NOTES+=("docker not installed: no docker comparison")
elif ! timeout 10 docker info >/dev/null 2>&1; then
  echo "skipped: no docker daemon reachable (docker info failed); no docker comparison" >&2
  NOTES+=("no docker daemon reachable: no docker comparison")
elif ! timeout 120 docker image inspect busybox >/dev/null 2>&1 && ! timeout 120 docker import "$WORK/busybox.tar" busybox >/dev/null 2>&1; then
  echo "skipped: docker has no busybox image and importing one failed; no docker comparison" >&2
  NOTES+=("docker could not get a busybox image: no docker comparison")
else
  DOCKER_VERSION=$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)
  DOCKER_CMD="docker run --rm busybox true"
fi

# --- timing -------------------------------------------------------------------------------------
HYPERFINE_VERSION=""
ROUND_FILES=()
if ! need hyperfine hyperfine; then
  echo "skipped: hyperfine not installed and could not be installed; no timings" >&2
  NOTES+=("hyperfine not installed: no timings")
else
  HYPERFINE_VERSION=$(hyperfine --version | awk '{print $2}')
  for ((r = 1; r <= ROUNDS; r++)); do
    # One block per tool: its prepare step (untimed), its name, its command.
    blocks=("true|tug|$TUG_CMD")
    [ -n "$RUNC_CMD" ] && blocks+=("runc --root $RUNC_STATE delete -f $RUNC_ID|runc|$RUNC_CMD")
    [ -n "$DOCKER_CMD" ] && blocks+=("true|docker|$DOCKER_CMD")
    n=${#blocks[@]}
    cmds=()
    for ((i = 0; i < n; i++)); do
      IFS='|' read -r prep name cmd <<<"${blocks[$(((i + r - 1) % n))]}"
      cmds+=(--prepare "$prep" -n "$name" "$cmd")
    done
    tug_log "round $r/$ROUNDS: ${WARMUP} warm-up + ${RUNS} runs per tool"
    hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
      --export-json "$WORK/round$r.json" "${cmds[@]}" >&2
    ROUND_FILES+=("$WORK/round$r.json")
  done
fi
if [ -n "$("$TUG" --root "$TUG_ROOT_DIR" container ls -aq)" ]; then
  NOTES+=("containers were left behind by the timed runs of tug container run --rm")
fi

# --- the monitor's resident memory ----------------------------------------------------------------
tug_log "measuring the monitor's memory (tug container run -d busybox sleep 30)"
MON_ID=$("$TUG" --root "$TUG_ROOT_DIR" container run -d busybox sleep 30)
sleep 1
python3 "$BENCH/run_container/monitor_mem.py" "$TUG_ROOT_DIR" "$MON_ID" >"$WORK/memory.json" ||
  { NOTES+=("monitor memory not measured: no tug __monitor process found for the container"); rm -f "$WORK/memory.json"; }
"$TUG" --root "$TUG_ROOT_DIR" container stop -t 1 "$MON_ID" >/dev/null
"$TUG" --root "$TUG_ROOT_DIR" container rm "$MON_ID" >/dev/null
MON_ID=""

# --- report ---------------------------------------------------------------------------------------
export B_MODE=$MODE B_SETTINGS="$ROUNDS rounds x $RUNS runs, $WARMUP warm-up runs per round, order rotating"
export B_COMMAND="tug --root DIR container run --rm busybox true"
export B_RUNC_COMMAND="runc --root DIR run --bundle BUNDLE $RUNC_ID"
export B_RUNC=$RUNC_VERSION B_DOCKER=$DOCKER_VERSION B_HYPERFINE=$HYPERFINE_VERSION
B_TUG_VERSION="$("$TUG" --version 2>/dev/null || echo tug) ($(git -C "$TUG_REPO" rev-parse --short HEAD 2>/dev/null || echo uncommitted))"
B_NOTES=$(printf '%s\n' "${NOTES[@]+"${NOTES[@]}"}")
B_ROOTFS_BYTES=$(du -sb "$ROOTFS" | awk '{print $1}')
export B_TUG_VERSION B_NOTES B_ROOTFS_BYTES
python3 - >"$WORK/meta.json" <<'PY'
import json, os, platform, datetime
cpu = "?"
try:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
except OSError:
    pass
e = os.environ
print(json.dumps({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": "%s, %d cpus, %s %s" % (cpu, os.cpu_count() or 0, platform.system(), platform.release()),
    "mode": e["B_MODE"],
    "settings": e["B_SETTINGS"],
    "command": e["B_COMMAND"],
    "reference_command": e["B_RUNC_COMMAND"],
    "tug_version": e["B_TUG_VERSION"],
    "reference_version": e.get("B_RUNC") or None,
    "docker_version": e.get("B_DOCKER") or None,
    "hyperfine_version": e.get("B_HYPERFINE") or None,
    "input": {"image": "busybox (scripts/busybox-rootfs.sh)", "rootfs_bytes": int(e["B_ROOTFS_BYTES"])},
    "details": {
        "image": "static busybox rootfs from scripts/busybox-rootfs.sh (%.1f MB), `tug image import`ed" % (int(e["B_ROOTFS_BYTES"]) / 1e6),
        "runc command": "`%s` (bundle from `runc spec`: root.path = the same rootfs, read-only; args `true`; no terminal)" % e["B_RUNC_COMMAND"],
        "docker command": "`docker run --rm busybox true`" if e.get("B_DOCKER") else "not run (no docker daemon reachable)",
    },
    "same_output": None,
    "notes": [n for n in e.get("B_NOTES", "").splitlines() if n],
}))
PY
MEM_ARGS=()
[ -f "$WORK/memory.json" ] && MEM_ARGS=(--memory "$WORK/memory.json")
python3 "$BENCH/run_container/report.py" --meta "$WORK/meta.json" "${MEM_ARGS[@]+"${MEM_ARGS[@]}"}" \
  --json "$RESULTS/run.json" --md "$RESULTS/run.md" ${ROUND_FILES[@]+"${ROUND_FILES[@]}"}
tug_log "wrote $RESULTS/run.json and $RESULTS/run.md"
