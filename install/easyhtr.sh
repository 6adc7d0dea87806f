#!/usr/bin/env bash
# The second legibility judge for `inkscribe eval`: PyPI's easyhtr (an IAM-trained word
# recogniser, ONNX) in a Python of its own at .cache/easyhtr, since it pins numpy < 2 and its
# own onnxruntime. Eval only: the package states no licence, so nothing ships with it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .cache/easyhtr/bin/python ] || "$PYTHON" -m venv .cache/easyhtr
.cache/easyhtr/bin/python -m pip --disable-pip-version-check -q install "easyhtr==0.1.1" "setuptools<81"
echo "ready: inkscribe eval reads with it"
