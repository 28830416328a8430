#!/usr/bin/env bash
# The `tensorflow` backend, built from the package registries only: TensorFlow's shared
# libraries and headers from the PyPI wheel, @tensorflow/tfjs-node's binding compiled against
# them. tfjs-node's own install script would download libtensorflow from a host outside the
# registries, so the package is fetched with --ignore-scripts and its binding built here.
# One script for scripts/setup.sh, CI and k8s/trainer.Dockerfile. Idempotent: a second run
# checks one stamp and exits. On failure it prints ONE line saying why and exits 1; netgrow
# then trains on wasm.
#   NETGROW_NATIVE=cpu|gpu|off   default: gpu when an NVIDIA driver is present, else cpu
# The compiled bindings are kept in the tools cache (scripts/tools-cache.sh), keyed by the
# stamps below: a clean clone with the same pins copies them instead of compiling.
# Usage: scripts/build-native.sh [--pins]   (--pins: print the TensorFlow wheel and the tfjs-node
#        package it installs, nothing when off; scripts/setup.sh keys the venv and node_modules by them)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools="$root/.tools"
log="$tools/native-build.log"
pins_only=0
[ "${1:-}" = "--pins" ] && pins_only=1
mkdir -p "$tools"
source scripts/tools-cache.sh
say() { echo "[native] $*" >&2; }
fail() {
  local then="netgrow trains on wasm"
  [ -n "${addon:-}" ] && [ -f "$addon" ] && then="the previous build stays in use"
  say "not built: $*; $then (details: $log)"
  exit 1
}

tf_version=2.21.0
tfjs_version=4.22.0
flavour=${NETGROW_NATIVE:-}
if [ -z "$flavour" ]; then
  if [ -e /proc/driver/nvidia/version ] || nvidia-smi -L >/dev/null 2>&1; then flavour=gpu; else flavour=cpu; fi
fi
case "$flavour" in
  off) exit 0 ;;
  # TensorFlow's Linux GPU wheel carries the CUDA 12 user-space libraries as pip packages.
  gpu) wheel="tensorflow[and-cuda]==$tf_version" other=tensorflow-cpu pkg=@tensorflow/tfjs-node-gpu ;;
  cpu) wheel="tensorflow-cpu==$tf_version" other=tensorflow pkg=@tensorflow/tfjs-node ;;
  *)
    [ $pins_only = 1 ] && exit 0 # the build itself says why
    fail "NETGROW_NATIVE must be cpu, gpu or off, received '$flavour'"
    ;;
esac
if [ $pins_only = 1 ]; then
  echo "$wheel $pkg@$tfjs_version"
  exit 0
fi

dir="$root/node_modules/$pkg"
addon="$dir/lib/napi-v8/tfjs_binding.node"
info="$dir/lib/napi-v8/netgrow_tf_info.node"
capture="$dir/lib/napi-v8/netgrow_stderr.node"
stamp="$flavour $wheel $pkg@$tfjs_version $(cat native/binding.gyp native/*.cc | sha256sum | cut -c1-16)"
# What else a compile depends on, for the tools cache keys: this script's commands, the Node
# ABI, the machine.
build_env="script $(grep -v '^ *#' "$root/scripts/build-native.sh" | sha256sum | cut -c1-16) node-abi $(node -p process.versions.modules) $(uname -m)"

# The graph engine's addon (native/graph, src/engine): linked straight to the wheel's
# libraries, built into native/graph/build with its own stamp there. Its failure is its own
# line; it fails this script only under CI=true (the engine's tests must run there), since
# nothing trains on the engine unless it loads.
graph_engine() {
  local out="$root/native/graph/build/Release/netgrow_graph.node" gstamp tfd nd gy
  # The real path: .tools/venv links into the tools cache, and the rpath and the stamp must name
  # the cache's venv, which outlives this checkout, not the link in it.
  tfd=$("$tools/venv/bin/python" -c 'import importlib.util as u; print(u.find_spec("tensorflow").submodule_search_locations[0])' 2>/dev/null) &&
    tfd=$(readlink -f "$tfd") ||
    { say "graph engine not built: the tensorflow package is not importable from $tools/venv"; return 1; }
  gstamp="$wheel $tfd $(cat native/graph/binding.gyp native/graph/*.cc | sha256sum | cut -c1-16)"
  if [ -f "$out" ] && [ "$(cat native/graph/build/netgrow.stamp 2>/dev/null)" = "$gstamp" ]; then return 0; fi
  # The addon links the wheel's libraries by absolute path (tfd, in the stamp): a copy from the
  # tools cache is the same file a compile would make.
  local cached
  cached=$(tool_dir graph-engine "$gstamp $build_env")
  if ! tool_complete "$cached"; then
    nd=$(dirname "$(dirname "$(node -p process.execPath)")")
    gy="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
    mkdir -p native/graph/build
    (cd native/graph && node "$gy" rebuild --nodedir="$nd" --tf_dir="$tfd") >"$root/native/graph/build.log" 2>&1 ||
      { say "graph engine not built: node-gyp could not compile native/graph ($(grep -m1 -E 'error' native/graph/build.log | cut -c1-160))"; return 1; }
    node -e "require('$out').version()" >>"$root/native/graph/build.log" 2>&1 ||
      { say "graph engine not built: netgrow_graph.node does not load (details: native/graph/build.log)"; return 1; }
    tool_build "$cached" "$gstamp" cp "$out" "$cached/" || say "graph engine: not kept in the tools cache ($cached)"
    say "built: the graph engine (native/graph) on TensorFlow $tf_version"
  else
    mkdir -p "$(dirname "$out")" && cp "$cached/netgrow_graph.node" "$out" &&
      node -e "require('$out').version()" >"$root/native/graph/build.log" 2>&1 ||
      { say "graph engine not built: the cached netgrow_graph.node ($cached) does not load (details: native/graph/build.log)"; return 1; }
  fi
  echo "$gstamp" >native/graph/build/netgrow.stamp
}
graph_engine_or_ci() {
  graph_engine && return 0
  [ "${CI:-}" = true ] && exit 1
  return 0
}

if [ -f "$addon" ] && [ -f "$info" ] && [ -f "$capture" ] && [ "$(cat "$tools/native.stamp" 2>/dev/null)" = "$stamp" ]; then
  graph_engine_or_ci
  exit 0
fi
: >"$log"

# --- TensorFlow from PyPI, into the tools venv -------------------------------------------
venv="$tools/venv"
if [ "$(cat "$tools/tf.stamp" 2>/dev/null)" != "$wheel" ]; then
  # A venv of the tools cache is never changed in place: scripts/setup.sh links the one whose
  # key holds this wheel.
  [ -L "$venv" ] && fail "$venv (the tools cache) has no $wheel: run scripts/setup.sh, which links the venv with it"
  say "pip install $wheel (large: a few minutes the first time)"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >>"$log" 2>&1 || fail "python3 -m venv failed"
  # Both wheels install the same `tensorflow` package folder: never keep the other one.
  "$venv/bin/pip" uninstall -q -y "$other" >>"$log" 2>&1 || true
  "$venv/bin/pip" install -q --disable-pip-version-check "$wheel" >>"$log" 2>&1 ||
    fail "pip install $wheel failed"
  echo "$wheel" >"$tools/tf.stamp"
fi
tfdir=$("$venv/bin/python" -c 'import importlib.util as u; print(u.find_spec("tensorflow").submodule_search_locations[0])' 2>>"$log") ||
  fail "the tensorflow package is not importable from $venv"
for f in libtensorflow_cc.so.2 libtensorflow_framework.so.2 include/tensorflow/c/eager/c_api.h; do
  [ -e "$tfdir/$f" ] || fail "the TensorFlow wheel has no $f"
done

# --- tfjs-node, without its install script -----------------------------------------------
if [ "$(node -p "try{require('$pkg/package.json').version}catch{''}" 2>/dev/null)" != "$tfjs_version" ]; then
  say "npm install $pkg@$tfjs_version --ignore-scripts"
  npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "$pkg@$tfjs_version" >>"$log" 2>&1 ||
    fail "npm install $pkg@$tfjs_version failed"
fi

# --- headers and libraries where binding.gyp looks (deps/include, deps/lib) ---------------
# The wheel's include/ holds tensorflow/, xla/, tsl/ and the third-party headers they include.
mkdir -p "$dir/deps/lib"
ln -sfn "$tfdir/include" "$dir/deps/include"
# -ltensorflow links the .so names; at run time the binding's rpath ($ORIGIN/../../deps/lib)
# finds the sonames (.so.2). libtensorflow_cc carries the C and eager C API (TFE_Execute).
ln -sf "$tfdir/libtensorflow_cc.so.2" "$dir/deps/lib/libtensorflow.so"
ln -sf "$tfdir/libtensorflow_framework.so.2" "$dir/deps/lib/libtensorflow_framework.so"
ln -sf "$tfdir/libtensorflow_cc.so.2" "$dir/deps/lib/libtensorflow_cc.so.2"
ln -sf "$tfdir/libtensorflow_framework.so.2" "$dir/deps/lib/libtensorflow_framework.so.2"

# --- the bindings: from the tools cache, else compiled with npm's own node-gyp -----------
# The binding finds TensorFlow through deps/lib (linked above), so a copy is the same file a
# compile here would make.
binding_cache=$(tool_dir tfjs-binding "$stamp $build_env")
compiled=0
if tool_complete "$binding_cache"; then
  mkdir -p "$dir/lib/napi-v8" && cp "$binding_cache"/*.node "$dir/lib/napi-v8/" ||
    fail "cannot copy the binding from the tools cache ($binding_cache)"
else
  nodedir=$(dirname "$(dirname "$(node -p process.execPath)")")
  [ -f "$nodedir/include/node/node_api.h" ] || fail "no Node headers under $nodedir/include/node"
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$gyp" ] || fail "npm's bundled node-gyp is not at $gyp"
  jobs=$(nproc 2>/dev/null || echo 2)
  say "compiling $pkg's binding against TensorFlow $tf_version ($flavour)"
  # tfjs-node on Node >= 12 loads lib/napi-v8/tfjs_binding.node (its package.json "binary").
  (cd "$dir" && node "$gyp" rebuild --nodedir="$nodedir" --jobs="$jobs" --module_name=tfjs_binding \
    --module_path="$dir/lib/napi-v8" --napi_build_version=8) >>"$log" 2>&1 || fail "node-gyp could not compile tfjs_binding"
  rm -rf "$dir/build"
  # netgrow's two small addons (native/): what TensorFlow runs on, for the backend line, and a
  # capture of its start-up log lines.
  (cd native && node "$gyp" rebuild --nodedir="$nodedir" --tfjs_node_dir="$dir" \
    --module_path="$dir/lib/napi-v8") >>"$log" 2>&1 || fail "node-gyp could not compile native/*.cc"
  rm -rf native/build
  compiled=1
fi

# --- does it load? (TF_CPP_MIN_LOG_LEVEL keeps libtensorflow's start-up lines out) ---------
TF_CPP_MIN_LOG_LEVEL=2 node -e "require('$pkg'); require('$info').describe()" >>"$log" 2>&1 ||
  fail "$pkg does not load: $(grep -m1 -E '^[A-Za-z]*Error' "$log" | cut -c1-200)"
if [ $compiled = 1 ]; then
  tool_build "$binding_cache" "$stamp" cp "$addon" "$info" "$capture" "$binding_cache/" ||
    say "the binding was not kept in the tools cache ($binding_cache)"
  say "built: $pkg $tfjs_version on TensorFlow $tf_version ($flavour)"
fi
echo "$stamp" >"$tools/native.stamp"
graph_engine_or_ci
