#!/usr/bin/env bash
# The trainer image, built offline with buildah (vfs storage, no daemon, no registry) from
# this checkout: Node 20 (this machine's binary and the libraries it links), netgrow's sources
# run through tsx (a production dependency), the production dependencies of package-lock.json
# and, with --backend tensorflow, the binding scripts/build-native.sh compiled plus TensorFlow's
# two shared libraries. Runs as uid 1000 (the pod template's default runAsUser); the trainer
# pods mount the root filesystem read-only and give it /scratch for TMPDIR and caches.
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
node=$(readlink -f "$(command -v node)")
binding=node_modules/@tensorflow/tfjs-node
if [ "$backend" = tensorflow ] && ! [ -f "$binding/lib/napi-v8/tfjs_binding.node" ]; then
  say "the tensorflow backend is not built here (bash scripts/build-native.sh)"
  exit 1
fi

# What goes in: the sources git knows (tracked, or new and not ignored), and the packages.
# The wasm image takes package-lock.json's production packages; the tensorflow image also
# tfjs-node and what it needs (installed by build-native.sh outside the lockfile).
mapfile -t sources < <(git ls-files -co --exclude-standard -- package.json tsconfig.json bin src worker workflows activities | while read -r f; do [ -f "$f" ] && echo "$f"; done)
if [ "$backend" = wasm ]; then
  node -e 'for (const [p, v] of Object.entries(require("./package-lock.json").packages))
    if (p.startsWith("node_modules/") && !v.dev && !v.devOptional) console.log(p)' >"$cache/.packages.$$"
else
  # npm ls exits 1 over the packages build-native.sh installed outside the lockfile: those are wanted.
  { npm ls --omit=dev --parseable --all 2>/dev/null || true; } | sed "s#^$root/##" | grep '^node_modules/' >"$cache/.packages.$$"
fi
# Optional packages of other platforms are in the lockfile but not installed: only what is.
mapfile -t packages < <(grep -v '^node_modules/.*/node_modules/' "$cache/.packages.$$" | sort -u | while read -r p; do [ -d "$p" ] && echo "$p"; done)
rm -f "$cache/.packages.$$"
tflibs=()
if [ "$backend" = tensorflow ]; then
  tflibs=("$(readlink -f $binding/deps/lib/libtensorflow_cc.so.2)" "$(readlink -f $binding/deps/lib/libtensorflow_framework.so.2)")
fi
key=$({
  echo "$backend $node $(node --version)"
  grep -v '^ *#' "$0"
  cat package-lock.json
  sha256sum "${sources[@]}"
  printf '%s\n' "${packages[@]}"
  if [ "$backend" = tensorflow ]; then sha256sum $binding/lib/napi-v8/*.node && ls -l "${tflibs[@]}"; fi
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
cp "$node" "$rf/usr/bin/node"
for lib in $(libs_of "$node"); do mkdir -p "$rf$(dirname "$lib")" && cp -L "$lib" "$rf$lib"; done
printf 'root:x:0:0:root:/root:/sbin/nologin\nnetgrow:x:1000:1000:netgrow:/scratch:/sbin/nologin\n' >"$rf/etc/passwd"
printf 'root:x:0:\nnetgrow:x:1000:\n' >"$rf/etc/group"
# Sources and packages; of Temporal's native bridge only this platform's build.
tar -cf - "${sources[@]}" | tar -C "$app" -xf -
tar -cf - --exclude='node_modules/@temporalio/core-bridge/releases/*' --exclude="$binding/deps" "${packages[@]}" |
  tar -C "$app" -xf -
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
  cp "${tflibs[0]}" "$app/$binding/deps/lib/libtensorflow_cc.so.2"
  cp "${tflibs[1]}" "$app/$binding/deps/lib/libtensorflow_framework.so.2"
  ln -s libtensorflow_cc.so.2 "$app/$binding/deps/lib/libtensorflow.so"
  ln -s libtensorflow_framework.so.2 "$app/$binding/deps/lib/libtensorflow_framework.so"
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
