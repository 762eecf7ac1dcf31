#!/usr/bin/env bash
# README command 2: set up (scripts/setup.sh), then run every test and print the summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"

log="$root/artifacts/test-output.log"
mkdir -p "$root/artifacts"
set +e
dotnet test Uip2p.Research.sln -c Release --no-build -nologo \
  --logger "console;verbosity=normal" --results-directory "$root/artifacts/test-results" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain summary line, whatever the runner printed above.
summary=$(grep -E "^(Passed|Failed)!" "$log" | tail -1)
passed=$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$summary")
failed=$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' <<<"$summary")
skipped=$(sed -nE 's/.*Skipped: *([0-9]+).*/\1/p' <<<"$summary")
echo
echo "Tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [[ -z "$summary" && $status -eq 0 ]]; then echo "test.sh: no test summary found" >&2; exit 1; fi
exit $status
