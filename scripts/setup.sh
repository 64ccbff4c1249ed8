#!/usr/bin/env bash
# setup.sh [--for-tests]: everything Tandem needs on a fresh Debian 12 machine, installed by the project
# itself, each step skipped when already done: Debian packages (libvirt's library and headers for the native
# binding; with --for-tests also the QEMU test bed's packages and Chromium), npm packages (which bring Node 22
# as the `node` package, see README), the native libvirt addon and the renderer.
#
# Called by scripts/start.sh and scripts/test.sh; safe to run again at any time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FOR_TESTS=0
[[ "${1:-}" == "--for-tests" ]] && FOR_TESTS=1

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }
mkdir -p "$ROOT/.setup-logs"
LOG="$ROOT/.setup-logs/setup.log"

# --- Debian packages -------------------------------------------------------------------------------------
# osinfo-db: the OS database of the provisioning wizard; libxxhash-dev: the delta engine's hash; qemu-utils:
# qemu-img, for checkpoint overlays, merges and copies on local hosts; xorriso: the cloud-init seed ISO of a
# deployed VM.
APP_PACKAGES=(libvirt0 libvirt-dev libxxhash-dev pkg-config python3 make g++ osinfo-db qemu-utils xorriso)
# gnome-keyring + dbus (+ dbus-x11) + libsecret-tools: a private, real Secret Service for the keychain tests
# (test/support/secretService.ts starts dbus-daemon and gnome-keyring-daemon; secret-tool reads back).
# libvirt-clients + libxml2-utils: virt-xml-validate checks generated domain XML against libvirt's schema;
# genisoimage: isoinfo reads the seed ISO back.
TEST_PACKAGES=(chromium fonts-dejavu-core valgrind gnome-keyring dbus dbus-x11 libsecret-tools libvirt-clients libxml2-utils genisoimage)

is_installed() { [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == installed ]]; }

install_packages() {
  local missing=() p
  for p in "$@"; do is_installed "$p" || missing+=("$p"); done
  ((${#missing[@]} == 0)) && return 0
  if [[ "$(id -u)" -ne 0 ]]; then
    die "missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install --no-install-recommends ${missing[*]}"
  fi
  say "installing ${missing[*]} (apt, log in $LOG)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$LOG" 2>&1 || die "apt-get update failed; see $LOG"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 ||
    { tail -n 20 "$LOG" >&2; die "apt-get install failed; see $LOG"; }
}

command -v dpkg-query >/dev/null || die "this setup supports Debian 12 (bookworm); see README for other systems"
install_packages "${APP_PACKAGES[@]}"
if ((FOR_TESTS)); then
  install_packages "${TEST_PACKAGES[@]}"
  bash "$ROOT/scripts/testbed/install-deps.sh"
fi

# --- npm packages ----------------------------------------------------------------------------------------
# Electron's binary cannot be downloaded on offline machines; its npm package is needed for types and Forge.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
if [[ ! -x node_modules/.bin/node || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages (npm ci, log in $LOG)"
  npm ci --no-audit --no-fund >>"$LOG" 2>&1 || { tail -n 30 "$LOG" >&2; die "npm ci failed; see $LOG"; }
fi
export PATH="$ROOT/node_modules/.bin:$PATH"
node -e 'const [maj, min] = process.versions.node.split(".").map(Number); if (maj < 22 || (maj === 22 && min < 12)) process.exit(1)' ||
  die "node_modules/.bin/node is not Node >= 22.12 ($(node --version)); remove node_modules and run again"

# --- builds ----------------------------------------------------------------------------------------------
newer_than() { # newer_than TARGET PATH...: true when TARGET is missing or older than any file under PATHs
  [[ -e "$1" ]] || return 0
  local target="$1"
  shift
  [[ -n "$(find "$@" -newer "$target" -type f -print -quit 2>/dev/null)" ]]
}

if newer_than native-helpers/libvirt/build/Release/tandem_libvirt.node native-helpers/libvirt/src native-helpers/libvirt/binding.gyp ||
  newer_than native-helpers/delta/build/Release/tandem_delta.node native-helpers/delta/src native-helpers/delta/binding.gyp; then
  say "building the native addons (libvirt binding, delta engine)"
  # N-API addons are ABI-stable: building against the machine's Node headers serves Node 22 and Electron.
  npm_config_nodedir="${npm_config_nodedir:-/usr}" npm run -s build:native >>"$LOG" 2>&1 ||
    { grep -E "error|Error" "$LOG" | tail -n 20 >&2; die "native build failed; see $LOG"; }
fi

if newer_than dist/renderer/index.html renderer preload/contract.ts preload/client.ts; then
  say "building the renderer"
  npm run -s build:renderer >>"$LOG" 2>&1 || { tail -n 30 "$LOG" >&2; die "renderer build failed; see $LOG"; }
fi
say "ready (Node $(node --version))"
