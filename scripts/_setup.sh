# Shared set-up for scripts/test and scripts/demo: creates or reuses the
# virtual environments and (re)builds motorx from this checkout.
#   .venv           motorx with its extras, built with `pip install .`
#   .venv-secantus  SecantusDB, the embedded MongoDB-wire test server (GPL,
#                   a dev tool only: it lives in its own environment and is
#                   never a dependency of motorx)
# Environment: PYTHON (interpreter for .venv, default python3), MONGODB_URI
# (use that server; the embedded one is then not installed), MOTORX_PYMONGO
# (a requirement such as pymongo==4.13.0, to test against the floor).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
SECANTUS_REQ="SecantusDB==0.7.0b3"
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '[motorx] %s\n' "$*" >&2; }

ensure_venv() {  # ensure_venv DIR
    if [ ! -x "$1/bin/python" ]; then
        log "creating $1 with $PYTHON"
        "$PYTHON" -m venv "$1"
        "$1/bin/python" -m pip install -q --upgrade pip
    fi
}

install_motorx() {  # install_motorx EXTRAS [VENV [PYMONGO-REQUIREMENT]]
    local venv="${2:-$ROOT/.venv}" pymongo_req="${3:-${MOTORX_PYMONGO:-}}"
    ensure_venv "$venv"
    log "building and installing motorx[$1] into $(basename "$venv")"
    # A real PEP 517 build: the extension is compiled from src/_txcore.pyx.
    if [ -n "$pymongo_req" ]; then
        log "with $pymongo_req"
        "$venv/bin/python" -m pip install -q "$ROOT[$1]" "$pymongo_req"
    else
        "$venv/bin/python" -m pip install -q --upgrade --upgrade-strategy only-if-needed "$ROOT[$1]" "pymongo>=4.13,<5"
    fi
}

install_secantus() {
    if [ -n "${MONGODB_URI:-}" ]; then
        return
    fi
    local venv="$ROOT/.venv-secantus"
    ensure_venv "$venv"
    # grep reads all of pip's output (grep -q would close the pipe early and
    # pip's exit status, under pipefail, would fail the check every time).
    if ! "$venv/bin/python" -m pip show SecantusDB 2>/dev/null | grep -x 'Version: 0.7.0b3' >/dev/null; then
        log "installing $SECANTUS_REQ into .venv-secantus (the embedded test server)"
        "$venv/bin/python" -m pip install -q "$SECANTUS_REQ"
    fi
    export MOTORX_SECANTUSD="$venv/bin/secantusd-py"
}
