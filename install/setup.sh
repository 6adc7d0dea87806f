#!/usr/bin/env bash
# Set up inkscribe from a bare Python: creates .venv/ at the repository root and installs
# the project into it (editable), with what the tests need. Safe to run again.
#
#   bash install/setup.sh            # PYTHON=python3.12 bash install/setup.sh to pick the Python
#
# torch: with an NVIDIA GPU present, pip's default (CUDA) build; otherwise torch==2.13.0,
# which on machines that keep a CPU build of it on local disk installs that. Set
# INKSCRIBE_TORCH to any pip requirement (e.g. "torch==2.5.1") to choose yourself.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }

if ! .venv/bin/python -c "import torch" 2>/dev/null; then
    if [ -n "${INKSCRIBE_TORCH:-}" ]; then
        torch_req=$INKSCRIBE_TORCH
    elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
        torch_req=torch
    else
        torch_req=torch==2.13.0
    fi
    echo "installing $torch_req"
    pip install "$torch_req"
fi

echo "installing inkscribe"
pip install -e ".[test]"
# inkex (Inkscape's extension library, for the extension's test harness) asks for PyGObject,
# which only its GUI helpers use and which needs a C build chain: install inkex without it.
pip install --no-deps "inkex==1.4.1"
pip install "cssselect>=1.2" "packaging>=20.3" "pyserial>=3.4" "pyparsing>=3.0.9" "scour>=0.37,<0.38" "tinycss2>=1"

.venv/bin/inkscribe --help >/dev/null
echo "ready: .venv/bin/inkscribe --help"
