#!/usr/bin/env bash
# The kubelet of up.sh's node, stopped and started on its own: a node whose kubelet stops is
# one the control plane loses (NotReady after the controller manager's grace, its pods' Ready
# condition False) while containerd keeps its containers running, as when a node's agent dies.
# up.sh starts the kubelet with this script; tests stop and start it again.
# Usage: scripts/k8s-testenv/kubelet.sh start|stop   (NETGROW_NODE_DIR as for up.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin="${NETGROW_K8S_DIR:-$root/.tools/k8s}/bin"
dir=${NETGROW_NODE_DIR:-/tmp/netgrow-node-$(printf %s "$root" | sha256sum | cut -c1-8)}
pidf="$dir/run/kubelet.pid"
alive() { [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; }
case "${1:-}" in
  start)
    alive && exit 0
    [ -f "$dir/kubelet.yaml" ] || {
      echo "no node in $dir: run scripts/k8s-testenv/up.sh" >&2
      exit 1
    }
    # Appended to the one log, so that a restart keeps what the first kubelet said. Not
    # holding fd 9 (up.sh's lock): a process that kept it would hold every later up.sh off.
    setsid "$bin/kubelet" --config="$dir/kubelet.yaml" --kubeconfig="$dir/pki/node.kubeconfig" \
      --root-dir="$dir/kubelet" --hostname-override=localhost </dev/null >>"$dir/logs/kubelet.log" 2>&1 9>&- &
    echo $! >"$pidf"
    ;;
  stop)
    alive || exit 0
    pid=$(cat "$pidf")
    # SIGKILL: a node agent that dies tells the API server nothing on its way out.
    kill -KILL "$pid"
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    rm -f "$pidf"
    ;;
  *)
    echo "usage: scripts/k8s-testenv/kubelet.sh start|stop" >&2
    exit 2
    ;;
esac
