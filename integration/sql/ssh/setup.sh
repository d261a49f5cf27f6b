#!/usr/bin/env bash
# Installs Debian's openssh-server (pinned) for sql-server's SSH tunnel test
# (tests/e2e/sql_ssh_tunnel.rs). Idempotent: does nothing when the pinned version is
# installed. The test starts its own private sshd on a loopback port with its own host
# key, authorized_keys and config in a temporary directory; this script never starts,
# enables or configures the system's sshd.
set -euo pipefail

version="${OPENSSH_SERVER_VERSION:-1:9.2p1-2+deb12u10}"

if [[ "$(dpkg-query -W -f='${Version}' openssh-server 2>/dev/null || true)" == "$version" ]]; then
    exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
    echo "ssh/setup.sh: installing openssh-server needs root (apt-get); the SSH tunnel test skips without it" >&2
    exit 1
fi
echo "ssh/setup.sh: installing openssh-server=$version" >&2
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d 101: the package must not start (or enable) the system sshd.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created_policy=1
fi
trap '[[ $created_policy == 1 ]] && rm -f "$policy"' EXIT
apt-get install -y --no-install-recommends "openssh-server=$version" >/dev/null || {
    apt-get update >/dev/null
    apt-get install -y --no-install-recommends "openssh-server=$version" >/dev/null
}
