#!/usr/bin/env bash
# testbed.sh up|down|status|env: the Tandem test bed of five real libvirt hosts
# with tiny real QEMU guests (what `npm run testbed` and CI call).
#
# Why: integration tests, and users who want to try Tandem with real guests,
# need libvirt hosts on one machine that behave like separate machines (own
# daemons, own host UUIDs, TCP, live migration between them) plus a guest
# that boots in seconds without KVM. Everything is built by these scripts on a
# fresh Debian 12 machine (as root); state lives in
# ${TANDEM_TESTBED_DIR:-<repo>/.testbed}. See test/testbed/README.md.
#
#   up      (default) install packages (if missing), build the guest (if inputs changed),
#           start the five hosts (if not running), write $STATE/testbed.env
#   down    remove the hosts' domains and stop every daemon/QEMU they started
#   status  show whether each host answers
#   env     print $STATE/testbed.env
set -euo pipefail

# shellcheck source=scripts/testbed/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: $0 up|down|status|env" >&2
  exit 2
}

cmd_up() {
  local t0=$SECONDS
  bash "$TESTBED_SCRIPTS/install-deps.sh"
  bash "$TESTBED_SCRIPTS/build-guest.sh"
  bash "$TESTBED_SCRIPTS/hosts.sh" start
  # shellcheck source=/dev/null
  . "$STATE/testbed.env"
  say "up in $((SECONDS - t0)) s"
  cat <<EOF

Tandem test bed is up: five libvirt hosts with QEMU (TCG, domain type 'qemu').
  host0  $TANDEM_TESTBED_HOST0_URI
  host1  $TANDEM_TESTBED_HOST1_URI
  host2  $TANDEM_TESTBED_HOST2_URI
  host3  $TANDEM_TESTBED_HOST3_URI  (SASL login: user $TANDEM_TESTBED_SASL_USER, password in the env file)
  host4  $TANDEM_TESTBED_NETHOST_URI
         (network host: own network namespace, starts libvirt networks: bridge + iptables + dnsmasq)
  guest kernel/initramfs: $TANDEM_TESTBED_KERNEL, $TANDEM_TESTBED_INITRD
  (guests with the QEMU guest agent boot $TANDEM_TESTBED_AGENT_INITRD)
  guest disks and serial logs: $TANDEM_TESTBED_IMAGES
  env file: $STATE/testbed.env

To try them in Tandem, add a connection per host with the URI above (host0 is
a local unix socket, needs Tandem to run as root; host1/host2 are plain TCP on
loopback addresses, no authentication, and can live-migrate guests between
each other with shared storage, i.e. --unsafe / VIR_MIGRATE_UNSAFE). Guests
boot with direct kernel boot from the kernel/initramfs above (see
test/testbed/README.md for a domain XML example and the serial protocol).
Stop everything (and delete the hosts' domains) with: npm run testbed -- down
EOF
}

main() {
  case "${1:-up}" in
    up) cmd_up ;;
    down) bash "$TESTBED_SCRIPTS/hosts.sh" stop ;;
    status) bash "$TESTBED_SCRIPTS/hosts.sh" status ;;
    env)
      [[ -f "$STATE/testbed.env" ]] || die "no $STATE/testbed.env: run '$0 up' first"
      cat "$STATE/testbed.env"
      ;;
    *) usage ;;
  esac
}

main "$@"
