#!/usr/bin/env bash
# start.sh: set up (if needed) and run Tandem. In Electron when its binary is present; otherwise, as on an
# offline machine where it cannot be downloaded, in browser mode: the same app, served on 127.0.0.1.
# With nothing configured and no local libvirt, Tandem shows its embedded demo host.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
export PATH="$ROOT/node_modules/.bin:$PATH"
# libvirt calls run on libuv's thread pool (4 threads by default); a host that is dialing or slow holds one,
# so give the other hosts and the file system room.
export UV_THREADPOOL_SIZE="${UV_THREADPOOL_SIZE:-16}"

if node scripts/electron-available.mjs; then
  exec npm run -s electron:start -- "$@"
fi
echo "Electron's binary is not installed here (it cannot be downloaded on this machine): starting Tandem in browser mode."
URL_FILE="$(mktemp)"
node node_modules/.bin/tsx main/server/cli.ts --url-file "$URL_FILE" "$@" &
SERVER=$!
OPEN_FILE=""
# On Ctrl-C or a SIGTERM (npm passes it to this script: package.json's `exec`), the server is asked to stop
# and awaited, so it has released its hosts and its port when this script ends. The copies of the signal
# that follow (npm forwards Ctrl-C too) must not cut that wait short; a second Ctrl-C still reaches the
# server itself, which then quits at once.
stop_server() {
  rm -f "$URL_FILE" ${OPEN_FILE:+"$OPEN_FILE"}
  trap '' INT TERM
  { kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; } || true
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for _ in $(seq 1 100); do [[ -s "$URL_FILE" ]] && break; kill -0 $SERVER 2>/dev/null || break; sleep 0.1; done
if [[ -s "$URL_FILE" && -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]] && command -v xdg-open >/dev/null; then
  # The URL carries the access token: a command line is readable by every local user (/proc/*/cmdline), so
  # the browser is given a private file that redirects to it, never the URL itself.
  OPEN_FILE="$(mktemp --suffix=.html)"
  chmod 600 "$OPEN_FILE"
  printf '<!doctype html><meta http-equiv="refresh" content="0;url=%s"><title>Tandem</title>\n' "$(cat "$URL_FILE")" >"$OPEN_FILE"
  xdg-open "$OPEN_FILE" >/dev/null 2>&1 || true
fi
wait $SERVER
