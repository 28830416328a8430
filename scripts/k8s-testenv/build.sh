#!/usr/bin/env bash
# Builds the real Kubernetes control plane the k8s tests run against -- kube-apiserver and
# kube-scheduler v1.34.4 (this module) and etcd v3.6.4 (./etcd) -- from the Go module proxy,
# into .tools/k8s/bin. Cached: a second run is instant while .tools/k8s/stamp matches the
# hash of this directory's inputs. Cold build: about 11 minutes on 2 cores, ~4 GB of Go caches.
# Called by scripts/test.sh for the full suite or a k8s test, never by `npm start`.
# Usage: scripts/k8s-testenv/build.sh [--check]   (--check: exit 1 if the binaries are stale)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dest="$root/.tools/k8s"
say() { echo "[k8s-testenv] $*" >&2; }

stamp=$(cd "$here" && cat build.sh go.mod go.sum tools.go etcd/go.mod etcd/go.sum 2>/dev/null | sha256sum | cut -c1-64)
bins="kube-apiserver kube-scheduler etcd"
fresh=1
for b in $bins; do [ -x "$dest/bin/$b" ] || fresh=0; done
if [ $fresh = 1 ] && [ "$(cat "$dest/stamp" 2>/dev/null)" = "$stamp" ]; then exit 0; fi
[ "${1:-}" = "--check" ] && exit 1

if ! command -v go >/dev/null; then
  say "Go (1.24 or newer) is needed to build kube-apiserver, kube-scheduler and etcd for the k8s tests"
  exit 1
fi
mkdir -p "$dest/bin"
rm -f "$dest/stamp"
v=v1.34.4
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1"
ldflags="$ldflags -X k8s.io/component-base/version.gitMinor=34 -X k8s.io/component-base/version.gitTreeState=clean"
export CGO_ENABLED=0
t0=$(date +%s)
say "building kube-apiserver, kube-scheduler $v and etcd v3.6.4 (cold: ~11 min on 2 cores)"
cd "$here"
nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$dest/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$dest/bin/kube-scheduler" k8s.io/kubernetes/cmd/kube-scheduler
cd "$here/etcd"
nice -n 10 go build -trimpath -ldflags "-s -w" -o "$dest/bin/etcd" go.etcd.io/etcd/server/v3
echo "$stamp" >"$dest/stamp"
say "built in $(($(date +%s) - t0)) s"
