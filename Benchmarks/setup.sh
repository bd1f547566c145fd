#!/usr/bin/env bash
# Creates .venv-bench with the peers `make bench` measures against (scikit-learn, PyTorch).
# Idempotent: does nothing when the environment is already complete.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-bench
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import sklearn, scipy, numpy, torch, threadpoolctl" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
  "scikit-learn==1.9.1" numpy scipy safetensors threadpoolctl torch
