#!/usr/bin/env bash
# The trainer image, built offline with buildah (vfs storage, no daemon, no registry) from
# this checkout: Node 20 (this machine's binary and the libraries it links), netgrow's sources
# and their JavaScript (dist/, transpiled here by esbuild), the production dependencies of
# package-lock.json and, with --backend tensorflow, the binding scripts/build-native.sh compiled
# plus TensorFlow's two shared libraries and, where built, the graph engine's addon. Runs as
# uid 1000 (the pod template's default runAsUser); the trainer pods mount the root filesystem
# read-only and give it /scratch for TMPDIR and caches.
# Entrypoint `node /opt/netgrow/bin/netgrow.js`, default command `train`.
#
# Cached: the archive is named by a hash of everything that went into it, so a second run
# with the same inputs prints the cached archive at once. Prints one line on stdout:
#   <oci-archive path> <image name>
# Usage: scripts/trainer-image.sh [--backend wasm|tensorflow]
#   NETGROW_IMAGE_CACHE: where archives are kept (default ~/.cache/netgrow/images)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
say() { echo "[trainer-image] $*" >&2; }
backend=wasm
[ "${1:-}" = "--backend" ] && backend=${2:-}
case "$backend" in wasm | tensorflow) ;; *)
  say "--backend must be wasm or tensorflow, received '$backend'"
  exit 2
  ;;
esac
cache=${NETGROW_IMAGE_CACHE:-$HOME/.cache/netgrow/images}
mkdir -p "$cache"
command -v buildah >/dev/null || { say "buildah is missing; as root run: apt-get install buildah"; exit 1; }
command -v strip >/dev/null || say "strip is missing (binutils): Node and TensorFlow go in unstripped"
node=$(readlink -f "$(command -v node)")
binding=node_modules/@tensorflow/tfjs-node
# The graph engine's addon (native/graph), where built: the tensorflow image trains on it when a
# run asks for backend graph; it finds TensorFlow in the binding's deps/lib through its rpath.
graph=native/graph/build/Release/netgrow_graph.node
if [ "$backend" = tensorflow ] && ! [ -f "$binding/lib/napi-v8/tfjs_binding.node" ]; then
  say "the tensorflow backend is not built here (bash scripts/build-native.sh)"
  exit 1
fi

# What goes in: the sources git knows (tracked, or new and not ignored), and the packages:
# package-lock.json's production packages and, for the tensorflow image, tfjs-node and what it
# needs (installed by build-native.sh outside the lockfile), followed from the package.json files
# in node_modules as Node resolves them. (`npm ls --omit=dev` listed dev tools such as eslint and
# binaryen here and left out @grpc/grpc-js, without which `netgrow worker` cannot start.)
mapfile -t sources < <(git ls-files -co --exclude-standard -- package.json tsconfig.json bin src worker workflows activities | while read -r f; do [ -f "$f" ] && echo "$f"; done)
node -e 'const fs = require("node:fs"), path = require("node:path");
  const out = new Set();
  for (const [p, v] of Object.entries(require("./package-lock.json").packages))
    if (p.startsWith("node_modules/") && !v.dev && !v.devOptional) out.add(p);
  const todo = process.argv[1] === "tensorflow" ? ["node_modules/@tensorflow/tfjs-node"] : [];
  const seen = new Set(todo);
  while (todo.length) {
    const dir = todo.pop();
    out.add(dir);
    const j = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys({ ...j.dependencies, ...j.optionalDependencies })) {
      // Where Node finds it: dir/node_modules, then each enclosing node_modules up to the root.
      for (let d = dir; ; d = path.dirname(d)) {
        const at = path.join(d, "node_modules", dep);
        if (path.basename(d) !== "node_modules" && fs.existsSync(path.join(at, "package.json"))) {
          if (!seen.has(at)) seen.add(at), todo.push(at);
          break;
        }
        if (d === ".") break;
      }
    }
  }
  console.log([...out].join("\n"));' "$backend" >"$cache/.packages.$$"
# Optional packages of other platforms are in the lockfile but not installed: only what is.
mapfile -t packages < <(grep -v '^node_modules/.*/node_modules/' "$cache/.packages.$$" | sort -u | while read -r p; do [ -d "$p" ] && echo "$p"; done)
rm -f "$cache/.packages.$$"
tflibs=()
if [ "$backend" = tensorflow ]; then
  tflibs=("$(readlink -f $binding/deps/lib/libtensorflow_cc.so.2)" "$(readlink -f $binding/deps/lib/libtensorflow_framework.so.2)")
fi
key=$({
  echo "$backend $node $(node --version) $(command -v strip >/dev/null && strip --version | head -1)"
  grep -v '^ *#' "$0"
  cat package-lock.json
  sha256sum "${sources[@]}"
  printf '%s\n' "${packages[@]}"
  if [ "$backend" = tensorflow ]; then
    sha256sum $binding/lib/napi-v8/*.node && ls -l "${tflibs[@]}"
    if [ -f "$graph" ]; then sha256sum "$graph"; fi
  fi
} | sha256sum | cut -c1-16)
name="localhost/netgrow-trainer:$backend-$key"
archive="$cache/netgrow-trainer-$backend-$key.tar"
if [ -f "$archive" ]; then
  echo "$archive $name"
  exit 0
fi

t0=$(date +%s)
work=$(mktemp -d "$cache/build-XXXXXX")
trap 'buildah --storage-driver vfs --root "$work/storage" --runroot "$work/run" rm -a >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
rf="$work/rootfs"
app="$rf/opt/netgrow"
mkdir -p "$rf/usr/bin" "$rf/etc" "$rf/scratch" "$app"
mkdir -m 1777 "$rf/tmp"
# Node and the shared libraries it links (glibc, libstdc++, ...), at the paths ldd names.
libs_of() { ldd "$1" | grep -o '/[^ ]*' | grep -v 'libtensorflow' || true; }
# Node and TensorFlow's libraries without their symbol tables (`strip --strip-unneeded`: 13 MB
# of Node's 99 MB, 219 MB of TensorFlow's 853 MB): the dynamic symbols that the addons and the
# binding link against stay; only the names for debuggers go. Without strip, a plain copy.
slim() { if command -v strip >/dev/null; then strip --strip-unneeded -o "$2" "$1"; else cp "$1" "$2"; fi; }
slim "$node" "$rf/usr/bin/node"
for lib in $(libs_of "$node"); do mkdir -p "$rf$(dirname "$lib")" && cp -L "$lib" "$rf$lib"; done
printf 'root:x:0:0:root:/root:/sbin/nologin\nnetgrow:x:1000:1000:netgrow:/scratch:/sbin/nologin\n' >"$rf/etc/passwd"
printf 'root:x:0:\nnetgrow:x:1000:\n' >"$rf/etc/group"
# Sources and packages; of Temporal's native bridge only this platform's build. Left out of the
# packages, as nothing at run time needs them: source maps (tsx turns Node's source maps on, and
# Node skips a missing map file silently: a stack trace through a package shows the compiled
# positions), TypeScript declarations (tsx compiles netgrow's own sources and never resolves a
# package to a .d.ts), the Rust sources of Temporal's bridge (its prebuilt index.node is what
# loads) and tfjs's compiled tests (*_test.js).
tar -cf - "${sources[@]}" | tar -C "$app" -xf -
# The TypeScript transpiled once here into dist/, which bin/netgrow.js prefers to the sources:
# esbuild's transform, the one tsx would otherwise run at every start of every pod (measured
# here: a one-epoch trainer run 3.0-3.2 s from dist/ against 3.8-4.1 s from the sources).
mapfile -t ts < <(printf '%s\n' "${sources[@]}" | grep -E '^(src|worker|workflows|activities)/.*\.ts$' | grep -v '^src/backend/assembly/')
node_modules/.bin/esbuild "${ts[@]}" --format=cjs --platform=node --target=node20 \
  --outdir="$app/dist" --outbase=. --log-level=warning
mkdir -p "$app/dist/src/backend/assembly" && cp src/backend/assembly/*.wasm "$app/dist/src/backend/assembly/"
tar -cf - --exclude='node_modules/@temporalio/core-bridge/releases/*' --exclude="$binding/deps" \
  --exclude='*.js.map' --exclude='*.mjs.map' --exclude='*.cjs.map' \
  --exclude='*.ts.map' --exclude='*.mts.map' --exclude='*.cts.map' \
  --exclude='*.d.ts' --exclude='*.d.mts' --exclude='*.d.cts' \
  --exclude='node_modules/@temporalio/core-bridge/sdk-core' --exclude='node_modules/@temporalio/core-bridge/src' \
  --exclude='node_modules/@temporalio/core-bridge/bridge-macros' --exclude='node_modules/@temporalio/core-bridge/Cargo.*' \
  --exclude='node_modules/@tensorflow/*_test.js' "${packages[@]}" |
  tar -C "$app" -xf -
# tfjs's browser bundles: each @tensorflow package whose main is dist/<name>.node.js also ships
# dist/<name>.js, .min.js, .es2017(.min).js, .fesm(.min).js, their size reports (.html) and a
# dist/miniprogram copy for WeChat, none of which Node's require reaches (main, and the per-file
# dist/*.js that netgrow imports, stay).
for pj in "$app"/node_modules/@tensorflow/*/package.json; do
  main=$(node -p "require('$pj').main || ''")
  case "$main" in dist/*.node.js) ;; *) continue ;; esac
  stem="$(dirname "$pj")/${main%.node.js}"
  rm -f "$stem".{js,min.js,es2017.js,es2017.min.js,fesm.js,fesm.min.js} "$stem".*.html
  rm -rf "$(dirname "$pj")/dist/miniprogram"
done
bridge=node_modules/@temporalio/core-bridge/releases/x86_64-unknown-linux-gnu
[ -d "$bridge" ] && mkdir -p "$app/$bridge" && cp -a "$bridge/." "$app/$bridge/"
# The libraries the packages' native addons link beyond Node's own (the worker's Temporal
# bridge needs librt, for one): without them `netgrow worker` cannot start in the image.
for addon in $(find "$app/node_modules" -name '*.node' -not -path "*/$binding/*"); do
  for lib in $(libs_of "$addon" 2>/dev/null); do
    [ -e "$rf$lib" ] || { mkdir -p "$rf$(dirname "$lib")" && cp -L "$lib" "$rf$lib"; }
  done
done
if [ "$backend" = tensorflow ]; then
  # The binding finds TensorFlow through its rpath, ../../deps/lib: the two libraries, once each.
  mkdir -p "$app/$binding/deps/lib"
  slim "${tflibs[0]}" "$app/$binding/deps/lib/libtensorflow_cc.so.2"
  slim "${tflibs[1]}" "$app/$binding/deps/lib/libtensorflow_framework.so.2"
  ln -s libtensorflow_cc.so.2 "$app/$binding/deps/lib/libtensorflow.so"
  ln -s libtensorflow_framework.so.2 "$app/$binding/deps/lib/libtensorflow_framework.so"
  if [ -f "$graph" ]; then mkdir -p "$app/$(dirname "$graph")" && cp "$graph" "$app/$graph"; fi
  for lib in $(libs_of $binding/lib/napi-v8/tfjs_binding.node) $(libs_of "${tflibs[0]}"); do
    [ -e "$rf$lib" ] || { mkdir -p "$rf$(dirname "$lib")" && cp -L "$lib" "$rf$lib"; }
  done
fi
# The workflow code, bundled here from the same sources (worker/index.ts, prebuiltBundle): the
# worker in the image runs no webpack and no swc at its start. No test interceptors in it.
env -u NETGROW_WORKFLOW_INTERCEPTORS node --import tsx -e \
  "require('./worker/index').bundleWorkflows().then((b) => require('node:fs').writeFileSync(process.argv[1], b.code))" \
  "$app/workflow-bundle.js"
say "root filesystem $(du -sh "$rf" | cut -f1) in $(($(date +%s) - t0)) s"

export BUILDAH_ISOLATION=chroot
b() { buildah --storage-driver vfs --root "$work/storage" --runroot "$work/run" "$@"; }
c=$(b from scratch)
b copy "$c" "$rf" / >/dev/null
b config --user 1000:1000 --workingdir /opt/netgrow \
  --env PATH=/usr/bin:/bin --env HOME=/scratch --env NODE_ENV=production --env NETGROW_BACKEND="$backend" \
  --env NETGROW_WORKFLOW_BUNDLE=/opt/netgrow/workflow-bundle.js \
  --entrypoint '["node", "/opt/netgrow/bin/netgrow.js"]' --cmd '["train"]' \
  --label org.opencontainers.image.title=netgrow-trainer "$c"
b commit -q "$c" "oci-archive:$archive.part:$name" >/dev/null
mv "$archive.part" "$archive"
# Each change of the sources makes a new archive: keep the newest three of this backend.
ls -t "$cache"/netgrow-trainer-"$backend"-*.tar | tail -n +4 | xargs -r rm -f
say "$name: $(du -h "$archive" | cut -f1) in $(($(date +%s) - t0)) s"
echo "$archive $name"
