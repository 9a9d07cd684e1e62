#!/usr/bin/env bash
# Installs the web UI tests' npm packages (playwright-core, axe-core) exactly as
# package-lock.json pins them, with `npm ci`; does nothing when node_modules was installed
# from this very lock file. The browser is Debian's chromium (deploy/install-deps.sh);
# Playwright never downloads one of its own.
set -euo pipefail
cd "$(dirname "$0")"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.aktenwerk-lock-sha256 2>/dev/null || true)" = "$want" ]; then
    exit 0
fi
npm ci --no-audit --no-fund
echo "$want" > node_modules/.aktenwerk-lock-sha256
