#!/usr/bin/env bash
# Builds the release app and its installers with the Tauri bundler: on Linux the .deb and .rpm
# (and an AppImage with --appimage), on macOS the .app and .dmg, on Windows the .msi and the
# NSIS installer. Prints where each went and its size.
#
#   ./scripts/bundle.sh            release build (the UI with trunk --release, the app with LTO)
#   ./scripts/bundle.sh --debug    package the debug build instead (quick: what the tests install)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_build
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
cd "$REPO/src-tauri"

profile=release
case "$(uname -s)" in
  Linux) bundles=deb,rpm ;;
  Darwin) bundles=app,dmg ;;
  MINGW* | MSYS* | CYGWIN*) bundles=msi,nsis ;;
  *) echo "bundle.sh: no installers for $(uname -s)" >&2; exit 2 ;;
esac
for arg in "$@"; do
  case "$arg" in
    --debug) profile=debug ;;
    --appimage) bundles="$bundles,appimage" ;;
    *) echo "usage: $0 [--debug] [--appimage]" >&2; exit 2 ;;
  esac
done

if [ "$profile" = debug ]; then
  # The debug app as the tests build it (cargo build; the UI from build_ui), packaged as is.
  build_ui
  cargo build -p brokerdesk-desktop --locked
  tauri bundle --debug --bundles "$bundles"
else
  # tauri.conf.json's beforeBuildCommand builds the UI with trunk --release first.
  tauri build --bundles "$bundles"
fi

log "installers ($profile):"
find "$CARGO_TARGET_DIR/$profile/bundle" -maxdepth 2 -type f \
  \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' -o -name '*.dmg' -o -name '*.msi' -o -name '*-setup.exe' \) \
  -exec ls -lh {} \; | awk '{print "  " $5 "  " $9}'
