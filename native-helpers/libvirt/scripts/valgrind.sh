#!/usr/bin/env bash
# valgrind.sh [rounds]: runs the binding's soak (scripts/soak.ts) under valgrind memcheck and fails when
# memcheck reports an error whose stack passes through the addon or libvirt, or any definite leak (see
# scripts/valgrind-addon.sh for why only those errors count).
set -euo pipefail
ROUNDS="${1:-200}"
exec bash "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/valgrind-addon.sh" \
  --ours 'tandem_libvirt|libvirt\.so' --ours-label 'tandem_libvirt or libvirt' --runs "$ROUNDS soak rounds" --log tandem-valgrind --quiet \
  -- --expose-gc --import tsx native-helpers/libvirt/scripts/soak.ts "$ROUNDS"
