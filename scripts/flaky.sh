#!/usr/bin/env bash
# Flakiness, measured: runs scripts/test.sh N times in a row (not part of CI) and prints, for
# each run, its closing line and the tests that failed; at the end how many runs failed.
# Each run's output and TAP stay in .ci/flaky/<run>/ (git-ignored).
# Usage: scripts/flaky.sh [N] [test files...]   (default 10 runs of the whole suite)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${1:-10}
shift || true
rm -rf .ci/flaky && mkdir -p .ci/flaky
failed=0
for i in $(seq 1 "$runs"); do
  t0=$(date +%s)
  bash scripts/test.sh "$@" >".ci/flaky/$i.log" 2>&1
  rc=$?
  cp -r .ci/output ".ci/flaky/$i"
  closing=$(grep -E '^tests: ' ".ci/flaky/$i.log" | tail -1)
  echo "run $i: exit $rc in $(($(date +%s) - t0)) s; ${closing:-no closing line}"
  if [ "$rc" -ne 0 ]; then
    failed=$((failed + 1))
    grep -hE '^\s*not ok ' ".ci/flaky/$i"/*.tap | sed 's/^ */    /' | head -20
  fi
done
echo "flaky: $failed of $runs runs failed"
[ "$failed" -eq 0 ]
