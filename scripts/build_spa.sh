#!/usr/bin/env bash
# The SPA (frontend/): its npm packages, installed with `npm ci` from package-lock.json whenever the lock file
# changed, and its build (frontend/dist), redone whenever a source, the lock file or the specs changed.
# Usage: scripts/build_spa.sh [--packages-only]. Node 20 and npm come with the machine (or `apt-get install nodejs npm`).
set -euo pipefail
cd "$(dirname "$0")/../frontend"

if ! command -v npm >/dev/null; then
  echo "The SPA needs Node.js 20 and npm (not found). On Debian: apt-get install nodejs npm." >&2
  exit 1
fi

lock_digest=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.installed ] || [ "$(cat node_modules/.installed)" != "$lock_digest" ]; then
  echo "Installing the SPA's npm packages (npm ci) …"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_digest" > node_modules/.installed
fi
[ "${1:-}" = "--packages-only" ] && exit 0

sources_digest=$(find src index.html vite.config.ts vite.plugins.ts tsconfig.json package-lock.json -type f -print0 | sort -z \
  | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ -f dist/index.html ] && [ -f dist/.sources ] && [ "$(cat dist/.sources)" = "$sources_digest" ]; then
  exit 0
fi
echo "Building the SPA (frontend/dist) …"
npm run --silent build -- --logLevel warn
echo "$sources_digest" > dist/.sources
