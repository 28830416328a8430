#!/usr/bin/env bash
# The whole suite: setup, lint, typecheck, then every tests/**/*.test.ts on node's test runner.
# Tests that need servers (Temporal dev server, SeaweedFS S3) start their own on loopback
# from the binaries that scripts/setup.sh installs into .tools/bin; tests/k8s/* start a
# Kubernetes control plane that scripts/k8s-testenv/build.sh builds into .tools/k8s/bin, and
# share one real node (scripts/k8s-testenv/up.sh), stopped at the end of the run.
# With no arguments, and the native backend built (scripts/build-native.sh), the morph
# preservation, model-gradient and training files run a second time on `tensorflow`, and the
# training files that train through runTraining a third time on `graph` (the graph engine).
# Usage: scripts/test.sh [test files...]   (no arguments: all of them, plus lint and typecheck)
#        NETGROW_BACKEND=tensorflow scripts/test.sh tests/train/x.test.ts   (one file on tensorflow)
#        NETGROW_BACKEND=graph scripts/test.sh tests/train/x.test.ts        (one file on the graph engine)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh --browser || exit 1
export PATH="$root/.tools/bin:$root/node_modules/.bin:$PATH"
if [ $# -eq 0 ]; then
  echo "== prettier" && prettier --check --log-level warn . || exit 1
  echo "== eslint" && eslint --max-warnings 0 . || exit 1
  echo "== tsc" && tsc --noEmit -p . || exit 1
  echo "== imports" && tsx scripts/check-imports.ts || exit 1
  mapfile -t files < <(find tests -name '*.test.ts' | sort)
else
  files=("$@")
fi
# The TAP output, the per-test timings and build logs stay under .ci/output/ (git-ignored).
out="$root/.ci/output"
rm -rf "$out" && mkdir -p "$out"
# The k8s tests run a real kube-apiserver, kube-scheduler, kube-controller-manager, kubelet and
# etcd, built from the Go module proxy and cached under .tools/k8s (then instant). Only when
# a k8s test runs; a failed build stops the run with its last line.
k8s=0
printf '%s\n' "${files[@]}" | grep -q '^tests/k8s/' && k8s=1
if [ $k8s = 1 ] && ! bash scripts/k8s-testenv/build.sh --check; then
  gov=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
  if [ -z "$gov" ] || [ "$(printf '%s\n' 1.24 "$gov" | sort -V | head -1)" != 1.24 ]; then
    echo "k8s-testenv: Go 1.24 or newer builds the Kubernetes test binaries, found ${gov:-none}; install it from https://go.dev/dl"
    exit 1
  fi
  echo "== building the Kubernetes test control plane (log: .ci/output/k8s-build.log)"
  bash scripts/k8s-testenv/build.sh >"$out/k8s-build.log" 2>&1 ||
    { echo "k8s-testenv: not built: $(tail -1 "$out/k8s-build.log") (log: .ci/output/k8s-build.log)"; exit 1; }
fi
# Deadlines: in node 20 `--test-timeout` bounds each test and each whole file, so a hung test
# fails its file after this many seconds instead of holding CI until its limit. Folders of
# pure, in-process tests get a tighter bound; NETGROW_TEST_TIMEOUT_S overrides both.
slow_timeout_s=${NETGROW_TEST_TIMEOUT_S:-1200}
quick_timeout_s=${NETGROW_TEST_TIMEOUT_S:-300}
quick_dirs='^tests/(graph|morph|architecture|executor|log|report|storage|data)/'
# Lanes: NETGROW_TEST_LANES=2 runs two of node's test runners at once, each running its files
# one at a time, so that a file waiting on servers, heartbeats and child processes can leave the
# CPU to the other lane's. The files are dealt to the lanes by their expected seconds
# (scripts/test/lanes.txt), longest first, each to the lane with less to do; node's runner orders
# the files of one runner by name, so which files share a lane is what this decides. The default
# is one lane: on this machine, measured under other work, two lanes made training tests miss
# their own waits (docs/TESTING.md, "Lanes").
lanes=${NETGROW_TEST_LANES:-1}
# lane_of K N FILES...: the files of lane K of N. The files that use the shared real node
# (tests/support/k8s.ts's startRealNode, real-node.ts's nodeSandbox) all go to lane 0, one
# after another: each assumes it is the node's only user (the scale test counts the API
# server's pod watches, the README walkthrough every pod record of its bucket), and two at
# once failed so (docs/TESTING.md, "Lanes").
lane_of() {
  local k=$1 n=$2
  shift 2
  local node_files
  node_files=$(grep -lE 'startRealNode|nodeSandbox' "$@" 2>/dev/null | tr '\n' ' ')
  printf '%s\n' "$@" | awk -v k="$k" -v n="$n" -v node="$node_files" '
    BEGIN { split(node, nf, " "); for (i in nf) onNode[nf[i]] = 1 }
    FNR == NR { if ($0 !~ /^#/ && NF == 2) secs[$2] = $1; next }
    { f[++m] = $0; t[m] = ($0 in secs) ? secs[$0] : 5 }
    END {
      for (i = 1; i <= m; i++) if (f[i] in onNode) { load[0] += t[i]; if (k == 0) print f[i] }
      for (i = 1; i <= m; i++) order[i] = i
      for (i = 2; i <= m; i++) for (j = i; j > 1 && t[order[j]] > t[order[j-1]]; j--) { x = order[j]; order[j] = order[j-1]; order[j-1] = x }
      for (i = 1; i <= m; i++) {
        if (f[order[i]] in onNode) continue
        best = 0
        for (l = 1; l < n; l++) if (load[l] < load[best]) best = l
        load[best] += t[order[i]]
        if (best == k) print f[order[i]]
      }
    }' scripts/test/lanes.txt -
}
# One of node's test runners over "$@" (files), its TAP and timings named $2; writes its counts
# and status to $out/$2.counts.
run_tests() {
  local timeout_s=$1 name=$2
  shift 2
  local tap="$out/$name.tap"
  node --disable-warning=MaxListenersExceededWarning --import tsx --import ./tests/support/isolate.mjs --test \
    --test-concurrency=1 --test-timeout=$((timeout_s * 1000)) \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" \
    --test-reporter=./scripts/test/events-reporter.mjs --test-reporter-destination="$out/$name.jsonl" "$@"
  local rc=$?
  local pass fail cancelled
  pass=$(grep -E '^# pass ' "$tap" | tail -1 | awk '{print $3}')
  fail=$(grep -E '^# fail ' "$tap" | tail -1 | awk '{print $3}')
  # Node counts a test its file's timeout cut short as cancelled: that is a failure too.
  cancelled=$(grep -E '^# cancelled ' "$tap" | tail -1 | awk '{print $3}')
  fail=$((${fail:-0} + ${cancelled:-0}))
  # A failing hook or a crashed file fails the run without counting as a failed test: say so.
  if [ "$rc" -ne 0 ] && [ "${fail:-0}" = 0 ]; then fail=1; fi
  echo "${pass:-0} ${fail:-0} $rc" >"$out/$name.counts"
}
# One pass over "$@" (files) in the lanes; adds its counts to the totals and returns its status.
total_pass=0
total_fail=0
passes=0
run_pass() {
  passes=$((passes + 1))
  local timeout_s=$1 k
  shift
  local n=$lanes
  [ $# -lt "$n" ] && n=$#
  if [ "$n" -le 1 ]; then
    run_tests "$timeout_s" "pass$passes" "$@"
  else
    for ((k = 0; k < n; k++)); do
      mapfile -t lane < <(lane_of "$k" "$n" "$@")
      echo "== lane $((k + 1)): ${#lane[@]} files"
      run_tests "$timeout_s" "pass$passes-lane$((k + 1))" "${lane[@]}" 2>&1 | sed -u "s/^/[lane $((k + 1))] /" &
    done
    wait
  fi
  local pass=0 fail=0 rc=0 p f r names=("pass$passes")
  [ "$n" -gt 1 ] && names=() && for ((k = 1; k <= n; k++)); do names+=("pass$passes-lane$k"); done
  for name in "${names[@]}"; do
    # A runner that died before counting is a failure too.
    read -r p f r 2>/dev/null <"$out/$name.counts" || { p=0 f=1 r=1; }
    pass=$((pass + p))
    fail=$((fail + f))
    [ "$r" -ne 0 ] && rc=1
  done
  echo "(this pass: $pass passed, $fail failed)"
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  return $rc
}
mapfile -t quick < <(printf '%s\n' "${files[@]}" | grep -E "$quick_dirs")
mapfile -t slow < <(printf '%s\n' "${files[@]}" | grep -vE "$quick_dirs")
rc=0
if [ ${#quick[@]} -gt 0 ]; then
  echo "== node --test (${#quick[@]} files, ${quick_timeout_s} s each at most, $lanes lanes)"
  run_pass "$quick_timeout_s" "${quick[@]}" || rc=1
fi
if [ ${#slow[@]} -gt 0 ]; then
  echo "== node --test (${#slow[@]} files, ${slow_timeout_s} s each at most, $lanes lanes)"
  run_pass "$slow_timeout_s" "${slow[@]}" || rc=1
fi
# The whole suite again on the native backend for the files whose maths it runs (morph
# preservation, model gradients, training), when scripts/build-native.sh built it.
if [ $# -eq 0 ] && [ -z "${NETGROW_BACKEND:-}" ]; then
  if node --import tsx -e "process.exit('why' in require('./src/backend/native').loadNative() ? 1 : 0)" 2>/dev/null; then
    mapfile -t native < <(ls tests/morph/tfjs.test.ts tests/backend/model-grads.test.ts tests/train/*.test.ts | grep -v -e cross-backend -e graph-engine)
    echo "== node --test on tensorflow (${#native[@]} files)"
    NETGROW_BACKEND=tensorflow run_pass "$slow_timeout_s" "${native[@]}" || rc=1
    # The training files that train through runTraining (or `netgrow train`) again, their steps
    # on the graph engine (NETGROW_BACKEND=graph), when scripts/build-native.sh built its addon
    # too; files that test tfjs's Stepper alone would only repeat the tensorflow pass.
    if node --import tsx -e "process.exit(require('./src/engine/native').loadGraphAddon().addon ? 0 : 1)" 2>/dev/null; then
      graph=(tests/train/{cli,distill,divergence,flops,grow,leaks,lineage,logs,pause,recipe,resume}.test.ts)
      echo "== node --test on graph (${#graph[@]} files)"
      NETGROW_BACKEND=graph run_pass "$slow_timeout_s" "${graph[@]}" || rc=1
    else
      echo "== no pass on graph: the graph engine is not built (the setup said why)"
    fi
  else
    echo "== no pass on tensorflow: the backend is not built (the setup said why)"
  fi
fi
# The real node the k8s files shared (tests/support/k8s.ts starts it on first use).
[ $k8s = 1 ] && bash scripts/k8s-testenv/down.sh
# The slowest files and tests, the skips by reason (under CI=true a skip docs/TESTING.md does
# not allow fails the run), and the closing line, which counts every pass.
ci_flag=()
[ "${CI:-}" = true ] && ci_flag=(--ci)
tsx scripts/test/summary.ts --passed "$total_pass" --failed "$total_fail" "${ci_flag[@]}" "$out"/pass*.jsonl || rc=1
exit $rc
