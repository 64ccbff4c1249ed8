#!/usr/bin/env bash
# Install the Debian packages the Tandem test bed needs (libvirt daemon + QEMU
# driver, QEMU for x86 with UEFI firmware and a TPM emulator, guest-building and ISO-building tools,
# isolinux for the bootable installer ISO of the tiny guest, dnsmasq + iptables with which libvirt starts
# virtual networks on the network host).
#
# Why: CI (.ci/run) and users start from a fresh Debian 12 machine; every
# install step must live in the project's own scripts, be idempotent (nothing
# is done when everything is installed) and quiet (apt output goes to
# $STATE/logs/install-deps.log, only short progress lines are printed).
#
# It also creates the libvirt-qemu system user/group libvirt's QEMU driver
# insists on (see ensure_qemu_account).
#
# It does NOT start any system libvirt service: only libvirt-daemon (binaries)
# is installed, with --no-install-recommends, so libvirt-daemon-system (the
# package carrying the distro's libvirtd service) is not pulled in. Should a
# system libvirtd run anyway, the test bed's daemons do not collide with it:
# they live in private mount namespaces (own /run/libvirt, sockets, pidfiles)
# and listen on TCP port 16510 of 127.0.0.2/127.0.0.3 only (127.0.N.x for TANDEM_TESTBED_SLOT=N).
set -euo pipefail

# shellcheck source=scripts/testbed/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGES=(
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libvirt-dev
  qemu-system-x86 qemu-utils ovmf swtpm swtpm-tools
  busybox-static cpio kmod xz-utils
  sasl2-bin libsasl2-modules qemu-guest-agent
  xorriso genisoimage isolinux syslinux-common
  virtinst libxml2-utils
  iproute2 util-linux
  dnsmasq-base iptables
)

is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == installed ]]
}

# libvirt's QEMU driver (Debian build) looks up the compiled-in default user
# and group "libvirt-qemu" before it reads qemu.conf, and refuses to start
# when they do not exist. They are normally created by libvirt-daemon-system,
# which we do not install (it brings the system service); create them the same
# way (system accounts, no login, no home folder created).
ensure_qemu_account() {
  if ! getent group libvirt-qemu >/dev/null; then
    groupadd --system libvirt-qemu
    say "accounts: created system group libvirt-qemu"
  fi
  if ! getent passwd libvirt-qemu >/dev/null; then
    useradd --system --gid libvirt-qemu --no-create-home --home-dir /var/lib/libvirt \
      --shell /usr/sbin/nologin --comment "Libvirt Qemu" libvirt-qemu
    say "accounts: created system user libvirt-qemu"
  fi
}

main() {
  require_root "install-deps.sh"
  command -v apt-get >/dev/null || die "apt-get not found: the test bed supports Debian 12 (bookworm) only."
  init_state
  local log="$LOGS/install-deps.log" missing=() p
  for p in "${PACKAGES[@]}"; do
    is_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    say "packages: all ${#PACKAGES[@]} present"
    ensure_qemu_account
    return 0
  fi
  say "packages: installing ${missing[*]} (log: $log)"
  : >"$log"
  export DEBIAN_FRONTEND=noninteractive
  run_logged "$log" apt-get -q update
  run_logged "$log" apt-get -q -y -o Dpkg::Use-Pty=0 install --no-install-recommends "${missing[@]}"
  for p in "${missing[@]}"; do
    is_installed "$p" || { show_tail "$log"; die "package $p still not installed after apt-get install"; }
  done
  if [[ -S /run/libvirt/libvirt-sock ]]; then
    say "note: a system libvirtd socket exists at /run/libvirt/libvirt-sock; left alone (the test bed uses private namespaces)"
  fi
  say "packages: done"
  ensure_qemu_account
}

main "$@"
