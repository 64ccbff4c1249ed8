#!/usr/bin/env bash
# valgrind.sh [rounds]: runs the delta engine's exercise (scripts/exercise.ts) under valgrind memcheck and
# fails when memcheck reports an error whose stack passes through the addon, or any definite leak.
#
# Why a filter: Node itself is not valgrind-clean (V8's conservative stack scanning reads uninitialised
# stack slots by design), so a plain --error-exitcode would always fail on V8's own reports. Those are
# counted and shown, but only errors that involve tandem_delta.node are ours to fix.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
ROUNDS="${1:-3}"
LOG="$(mktemp -t tandem-delta-valgrind.XXXXXX.log)"
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 1; }

valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --num-callers=40 --log-file="$LOG" node --import tsx native-helpers/delta/scripts/exercise.ts "$ROUNDS"

ours=$(awk '
  /^==[0-9]+== [A-Z]/ && !/^==[0-9]+== (Memcheck|Copyright|Using|Command|Parent|HEAP|LEAK|ERROR|For|Use|To see|Warning|Thread|  )/ { inblock=1; block=$0 "\n"; next }
  inblock && /^==[0-9]+== *$/ { if (block ~ /tandem_delta/) { print block; n++ } inblock=0; next }
  inblock { block = block $0 "\n" }
  END { exit 0 }' "$LOG")
definite=$(grep -oE "definitely lost: [0-9,]+ bytes" "$LOG" | head -n 1 | grep -oE "[0-9,]+" | tr -d , || echo 0)
summary=$(grep -E "ERROR SUMMARY" "$LOG" | tail -n 1)

echo "valgrind memcheck over $ROUNDS exercise rounds: ${summary#*== }"
echo "  definitely lost: ${definite:-0} bytes"
if [[ -n "$ours" ]]; then
  echo "  errors involving tandem_delta:"
  echo "$ours"
  echo "full log: $LOG"
  exit 1
fi
echo "  errors involving tandem_delta: none (the rest are V8's own, see $LOG)"
[[ "${definite:-0}" == "0" ]] || { echo "definite leaks: see $LOG"; exit 1; }
