#!/usr/bin/env bash
# Installs what the scale-out tests need beyond the machine's Redis: Debian's
# HAProxy, pinned to the 2.6 series Debian 12 ships (configs/haproxy.cfg uses its
# syntax). Idempotent: does nothing when a 2.6 haproxy is on the PATH. Without
# apt-get (or without root) it says so, and the tests that need HAProxy say they
# were skipped.
set -euo pipefail

# The version is read whole into a variable, never piped into `grep -q` or `head`:
# those exit at the first match, haproxy then dies of SIGPIPE, and under
# pipefail the pipeline fails (exit 141) at random.
haproxy_version() { haproxy -v 2>/dev/null || true; }

if command -v haproxy >/dev/null && [[ "$(haproxy_version)" == *"version 2.6."* ]]; then
    exit 0
fi
if ! command -v apt-get >/dev/null || [ "$(id -u)" != 0 ]; then
    echo "integration/scale/setup.sh: cannot install haproxy here (needs apt-get as root); the scale-out tests will be skipped" >&2
    exit 0
fi
echo "integration/scale/setup.sh: installing Debian's haproxy 2.6" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends 'haproxy=2.6.*') >&2
# The package starts a system haproxy with its own config on no port we use; the
# tests run their own instances, so stop it.
(command -v systemctl >/dev/null && systemctl disable --now haproxy) >/dev/null 2>&1 || true
(command -v service >/dev/null && service haproxy stop) >/dev/null 2>&1 || true
installed="$(haproxy_version)"
echo "${installed%%$'\n'*}" >&2
[[ "$installed" == *"version 2.6."* ]] || { echo "integration/scale/setup.sh: apt installed no haproxy 2.6" >&2; exit 1; }
