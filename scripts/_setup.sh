# Shared set-up for scripts/test and scripts/bench: creates or reuses the
# virtual environments and builds motorx from this checkout.  Each venv is
# named once with its purpose; what is already in place is reused, and the
# log says so.
#   .venv           motorx with its extras, built with `pip install .`
#   .venv-secantus  SecantusDB, the embedded MongoDB-wire test server (GPL,
#                   a dev tool only: it lives in its own environment and is
#                   never a dependency of motorx)
# A venv's motorx is rebuilt only when what its build depends on changed
# (src/, pyproject.toml, setup.py, MANIFEST.in, MOTORX_CYTHON_TRACE): the
# key of the last build is in VENV/.motorx-build.
# Environment: PYTHON (interpreter for .venv, default python3), PYTHON_EAGER
# (a Python 3.12+ for the runs on a Python with eager tasks), MONGODB_URI
# (use that server; the embedded one is then not installed), MOTORX_PYMONGO
# (a requirement such as pymongo==4.13.0, to test against the floor).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
SECANTUS_REQ="SecantusDB==0.7.0b3"
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '[motorx] %s\n' "$*" >&2; }

python_version() {  # python_version INTERPRETER: "Python X.Y.Z"
    "$1" -c 'import platform; print("Python", platform.python_version())'
}

ensure_venv() {  # ensure_venv DIR [PURPOSE]: names the venv and its purpose, creates or reuses it
    local name
    name="$(basename "$1")"
    if [ ! -x "$1/bin/python" ]; then
        log "$name${2:+ ($2)}: creating it with $PYTHON ($(python_version "$PYTHON"))"
        "$PYTHON" -m venv "$1"
        "$1/bin/python" -m pip install -q --upgrade pip
    else
        log "$name${2:+ ($2)}: reusing it ($(python_version "$1/bin/python"))"
    fi
}

find_python_with_eager_tasks() {  # prints the newest interpreter with eager tasks (3.12+), or nothing
    # PYTHON_EAGER if given, else python3.14/3.13/3.12 on PATH, else pyenv's.
    local candidate
    for candidate in ${PYTHON_EAGER:-} python3.14 python3.13 python3.12 \
        $(ls -d "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.1[2-9]* 2>/dev/null | sort -rV | sed 's|$|/bin/python3|'); do
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
}

pymongo_version() {  # pymongo_version VENV: "PyMongo X.Y.Z" as installed there
    "$1/bin/python" -c 'import pymongo; print("PyMongo", pymongo.version)'
}

motorx_build_key() {  # what a build of motorx depends on, as one hash
    (
        cd "$ROOT"
        {
            find src -type f \( -name '*.py' -o -name '*.pyi' -o -name '*.pyx' -o -name '*.pxd' -o -name py.typed \) \
                -not -path '*/__pycache__/*' -not -path '*.egg-info/*'
            printf '%s\n' pyproject.toml setup.py MANIFEST.in
        } | LC_ALL=C sort | while read -r file; do
            [ -f "$file" ] && sha256sum "$file"
        done
        echo "MOTORX_CYTHON_TRACE=${MOTORX_CYTHON_TRACE:-}"
    ) | sha256sum | cut -d' ' -f1
}

motorx_is_built() {  # motorx_is_built VENV KEY EXTRAS: that build, with those extras, is installed
    local stamp="$1/.motorx-build"
    [ -f "$stamp" ] && [ "$(head -n 1 "$stamp")" = "$2" ] && grep -x "extra $3" "$stamp" >/dev/null \
        && "$1/bin/python" -c 'import motorx._txcore' 2>/dev/null
}

record_motorx_build() {  # record_motorx_build VENV KEY EXTRAS
    local stamp="$1/.motorx-build"
    if [ -f "$stamp" ] && [ "$(head -n 1 "$stamp")" = "$2" ]; then
        grep -x "extra $3" "$stamp" >/dev/null || echo "extra $3" >> "$stamp"
    else
        printf '%s\nextra %s\n' "$2" "$3" > "$stamp"
    fi
}

install_motorx() {  # install_motorx EXTRAS [VENV [PYMONGO-REQUIREMENT [PURPOSE]]]
    local venv="${2:-$ROOT/.venv}" pymongo_req="${3:-${MOTORX_PYMONGO:-}}"
    local name key
    name="$(basename "$venv")"
    ensure_venv "$venv" "motorx[$1] from this checkout on ${pymongo_req:-the newest PyMongo 4.x}${4:+, for $4}"
    key="$(motorx_build_key) ${pymongo_req:-newest}"
    if motorx_is_built "$venv" "$key" "$1"; then
        if [ -z "$pymongo_req" ]; then
            # Still the newest PyMongo 4.x (a no-op unless a release came out).
            "$venv/bin/python" -m pip install -q --upgrade --upgrade-strategy only-if-needed "pymongo>=4.13,<5"
        fi
        log "$name: motorx[$1] already built from these sources: not rebuilt ($(pymongo_version "$venv"))"
        return
    fi
    # A real PEP 517 build: the extension is compiled from src/_txcore.pyx.
    log "$name: building motorx (compiling src/_txcore.pyx) and installing it with its $1 extra${pymongo_req:+ and $pymongo_req}"
    if [ -n "$pymongo_req" ]; then
        "$venv/bin/python" -m pip install -q "$ROOT[$1]" "$pymongo_req"
    else
        "$venv/bin/python" -m pip install -q --upgrade --upgrade-strategy only-if-needed "$ROOT[$1]" "pymongo>=4.13,<5"
    fi
    record_motorx_build "$venv" "$key" "$1"
    log "$name: motorx[$1] installed ($(pymongo_version "$venv"))"
}

install_secantus() {
    if [ -n "${MONGODB_URI:-}" ]; then
        log "MONGODB_URI is set: using that server (the embedded one is not installed)"
        return
    fi
    local venv="$ROOT/.venv-secantus"
    ensure_venv "$venv" "$SECANTUS_REQ, the embedded MongoDB-wire test server; GPL, never a motorx dependency"
    # grep reads all of pip's output (grep -q would close the pipe early and
    # pip's exit status, under pipefail, would fail the check every time).
    if ! "$venv/bin/python" -m pip show SecantusDB 2>/dev/null | grep -x 'Version: 0.7.0b3' >/dev/null; then
        log ".venv-secantus: installing $SECANTUS_REQ"
        "$venv/bin/python" -m pip install -q "$SECANTUS_REQ"
    else
        log ".venv-secantus: $SECANTUS_REQ already installed"
    fi
    export MOTORX_SECANTUSD="$venv/bin/secantusd-py"
}
