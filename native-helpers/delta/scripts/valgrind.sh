#!/usr/bin/env bash
# valgrind.sh [rounds]: runs the delta engine's exercise (scripts/exercise.ts) under valgrind memcheck and
# fails when memcheck reports an error whose stack passes through the addon, or any definite leak (see
# scripts/valgrind-addon.sh for why only the addon's errors count).
set -euo pipefail
ROUNDS="${1:-3}"
exec bash "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/valgrind-addon.sh" \
  --ours 'tandem_delta' --ours-label 'tandem_delta' --runs "$ROUNDS exercise rounds" --log tandem-delta-valgrind \
  -- --import tsx native-helpers/delta/scripts/exercise.ts "$ROUNDS"
