#!/usr/bin/env bash
# Times `tug pull` against `skopeo copy docker://… dir:…` of the same multi-layer image from a
# local registry (Debian's docker-registry on a loopback port), and writes
# bench/results/pull.json and pull.md.
#
#   bench/pull/run.sh [--quick] [--mb N]        (also: bench/run.sh pull [--quick])
#
#   --quick  a ~40 MB image, 3 rounds x 3 runs per tool (default: ~256 MB uncompressed,
#            ~210 MB compressed in 8 layers, 3 rounds x 5 runs)
#   --mb N   uncompressed size of the generated image in MB
#
# Every run starts empty: tug pulls into a fresh --root, skopeo into a fresh directory, so
# both download and verify every layer. Rounds alternate which tool goes first and start with
# a warm-up run. Before timing, tug's pull is checked: it must store exactly the layers and
# config skopeo fetched. Reports numbers and the tug/skopeo ratio only, no pass/fail on
# timing; exits non-zero when the pull itself fails or differs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
tug_setup_path

MODE=full ROUNDS=3 RUNS=5 WARMUP=1 MB=256 LAYERS=8
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ROUNDS=3 RUNS=3 WARMUP=1 MB=48 LAYERS=4 ;;
    --mb) shift; MB=${1:?--mb needs a number} ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

BENCH=$TUG_REPO/bench
RESULTS=$BENCH/results
WORK=$RESULTS/tmp/pull
mkdir -p "$RESULTS" "$WORK"
rm -f "$WORK"/round*.json
NOTES=()

need() { # need TOOL APT-PACKAGE: installs the package when missing and running as root
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ]; then
    tug_log "apt-get install $2"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1; } || true
  fi
  command -v "$1" >/dev/null 2>&1
}
need docker-registry docker-registry || { echo "error: docker-registry is not installed (apt-get install docker-registry)" >&2; exit 1; }
need skopeo skopeo || { echo "error: skopeo is not installed (apt-get install skopeo)" >&2; exit 1; }

tug_log "cargo build --release -p cli"
(cd "$TUG_REPO" && cargo build --release -p cli --quiet)
TUG=${CARGO_TARGET_DIR:-$TUG_REPO/target}/release/tug

# --- the image: generated once per size, kept between runs -----------------------------------
LAYOUT=$WORK/layout-${MB}mb-${LAYERS}l
if [ ! -f "$LAYOUT/index.json" ]; then
  tug_log "generating a ${MB} MB (uncompressed) ${LAYERS}-layer image in $LAYOUT"
  rm -rf "$LAYOUT"
  python3 "$BENCH/pull/gen_image.py" "$LAYOUT" --tag bench --mb "$MB" --layers "$LAYERS" >"$WORK/gen.out"
fi
IMAGE_BYTES=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"].split(":")[1]; d=json.load(open(sys.argv[1]+"/blobs/sha256/"+m)); print(sum(l["size"] for l in d["layers"]))' "$LAYOUT")

# --- a registry on a free loopback port, killed on exit -----------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
REG_DIR=$WORK/registry
rm -rf "$REG_DIR"
mkdir -p "$REG_DIR/storage"
cat >"$REG_DIR/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REG_DIR/storage
http:
  addr: 127.0.0.1:$PORT
EOF
docker-registry serve "$REG_DIR/config.yml" >"$REG_DIR/log" 2>&1 &
REG_PID=$!
cleanup() {
  kill "$REG_PID" 2>/dev/null || true
  wait "$REG_PID" 2>/dev/null || true
  rm -rf "$WORK/tug-root" "$WORK/skopeo-dir" "$REG_DIR"
}
trap cleanup EXIT
for _ in $(seq 100); do
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "http://127.0.0.1:$PORT/v2/" >/dev/null 2>&1 && break
  kill -0 "$REG_PID" 2>/dev/null || { echo "error: docker-registry exited:" >&2; cat "$REG_DIR/log" >&2; exit 1; }
  sleep 0.1
done
REF=127.0.0.1:$PORT/bench/pull:bench
tug_log "pushing the image to $REF with skopeo"
skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:bench" "docker://$REF"

# --- correctness first: tug stores what skopeo fetches ------------------------------------------
TUG_ROOT_DIR=$WORK/tug-root
SKOPEO_DIR=$WORK/skopeo-dir
TUG_CMD="$TUG --root $TUG_ROOT_DIR pull -q $REF"
SKOPEO_CMD="skopeo copy -q --src-tls-verify=false docker://$REF dir:$SKOPEO_DIR"
rm -rf "$TUG_ROOT_DIR" "$SKOPEO_DIR"
if ! $TUG_CMD >"$WORK/tug.out" 2>"$WORK/tug.err"; then
  echo "error: tug pull failed:" >&2
  sed 's/^/  /' "$WORK/tug.err" >&2
  exit 1
fi
$SKOPEO_CMD
SAME_BLOBS=true
for f in "$SKOPEO_DIR"/*; do
  name=$(basename "$f")
  case "$name" in manifest.json | version) continue ;; esac
  if ! cmp -s "$f" "$TUG_ROOT_DIR/image/blobs/sha256/$name"; then
    SAME_BLOBS=false
    echo "error: tug's store lacks or differs on blob $name" >&2
  fi
done
[ "$SAME_BLOBS" = true ] || exit 1

# --- timing -------------------------------------------------------------------------------------
if ! command -v hyperfine >/dev/null 2>&1; then
  need hyperfine hyperfine || true
fi
HYPERFINE_VERSION=""
ROUND_FILES=()
if ! command -v hyperfine >/dev/null 2>&1; then
  echo "skipped: hyperfine not installed and could not be installed; no timings" >&2
  NOTES+=("hyperfine not installed: no timings")
else
  HYPERFINE_VERSION=$(hyperfine --version | awk '{print $2}')
  for ((r = 1; r <= ROUNDS; r++)); do
    tug_args=(--prepare "rm -rf $TUG_ROOT_DIR" -n tug "$TUG_CMD")
    skopeo_args=(--prepare "rm -rf $SKOPEO_DIR" -n skopeo "$SKOPEO_CMD")
    if [ $((r % 2)) -eq 1 ]; then cmds=("${tug_args[@]}" "${skopeo_args[@]}"); else cmds=("${skopeo_args[@]}" "${tug_args[@]}"); fi
    tug_log "round $r/$ROUNDS: ${WARMUP} warm-up + ${RUNS} runs per tool"
    hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
      --export-json "$WORK/round$r.json" "${cmds[@]}" >&2
    ROUND_FILES+=("$WORK/round$r.json")
  done
fi

export B_MODE=$MODE B_SETTINGS="$ROUNDS rounds x $RUNS runs, $WARMUP warm-up run per round, order alternating, fresh destination each run"
export B_COMMAND="tug --root DIR pull -q $REF" B_REF_COMMAND="skopeo copy -q --src-tls-verify=false docker://$REF dir:DIR"
export B_HYPERFINE=$HYPERFINE_VERSION B_SKOPEO=$(skopeo --version | awk '{print $3}')
export B_MB=$MB B_LAYERS=$LAYERS B_BYTES=$IMAGE_BYTES
B_TUG_VERSION="$("$TUG" --version 2>/dev/null || echo tug) ($(git -C "$TUG_REPO" rev-parse --short HEAD 2>/dev/null || echo uncommitted))"
B_NOTES=$(printf '%s\n' "${NOTES[@]+"${NOTES[@]}"}")
export B_TUG_VERSION B_NOTES
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
    "reference_command": e["B_REF_COMMAND"],
    "tug_version": e["B_TUG_VERSION"],
    "reference_version": e.get("B_SKOPEO") or None,
    "hyperfine_version": e.get("B_HYPERFINE") or None,
    "input": {"layers": int(e["B_LAYERS"]), "uncompressed_mb": int(e["B_MB"]), "compressed_bytes": int(e["B_BYTES"])},
    "details": {
        "image": "%d layers, %.1f MB compressed (gzip), generated by bench/pull/gen_image.py" % (int(e["B_LAYERS"]), int(e["B_BYTES"]) / 1e6),
        "reference command": "`%s`" % e["B_REF_COMMAND"],
        "same blobs stored": "yes (every layer and the config, byte for byte)",
    },
    "same_output": None,
    "notes": [n for n in e.get("B_NOTES", "").splitlines() if n],
}))
PY
python3 "$BENCH/report.py" --meta "$WORK/meta.json" --json "$RESULTS/pull.json" --md "$RESULTS/pull.md" \
  --reference skopeo --title "Benchmark: pull of a ${LAYERS}-layer image from a local registry" \
  ${ROUND_FILES[@]+"${ROUND_FILES[@]}"}
tug_log "wrote $RESULTS/pull.json and $RESULTS/pull.md"
