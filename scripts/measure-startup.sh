#!/usr/bin/env bash
# Measures the release app against a hello-world Tauri + Yew app built the same way
# (benches/startup/hello), side by side under Xvfb: cold start to first paint of the Accounts
# page and idle memory (app + WebKit processes, PSS), plus the release binary and wasm sizes.
# Linux only (Xvfb, tauri-driver, /proc). Takes two release builds: long on a small machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_test
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
cd "$REPO"

# Both built by the Tauri CLI as a release is (`tauri build`, which also runs the UI's
# trunk --release), without the installers.
log "release build of Brokerdesk"
(cd src-tauri && tauri build --no-bundle)
app="$CARGO_TARGET_DIR/release/brokerdesk-desktop"
app_wasm=$(ls -S ui/dist/*.wasm | head -n 1)

log "release build of the hello-world app, same versions and profiles"
hello_dir="$REPO/benches/startup/hello"
(cd "$hello_dir/ui" && trunk build --release --offline)
(cd "$hello_dir/shell" && tauri build --no-bundle)
hello="$CARGO_TARGET_DIR/release/hello-shell"
hello_wasm=$(ls -S "$hello_dir"/ui/dist/*.wasm | head -n 1)

size() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }
printf 'release binary: brokerdesk %s bytes, hello %s bytes\n' "$(size "$app")" "$(size "$hello")"
printf 'wasm: brokerdesk %s bytes (%s gzip -9), hello %s bytes (%s gzip -9)\n' \
  "$(size "$app_wasm")" "$(gz "$app_wasm")" "$(size "$hello_wasm")" "$(gz "$hello_wasm")"

xvfb_pid=""
if [ -z "${DISPLAY:-}" ]; then
  display=99
  while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
  Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  trap '[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true' EXIT
  export DISPLAY=":$display"
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
fi
BROKERDESK_BENCH_APP="$app" BROKERDESK_BENCH_HELLO="$hello" \
  cargo bench -p brokerdesk-e2e --bench startup --locked --profile dev   # the bench only waits on the apps
