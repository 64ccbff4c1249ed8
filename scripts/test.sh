#!/usr/bin/env bash
# test.sh: set up (if needed) and run every check and test suite: lint, types, generated constants, unit
# tests, integration tests on the demo host and on the real QEMU test bed (started here, stopped at the end),
# and end-to-end tests in Chromium. Ends with one line "tests: N passed, N failed, N skipped".
#
# Options: --no-testbed  run without the QEMU test bed: its suites are then skipped (and counted as skipped);
#                        without the option, a test bed that is not up makes them fail.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
USE_TESTBED=1
[[ "${1:-}" == "--no-testbed" ]] && USE_TESTBED=0

bash scripts/setup.sh --for-tests
export PATH="$ROOT/node_modules/.bin:$PATH"
export TANDEM_LOG_LEVEL="${TANDEM_LOG_LEVEL:-warn}"
REPORTS="$ROOT/test-results"
rm -rf "$REPORTS" && mkdir -p "$REPORTS"

step() { printf '\n== %s\n' "$*"; }

step "lint"
eslint . --max-warnings 0
step "types"
npm run -s typecheck
step "generated libvirt constants match the installed headers"
tsx native-helpers/libvirt/scripts/generate-constants.ts --check

step "native binding under valgrind (no memory errors in the addon or libvirt, no definite leaks)"
bash native-helpers/libvirt/scripts/valgrind.sh 100
step "delta engine under valgrind"
bash native-helpers/delta/scripts/valgrind.sh

if ((USE_TESTBED)); then
  step "QEMU test bed"
  bash scripts/testbed/testbed.sh up >"$REPORTS/testbed-up.log" 2>&1 || { cat "$REPORTS/testbed-up.log"; exit 1; }
  trap 'bash "$ROOT/scripts/testbed/testbed.sh" down >"$REPORTS/testbed-down.log" 2>&1 || true' EXIT
  export TANDEM_REQUIRE_TESTBED=1
fi

status=0
for project in unit integration e2e; do
  step "$project tests"
  vitest run --project "$project" --reporter=default --reporter=json --outputFile="$REPORTS/$project.json" || status=1
done

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const p of ["unit", "integration", "e2e"]) {
    const file = `${process.argv[1]}/${p}.json`;
    if (!fs.existsSync(file)) { failed++; console.error(`no report for ${p}`); continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
    if (r.numTotalTests === 0) { failed++; console.error(`${p}: no tests ran`); }
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$REPORTS"
exit $status
