#!/usr/bin/env bash
# Creates $REPO/.venv (if missing) and installs integration/python/requirements.txt into it.
# Idempotent: a stamp file holding the requirements' hash skips pip when nothing changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${VENV:-$repo/.venv}"
req="$here/requirements.txt"
stamp="$venv/.integration-python.sha256"
python="${PYTHON:-python3}"

want="$( (cat "$req"; "$python" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
    echo "setup.sh: creating virtualenv at $venv" >&2
    "$python" -m venv "$venv" || {
        echo "setup.sh: '$python -m venv' failed; on Debian install python3-venv" >&2
        exit 1
    }
fi
echo "setup.sh: installing $(grep -cEv '^\s*(#|$)' "$req") pinned packages into $venv" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" >"$stamp"
