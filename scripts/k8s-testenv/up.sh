#!/usr/bin/env bash
# Starts a real one-node Kubernetes v1.34 cluster on this machine, as Kubernetes' own
# hack/local-up-cluster.sh does: etcd, kube-apiserver, kube-controller-manager, kube-scheduler
# (built by build.sh), containerd + runc + the bridge CNI plugin (Debian packages) and a kubelet,
# all on loopback, with their files under one state folder. Images come from no registry: a
# locally built pause image and, with --trainer, the trainer image of scripts/trainer-image.sh
# (--image B: also the one of backend B) are imported into containerd. Pods live on the bridge
# `netgrow0` (10.88.0.0/24, no NAT): they reach servers on this machine at the gateway address
# 10.88.0.1, nothing beyond it.
#
# Idempotent: when the cluster of that folder is already up and its node Ready it is reused
# (only a missing image is imported). The processes outlive the caller; down.sh stops them.
# One node per machine: the bridge and the kubelet's kubepods cgroups are the machine's.
# Prints the lines of `<state folder>/env`, shell assignments a caller may source: KUBECONFIG,
# NETGROW_NODE_SERVER, NETGROW_NODE_GATEWAY, CONTAINERD_ADDRESS, NETGROW_TRAINER_IMAGE
# (NETGROW_TRAINER_IMAGE_TENSORFLOW after --image tensorflow).
# Usage: scripts/k8s-testenv/up.sh [--trainer] [--image wasm|tensorflow]
#        (NETGROW_NODE_DIR: the state folder,
#        default /tmp/netgrow-node-<hash of this checkout's path>)
# Needs root (tried on cgroup v1 only) and, from Debian: containerd runc
# containernetworking-plugins buildah curl iproute2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin="${NETGROW_K8S_DIR:-$root/.tools/k8s}/bin"
dir=${NETGROW_NODE_DIR:-/tmp/netgrow-node-$(printf %s "$root" | sha256sum | cut -c1-8)}
trainer=0
images=()
while [ $# -gt 0 ]; do
  case "$1" in
  --trainer) trainer=1 ;;
  --image) images+=("${2:-}") && shift ;;
  *) echo "[node] unknown argument '$1' (usage: up.sh [--trainer] [--image wasm|tensorflow])" >&2 && exit 2 ;;
  esac
  shift
done
say() { echo "[node] $*" >&2; }
die() {
  say "$*"
  exit 1
}
[ "$(id -u)" = 0 ] || die "a kubelet and containerd need root"
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet; do
  [ -x "$bin/$b" ] || die "no $bin/$b: run bash scripts/k8s-testenv/build.sh"
done
for t in containerd runc ctr; do command -v $t >/dev/null || die "$t is missing; as root run: apt-get install containerd runc"; done
[ -x /usr/lib/cni/bridge ] || die "no CNI plugins in /usr/lib/cni; as root run: apt-get install containernetworking-plugins"
mkdir -p "$dir"
exec 9>"$dir.lock"
flock -w 600 9 || die "another up.sh holds $dir.lock"
t0=$(date +%s%N)
ms() { echo $((($(date +%s%N) - t0) / 1000000)); }
# Every step has a deadline; what is waited for is checked every 0.2 s.
waitfor() {
  local what=$1 seconds=$2 i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "$what: not within $seconds s (logs: $dir/logs)"
}
alive() { [ -f "$dir/run/$1.pid" ] && kill -0 "$(cat "$dir/run/$1.pid")" 2>/dev/null; }
ctr_() { ctr --address "$dir/containerd.sock" -n k8s.io "$@"; }
# No `producer | grep -q` under pipefail: grep's early exit kills the producer with SIGPIPE,
# and the pipeline fails although it matched. Whole outputs are captured, then searched.
node_ready() {
  local node
  node=$(curl -sf --cacert "$dir/pki/ca.crt" --cert "$dir/pki/admin.crt" --key "$dir/pki/admin.key" \
    "$server/api/v1/nodes/localhost") || return 1
  [[ "$(tr -d ' \n' <<<"$node")" == *'"type":"Ready","status":"True"'* ]]
}
has_image() {
  local names
  names=$(ctr_ images ls -q) || return 1
  grep -qxF "$1" <<<"$names"
}
# An image from an archive into containerd, unless it is there already.
import_image() {
  local archive=$1 name=$2
  has_image "$name" && return 0
  ctr_ images import "$archive" >/dev/null || die "ctr could not import $archive"
  has_image "$name" || die "$archive did not hold $name"
}
# trainer_image BACKEND VAR: the trainer image of BACKEND imported, its name as VAR in env.
trainer_image() {
  local line
  line=$(bash "$root/scripts/trainer-image.sh" --backend "$1") || die "trainer image ($1) not built"
  import_image $line
  # Earlier builds of the trainer image of this backend go, with every name the CRI gave them
  # (digest, id): each is a few hundred MB in containerd. Another backend's image (a test's
  # tensorflow image beside the wasm one) stays.
  local old name=${line#* }
  old=$(ctr_ images ls | awk -v n="$name" -v same="${name%-*}-" \
    'NR > 1 && index($1, same) == 1 && $1 != n {print $3}')
  for ref in $(ctr_ images ls | awk -v old="$old" 'NR > 1 && index(old, $3) {print $1}'); do
    ctr_ images rm "$ref" >/dev/null
  done
  sed -i "/^$2=/d" "$dir/env"
  echo "$2=$name" >>"$dir/env"
}
import_images() {
  [ $trainer = 1 ] && trainer_image "${NETGROW_TRAINER_BACKEND:-wasm}" NETGROW_TRAINER_IMAGE
  for b in "${images[@]}"; do trainer_image "$b" "NETGROW_TRAINER_IMAGE_${b^^}"; done
}

# --- reuse ----------------------------------------------------------------------------------
procs="etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet"
if [ -f "$dir/env" ]; then
  # shellcheck source=/dev/null
  . "$dir/env"
  server=$NETGROW_NODE_SERVER
  up=1
  for p in $procs; do alive "$p" || up=0; done
  if [ $up = 1 ] && node_ready; then
    import_images
    cat "$dir/env"
    exit 0
  fi
  say "the cluster in $dir is not whole: starting it again"
fi
# One real node per machine: the bridge, its subnet and the kubepods cgroups are the machine's.
for other in /tmp/netgrow-node-*/run/kubelet.pid; do
  odir=${other%/run/kubelet.pid}
  [ -f "$other" ] && [ "$odir" != "$dir" ] && kill -0 "$(cat "$other")" 2>/dev/null &&
    die "another real node runs ($odir); NETGROW_NODE_DIR=$odir bash scripts/k8s-testenv/down.sh stops it"
done
bash "$here/down.sh" >/dev/null 2>&1 || true
rm -rf "$dir"/{etcd,kubelet,pod-logs,containerd,cni,run,pki,logs,env}
mkdir -p "$dir"/{run,logs,pki,pod-logs,kubelet,cni/net.d} && mkdir -m 700 "$dir/etcd"
start() {
  local name=$1
  shift
  # Not holding fd 9: a process that kept the lock would hold every later up.sh off.
  setsid "$@" </dev/null >"$dir/logs/$name.log" 2>&1 9>&- &
  echo $! >"$dir/run/$name.pid"
}
read -r etcd_port peer_port api_port kubelet_port healthz_port < <(node -e '
  const net = require("node:net");
  Promise.all([0, 1, 2, 3, 4].map(() => new Promise((res) => { const s = net.createServer();
    s.listen(0, "127.0.0.1", () => res(s)); }))).then((ss) => {
    console.log(ss.map((s) => s.address().port).join(" ")); ss.forEach((s) => s.close()); });')
server="https://127.0.0.1:$api_port"

# --- certificates: a CA, the serving certificates, admin and node client certificates -----
# The node is named `localhost`: the API server reaches the kubelet by its Hostname address,
# which then stays on loopback (a kubelet may not report 127.0.0.1 as its InternalIP).
(
  cd "$dir/pki"
  ssl() { openssl "$@" 2>/dev/null; }
  ssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=netgrow-node-ca -keyout ca.key -out ca.crt
  ssl genrsa -out sa.key 2048 && ssl rsa -in sa.key -pubout -out sa.pub
  signed() {
    printf '%b\n' "$3" >"$1.ext"
    ssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr"
    ssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 7 -extfile "$1.ext" -out "$1.crt"
  }
  san="subjectAltName=IP:127.0.0.1,DNS:localhost"
  # 10.88.0.1: pods reach the API server at the bridge gateway (no kube-proxy here).
  signed apiserver /CN=kube-apiserver "$san,IP:10.0.0.1,IP:10.88.0.1\nextendedKeyUsage=serverAuth"
  signed kubelet /CN=localhost "$san\nextendedKeyUsage=serverAuth"
  signed admin /O=system:masters/CN=admin "extendedKeyUsage=clientAuth"
  signed node /O=system:nodes/CN=system:node:localhost "extendedKeyUsage=clientAuth"
  for who in admin node; do
    cat >"$who.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: netgrow-node, cluster: {server: "$server", certificate-authority: "$dir/pki/ca.crt"}}]
users: [{name: $who, user: {client-certificate: "$dir/pki/$who.crt", client-key: "$dir/pki/$who.key"}}]
contexts: [{name: $who, context: {cluster: netgrow-node, user: $who}}]
current-context: $who
EOF
  done
)
k="$dir/pki"

# --- control plane ------------------------------------------------------------------------
start etcd "$bin/etcd" --name=node --data-dir="$dir/etcd" \
  --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
  --listen-peer-urls="http://127.0.0.1:$peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
  --initial-cluster="node=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level=warn
start kube-apiserver "$bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$etcd_port" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
  --tls-cert-file="$k/apiserver.crt" --tls-private-key-file="$k/apiserver.key" --client-ca-file="$k/ca.crt" \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$k/sa.pub" --service-account-signing-key-file="$k/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 --endpoint-reconciler-type=none \
  --kubelet-certificate-authority="$k/ca.crt" --kubelet-client-certificate="$k/admin.crt" \
  --kubelet-client-key="$k/admin.key" --kubelet-preferred-address-types=Hostname \
  --default-not-ready-toleration-seconds=8 --default-unreachable-toleration-seconds=8 \
  --cert-dir="$dir/apiserver-certs"
readyz() { curl -sf --cacert "$k/ca.crt" --cert "$k/admin.crt" --key "$k/admin.key" "$server/readyz"; }
waitfor "kube-apiserver ready" 120 readyz
say "apiserver ready at $(ms) ms"
start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig="$k/admin.kubeconfig" \
  --leader-elect=false --secure-port=0 \
  --service-account-private-key-file="$k/sa.key" --root-ca-file="$k/ca.crt" \
  --cluster-signing-cert-file="$k/ca.crt" --cluster-signing-key-file="$k/ca.key" \
  --node-monitor-period=1s --node-monitor-grace-period=12s
start kube-scheduler "$bin/kube-scheduler" --kubeconfig="$k/admin.kubeconfig" --leader-elect=false --secure-port=0

# --- containerd, with its own root, state and socket; the pod network ------------------------
pause_image=$(bash "$here/pause-image.sh") || die "pause image not built"
cat >"$dir/cni/net.d/10-netgrow.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "netgrow", "plugins": [{"type": "bridge", "bridge": "netgrow0",
  "isGateway": true, "ipMasq": false, "hairpinMode": true, "ipam": {"type": "host-local",
  "dataDir": "$dir/cni/ipam", "ranges": [[{"subnet": "10.88.0.0/24", "gateway": "10.88.0.1"}]]}}]}
EOF
# The bridge exists before the first pod, so a test server can bind the gateway address now.
ip link show netgrow0 >/dev/null 2>&1 || ip link add netgrow0 type bridge
[[ "$(ip addr show dev netgrow0)" == *" 10.88.0.1/24 "* ]] || ip addr add 10.88.0.1/24 dev netgrow0
ip link set netgrow0 up
cat >"$dir/containerd.toml" <<EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
[grpc]
  address = "$dir/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pause_image#* }"
  stream_server_address = "127.0.0.1"
  # Root here may lack CAP_SYS_RESOURCE, so runc cannot lower a container's oom_score_adj
  # (the sandbox asks -998) and every sandbox would fail; clamp to containerd's own score.
  restrict_oom_score_adj = true
  enable_cdi = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
    max_conf_num = 1
EOF
start containerd containerd --config "$dir/containerd.toml"
waitfor "containerd answering on $dir/containerd.sock" 30 ctr_ version
import_image $pause_image

# --- kubelet --------------------------------------------------------------------------------
cat >"$dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$dir/containerd.sock
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
address: 127.0.0.1
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $healthz_port
tlsCertFile: $k/kubelet.crt
tlsPrivateKeyFile: $k/kubelet.key
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: $k/ca.crt}}
authorization: {mode: Webhook}
podLogsDir: $dir/pod-logs
resolvConf: /etc/resolv.conf
# Images come from no registry: never garbage-collect them; evict only when really short.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
maxPods: 50
# A node that stops reporting is NotReady within seconds, not the production 50 s: the
# controller manager's grace above (12 s) spans several lease renewals (every 2 s).
nodeLeaseDurationSeconds: 8
nodeStatusUpdateFrequency: 3s
EOF
bash "$here/kubelet.sh" start
waitfor "node localhost Ready" 120 node_ready
cat >"$dir/env" <<EOF
NETGROW_NODE_DIR=$dir
NETGROW_NODE_SERVER=$server
NETGROW_NODE_GATEWAY=10.88.0.1
KUBECONFIG=$k/admin.kubeconfig
CONTAINERD_ADDRESS=$dir/containerd.sock
EOF
say "node Ready at $(ms) ms"
import_images
cat "$dir/env"
