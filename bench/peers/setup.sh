#!/usr/bin/env bash
# Creates bench/.venv with the Python peers of `npm run bench`: PyTorch (CPU build), SciPy, NumPy.
#
#   bash bench/peers/setup.sh          # idempotent; a second run only checks the imports
#
# torch is pinned to 2.13.0: this machine serves its CPU wheel (torch-2.13.0+cpu) from a local
# wheel folder (pip's find-links). Do not install a plain `torch`: on Linux the registry's build
# pulls multi-GB CUDA libraries. Elsewhere, point BENCH_TORCH_REQUIREMENT at a CPU wheel (a file
# path or a pinned requirement your index serves as a CPU build); BENCH_PYTHON picks the Python.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$(cd "$here/.." && pwd)/.venv"
python="${BENCH_PYTHON:-python3}"
torch_req="${BENCH_TORCH_REQUIREMENT:-torch==2.13.0}"

check() {
  "$venv/bin/python" - <<'PY'
import numpy, scipy, torch
print(f"bench/.venv ready: numpy {numpy.__version__}, scipy {scipy.__version__}, torch {torch.__version__}")
PY
}

if [ -x "$venv/bin/python" ] && check 2>/dev/null; then
  exit 0
fi

echo "creating $venv with $("$python" --version 2>&1)"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet "$torch_req" scipy numpy
check
