#!/usr/bin/env bash
# Installs the pinned npm tools of package.json (the official MCP conformance suite,
# the MCP Inspector, and Node 22 as the npm package node@22, since both need Node 22
# and a machine may have an older one) into integration/conformance/node_modules.
# Needs npm: installs Debian's nodejs and npm when it is missing. Idempotent: does
# nothing when node_modules matches package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v npm >/dev/null; then
    echo "setup.sh: npm not found; installing Debian's nodejs and npm" >&2
    (apt-get update -qq && apt-get install -y -qq nodejs npm) >&2
fi

stamp=node_modules/.installed-from-lock
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp" && [ -x node_modules/.bin/node ]; then
    exit 0
fi
echo "setup.sh: installing the pinned conformance suite, Inspector and Node 22 (npm ci)" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
node_modules/.bin/node --version >/dev/null
cp package-lock.json "$stamp"
