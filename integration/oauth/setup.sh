#!/usr/bin/env bash
# Installs the pinned authorization server of the OAuth interop tests (npm
# oauth2-mock-server, package.json / package-lock.json) into integration/oauth/node_modules.
# It runs on the Node 22 that integration/conformance pins (npm package node@22), so this
# calls that folder's setup first rather than pinning a second copy of Node.
# Idempotent: does nothing when node_modules matches package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"

../conformance/setup.sh

stamp=node_modules/.installed-from-lock
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
    exit 0
fi
echo "setup.sh: installing the pinned oauth2-mock-server (npm ci)" >&2
# npm ci only unpacks here (no install scripts); Node 22 runs it, see above.
npm ci --no-audit --no-fund --loglevel=error >&2
cp package-lock.json "$stamp"
