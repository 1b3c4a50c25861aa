#!/usr/bin/env bash
# Installs what Brokerdesk needs to build (and, with --test, to test) on Debian/Ubuntu, skipping
# whatever is already there. Sourced by scripts/run.sh and scripts/test.sh; safe to run alone.
#
#   scripts/setup.sh          build prerequisites: WebKitGTK & co, wasm32 target, trunk,
#                             wasm-bindgen-cli (the version in Cargo.lock), tauri-cli
#   scripts/setup.sh --test   the above plus Xvfb, WebKitWebDriver, tauri-driver
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"          # 0.22 needs a newer rustc than the machines have
TOOLS_DIR="${BROKERDESK_TOOLS_DIR:-$HOME/.local/share/brokerdesk-tools}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install_missing() {
  if ! command -v apt-get >/dev/null 2>&1; then
    log "no apt-get here: make sure these are installed: $*"
    return 0
  fi
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "apt: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

need_cmd_version() { # $1 command, $2 expected version substring
  command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"
}

wasm_bindgen_version() {
  # The exact version the UI links; wasm-bindgen-cli must match it byte for byte.
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$REPO/Cargo.lock"
}

setup_build() {
  if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
      export PATH="$HOME/.cargo/bin:$PATH"
    else
      echo "Rust is not installed: see https://rustup.rs (rustup), then run this again." >&2
      exit 1
    fi
  fi
  export PATH="$HOME/.cargo/bin:$PATH"

  apt_install_missing build-essential pkg-config curl file libssl-dev \
    libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev

  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup: adding wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi

  if ! need_cmd_version trunk "$TRUNK_VERSION"; then
    log "cargo install trunk $TRUNK_VERSION (about 5 minutes, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked --quiet
  fi

  local wbv
  wbv="$(wasm_bindgen_version)"
  if [ -z "$wbv" ]; then
    echo "Cargo.lock names no wasm-bindgen version" >&2
    exit 1
  fi
  if ! need_cmd_version wasm-bindgen "$wbv"; then
    log "cargo install wasm-bindgen-cli $wbv (about 2 minutes, once)"
    # Not --locked: its lockfile pins a crate version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "=$wbv" --force --quiet
  fi

  # tauri-cli (bundling, icons) and binaryen's wasm-opt (release UI size; Debian's is too old
  # to read Rust 1.95 wasm) come from npm: seconds, where `cargo install tauri-cli` takes minutes.
  if [ ! -x "$TOOLS_DIR/node_modules/.bin/tauri" ] || [ ! -x "$TOOLS_DIR/node_modules/.bin/wasm-opt" ]; then
    command -v npm >/dev/null 2>&1 || apt_install_missing nodejs npm
    log "npm: installing @tauri-apps/cli@2 and binaryen into $TOOLS_DIR"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --silent @tauri-apps/cli@2 binaryen@132
  fi
  # axe-core, pinned: the end-to-end test injects its axe.min.js into every page (accessibility).
  if [ ! -f "$TOOLS_DIR/node_modules/axe-core/axe.min.js" ] \
    || ! grep -q '"version": "4.11.0"' "$TOOLS_DIR/node_modules/axe-core/package.json"; then
    command -v npm >/dev/null 2>&1 || apt_install_missing nodejs npm
    log "npm: installing axe-core@4.11.0 into $TOOLS_DIR"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --silent axe-core@4.11.0
  fi
  export PATH="$TOOLS_DIR/node_modules/.bin:$PATH"
}

setup_test() {
  setup_build
  [ "$(uname -s)" = Linux ] || return 0   # no Xvfb or WebKitWebDriver elsewhere (see README)
  apt_install_missing xvfb webkit2gtk-driver xauth
  # tauri-driver has no --version; ask cargo what it installed.
  # The official Alpaca SDK, for the sandbox's compatibility test.
  if ! python3 -c "import alpaca" >/dev/null 2>&1; then
    log "pip: installing alpaca-py"
    python3 -m pip install --quiet --disable-pip-version-check alpaca-py
  fi
  # The official MCP Python SDK, the client that drives `brokerdesk mcp` in crates/cli/tests/mcp.rs.
  if ! python3 -c "import mcp.client.stdio" >/dev/null 2>&1; then
    log "pip: installing mcp"
    python3 -m pip install --quiet --disable-pip-version-check "mcp>=2.3,<3"
  fi
  # The OAuth end-to-end test: oidc-provider (npm ci from its lockfile), Chromium, chromedriver.
  bash "$REPO/crates/oauth/tests/oidc/setup.sh"
  if ! command -v tauri-driver >/dev/null 2>&1 || ! cargo install --list | grep -q '^tauri-driver v2\.'; then
    log "cargo install tauri-driver 2"
    cargo install tauri-driver --version "^2" --locked --quiet
  fi
}

build_ui() { # $1: extra trunk flags (e.g. --release)
  log "trunk build $*"
  (cd "$REPO/ui" && trunk build --offline "$@")
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    --test) setup_test ;;
    "") setup_build ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
  log "ready"
fi
