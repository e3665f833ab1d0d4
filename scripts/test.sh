#!/usr/bin/env bash
# The project's test command (README: `sudo scripts/test.sh`; CI runs it from .ci/run).
#
# Installs what it needs (scripts/install-deps.sh), then runs the test groups in order and
# keeps going after a failure so that one run shows everything:
#   fmt          cargo fmt --all --check
#   clippy       cargo clippy --workspace --all-targets -- -D warnings
#   build        cargo build --workspace (gives target/debug/tug)
#   test         cargo test --workspace
#   conformance  the Compose-file corpus: $TUG_CONFORMANCE_DIR/run.sh target/debug/tug
#                (default dir: ../shared/conformance/compose beside the repository); passes
#                when at least $TUG_CONFORMANCE_MIN (default 306, all of them) cases pass
# The last line is `tests: N passed, N failed`, counting test groups. Exit status 0 only when
# every group passed. Arguments, if any, name the groups to run: `scripts/test.sh clippy test`.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tug_setup_path

if [ "${TUG_SKIP_INSTALL:-0}" != 1 ]; then
  "$TUG_REPO/scripts/install-deps.sh"
fi
cd "$TUG_REPO"

TARGET_DIR=${CARGO_TARGET_DIR:-$TUG_REPO/target}
TUG_BIN=$TARGET_DIR/debug/tug
CONFORMANCE_DIR=${TUG_CONFORMANCE_DIR:-$TUG_REPO/../shared/conformance/compose}
CONFORMANCE_MIN=${TUG_CONFORMANCE_MIN:-306}

passed=()
failed=()

# run_group NAME CMD... : runs one group, records its outcome, never stops the script.
run_group() {
  local name=$1 start rc
  shift
  tug_log "$name: $*"
  start=$SECONDS
  set +e
  "$@"
  rc=$?
  set -e
  if [ $rc -eq 0 ]; then
    passed+=("$name")
    tug_log "$name: ok ($((SECONDS - start))s)"
  else
    failed+=("$name")
    tug_log "$name: FAILED (exit $rc, $((SECONDS - start))s)"
  fi
}

conformance() {
  local runner=$CONFORMANCE_DIR/run.sh log last p n
  if [ ! -x "$runner" ] && [ ! -f "$runner" ]; then
    echo "conformance corpus not found at $CONFORMANCE_DIR (set TUG_CONFORMANCE_DIR)" >&2
    return 1
  fi
  log=$(mktemp)
  # run.sh exits non-zero unless every case passes; the threshold below decides instead.
  bash "$runner" "$TUG_BIN" | tee "$log" || true
  last=$(tail -n 1 "$log")
  rm -f "$log"
  if [[ "$last" =~ ^conformance:\ ([0-9]+)/([0-9]+)\ passed$ ]]; then
    p=${BASH_REMATCH[1]}
    n=${BASH_REMATCH[2]}
  else
    echo "conformance: could not read the runner's summary line: '$last'" >&2
    return 1
  fi
  if [ "$n" -eq 0 ] || [ "$p" -lt "$CONFORMANCE_MIN" ]; then
    echo "conformance: $p/$n passed, below the required $CONFORMANCE_MIN" >&2
    return 1
  fi
  echo "conformance: $p/$n passed (required: $CONFORMANCE_MIN)"
}

# Optional arguments pick groups (e.g. `scripts/test.sh conformance`); the corpus needs a build.
SELECTED=${*:-fmt clippy build test conformance}
[[ " $SELECTED " == *" conformance "* ]] && [[ " $SELECTED " != *" build "* ]] && SELECTED="build $SELECTED"
want() { [[ " $SELECTED " == *" $1 "* ]]; }

want fmt && run_group fmt cargo fmt --all -- --check
want clippy && run_group clippy cargo clippy --workspace --all-targets --quiet -- -D warnings
want build && run_group build cargo build --workspace --quiet
want test && run_group test cargo test --workspace
if ! want conformance; then
  :
elif [[ " ${failed[*]:-} " == *" build "* ]]; then
  # A stale binary from an earlier build would make the corpus result meaningless.
  tug_log "conformance: FAILED (not run: the build failed)"
  failed+=(conformance)
else
  run_group conformance conformance
fi

echo
echo "test groups passed: ${passed[*]:-none}"
echo "test groups failed: ${failed[*]:-none}"
echo "tests: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
