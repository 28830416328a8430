#!/usr/bin/env bash
# The peers' own venv for bench/peers (never CI): PyTorch and Keras 3 on TensorFlow, from PyPI.
# PyPI's Linux torch wheel brings its CUDA libraries too (several GB); the benchmark runs it on CPU.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.tools/peers-venv"
reqs="torch==${TORCH_VERSION:-2.15.0} tensorflow-cpu==2.21.0"
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$reqs" ]; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check $reqs
  echo "$reqs" >"$venv/.stamp"
fi
echo "$venv/bin/python"
