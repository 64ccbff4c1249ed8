# shellcheck shell=bash
# Shared helpers for the Tandem test bed scripts (sourced, not executed).
#
# Why: install-deps.sh, build-guest.sh, hosts.sh and testbed.sh must agree on
# where the state folder is, how progress is printed (short lines on stdout,
# details in log files) and how failures are reported, so that CI (.ci/run)
# on a fresh machine gets quiet output and a useful error when a step fails.

TESTBED_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TESTBED_REPO="$(cd "$TESTBED_SCRIPTS/../.." && pwd)"
STATE="${TANDEM_TESTBED_DIR:-$TESTBED_REPO/.testbed}"
LOGS="$STATE/logs"

say() { printf 'testbed: %s\n' "$*"; }
die() { printf 'testbed: ERROR: %s\n' "$*" >&2; exit 1; }

# Print the last lines of a log file on stderr (used when a step fails).
show_tail() {
  local file="$1" lines="${2:-25}"
  if [[ -s "$file" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2
    printf -- '-----\n' >&2
  fi
}

# run_logged LOGFILE CMD...: run CMD with stdout+stderr appended to LOGFILE;
# on failure print which command failed and the tail of the log, then exit.
run_logged() {
  local log="$1"
  shift
  printf '\n$ %s\n' "$*" >>"$log"
  if ! "$@" >>"$log" 2>&1; then
    printf 'testbed: ERROR: command failed: %s\n' "$*" >&2
    show_tail "$log"
    exit 1
  fi
}

require_root() {
  [[ "$(id -u)" -eq 0 ]] || die "$1 must run as root (it installs packages / starts libvirt daemons in mount namespaces)."
}

# The state folder path ends up inside libvirt URIs and unix socket paths, so
# keep it to characters that need no escaping anywhere.
check_state_path() {
  [[ "$STATE" == /* ]] || die "TANDEM_TESTBED_DIR must be an absolute path (got '$STATE')."
  [[ "$STATE" =~ ^[A-Za-z0-9/._-]+$ ]] ||
    die "state folder '$STATE' contains characters unsafe in URIs/socket paths; set TANDEM_TESTBED_DIR to a path made of [A-Za-z0-9/._-] only."
}

init_state() {
  check_state_path
  mkdir -p "$STATE" "$LOGS"
}
