#!/usr/bin/env bash
# README command 2: set up (scripts/setup.sh), then run every test and print the summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"

results="$root/artifacts/test-results"
rm -rf "$results"
set +e
dotnet test Uip2p.Research.sln -c Release --no-build -nologo \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=tests.trx" --results-directory "$results" "$@"
status=$?
set -e

# One plain summary line, read from the TRX report's counters.
trx="$results/tests.trx"
if [[ ! -f "$trx" ]]; then echo "test.sh: no test report ($trx); the test run did not start (exit $status)" >&2; exit 1; fi
counter() { grep -o "<Counters [^>]*" "$trx" | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]*"; }
total=$(counter total); passed=$(counter passed); failed=$(counter failed)
errors=$(counter error); timeouts=$(counter timeout); executed=$(counter executed)
failed=$((failed + errors + timeouts)); skipped=$((total - executed))
echo
echo "Tests: $passed passed, $failed failed, $skipped skipped"
if [[ "$total" -eq 0 ]]; then echo "test.sh: no test ran" >&2; exit 1; fi
# A crashed test host leaves a report of only the tests that finished: say so, the counts are partial.
if [[ "$status" -ne 0 && "$failed" -eq 0 ]]; then
  echo "test.sh: the test run was aborted (exit $status; see 'Test host process crashed' above) — the counts cover only the tests that finished" >&2
fi
exit $status
