#!/usr/bin/env bash
# valgrind-addon.sh --ours <regex> --ours-label <text> --runs <text> [--log <name>] [--quiet] -- <node arguments>
# Runs `node <node arguments>` (from the repository root, tsx on PATH) under valgrind memcheck and fails when
# memcheck reports an error whose stack matches <regex> (the addon's own frames), or any definite leak.
# --runs describes the run in the summary ("200 soak rounds"); --quiet drops the program's own output.
#
# Why a filter: Node itself is not valgrind-clean (V8's conservative stack scanning reads uninitialised
# stack slots by design), so a plain --error-exitcode would always fail on V8's own reports. Those are
# counted and shown, but only errors that involve the addon are ours to fix.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
OURS="" OURS_LABEL="" RUNS="" LOG_NAME="tandem-valgrind" QUIET=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ours) OURS="$2"; shift 2 ;;
    --ours-label) OURS_LABEL="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --log) LOG_NAME="$2"; shift 2 ;;
    --quiet) QUIET=1; shift ;;
    --) shift; break ;;
    *) echo "valgrind-addon.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n "$OURS" && -n "$OURS_LABEL" && -n "$RUNS" && $# -gt 0 ]] || {
  echo "usage: valgrind-addon.sh --ours <regex> --ours-label <text> --runs <text> [--log <name>] [--quiet] -- <node arguments>" >&2
  exit 2
}
LOG="$(mktemp -t "$LOG_NAME.XXXXXX.log")"
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 1; }

memcheck=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
  --num-callers=40 --log-file="$LOG" node "$@")
if [[ "$QUIET" == 1 ]]; then "${memcheck[@]}" >/dev/null; else "${memcheck[@]}"; fi

# Split the log into error blocks (an error starts with a line "==PID== <Capitalized description>" and ends
# at an empty "==PID== " line) and keep those that mention the addon.
ours=$(OURS="$OURS" awk '
  /^==[0-9]+== [A-Z]/ && !/^==[0-9]+== (Memcheck|Copyright|Using|Command|Parent|HEAP|LEAK|ERROR|For|Use|To see|Warning|Thread|  )/ { inblock=1; block=$0 "\n"; next }
  inblock && /^==[0-9]+== *$/ { if (block ~ ENVIRON["OURS"]) { print block; n++ } inblock=0; next }
  inblock { block = block $0 "\n" }
  END { exit 0 }' "$LOG")
definite=$(grep -oE "definitely lost: [0-9,]+ bytes" "$LOG" | head -n 1 | grep -oE "[0-9,]+" | tr -d , || echo 0)
summary=$(grep -E "ERROR SUMMARY" "$LOG" | tail -n 1)

echo "valgrind memcheck over $RUNS: ${summary#*== }"
echo "  definitely lost: ${definite:-0} bytes"
if [[ -n "$ours" ]]; then
  echo "  errors involving $OURS_LABEL:"
  echo "$ours"
  echo "full log: $LOG"
  exit 1
fi
echo "  errors involving $OURS_LABEL: none (the rest are V8's own, see $LOG)"
[[ "${definite:-0}" == "0" ]] || { echo "definite leaks: see $LOG"; exit 1; }
