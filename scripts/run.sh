#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and launch Brokerdesk on the local
# paper sandbox (no account, no keys). Extra arguments go to cargo (e.g. --release is default).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_build
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
build_ui --release
log "building and launching Brokerdesk (first build takes a few minutes)"
cd "$REPO"
exec cargo run --release -p brokerdesk-desktop --features custom-protocol
