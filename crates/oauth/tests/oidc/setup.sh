#!/usr/bin/env bash
# Installs what the oauth crate's end-to-end test needs: oidc-provider (npm ci, from the
# lockfile), and Debian's chromium + chromedriver when missing. Safe to run again.
# Then: BROKERDESK_REQUIRE_OAUTH_E2E=1 cargo test -p brokerdesk-oauth --test e2e_oidc
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "setup.sh: node and npm are needed (Node 20 or later)" >&2
    exit 1
fi
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver
fi
echo "setup.sh: node $(node --version), $(chromium --version 2>/dev/null), $(chromedriver --version | cut -d' ' -f1-2)"
