#!/usr/bin/env bash
# The whole suite: setup, lint, typecheck, then every tests/**/*.test.ts on node's test runner.
# Tests that need servers (Temporal dev server, SeaweedFS S3) start their own on loopback
# from the binaries that scripts/setup.sh installs into .tools/bin; tests/k8s/* start a
# Kubernetes control plane that scripts/k8s-testenv/build.sh builds into .tools/k8s/bin.
# Usage: scripts/test.sh [test files...]   (no arguments: all of them, plus lint and typecheck)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh || exit 1
export PATH="$root/.tools/bin:$root/node_modules/.bin:$PATH"
if [ $# -eq 0 ]; then
  echo "== prettier" && prettier --check --log-level warn . || exit 1
  echo "== eslint" && eslint --max-warnings 0 . || exit 1
  echo "== tsc" && tsc --noEmit -p . || exit 1
  mapfile -t files < <(find tests -name '*.test.ts' | sort)
else
  files=("$@")
fi
# The k8s tests run a real kube-apiserver, kube-scheduler and etcd, built from the Go module
# proxy and cached under .tools/k8s (cold: ~11 min; then instant). Only when a k8s test runs.
if printf '%s\n' "${files[@]}" | grep -q '^tests/k8s/'; then
  bash scripts/k8s-testenv/build.sh || exit 1
fi
tap=$(mktemp -t netgrow-tap.XXXXXX)
trap 'rm -f "$tap"' EXIT
echo "== node --test (${#files[@]} files)"
node --import tsx --test --test-concurrency="${NETGROW_TEST_CONCURRENCY:-1}" \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" "${files[@]}"
rc=$?
pass=$(grep -E '^# pass ' "$tap" | tail -1 | awk '{print $3}')
fail=$(grep -E '^# fail ' "$tap" | tail -1 | awk '{print $3}')
skip=$(grep -E '^# skipped ' "$tap" | tail -1 | awk '{print $3}')
# A failing hook or a crashed file fails the run without counting as a failed test: say so.
if [ "$rc" -ne 0 ] && [ "${fail:-0}" = 0 ]; then fail=1; fi
echo "tests: ${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
exit $rc
