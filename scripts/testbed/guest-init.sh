#!/bin/busybox sh
# shellcheck shell=sh
# /init of the Tandem test bed's tiny guest (copied into the initramfs by
# build-guest.sh; runs as PID 1 under busybox sh, never exits).
#
# Why: integration tests need a real guest that boots in seconds under TCG and
# tells, on its serial console (ttyS0), that it is up, that it keeps running
# (migration) and what its disk holds (snapshots / reverts / persistence).
# Serial protocol (one line each):
#   TANDEM-GUEST-READY id=<ID>       once, after acpid listens; ID from kernel param tandem.id= ("none" if absent)
#   tandem-disk-counter <N>          once, only if /dev/vda exists: first line of the raw disk (0 if absent/garbage)
#   tandem-seed: <line>              with tandem.seed=1: each line of user-data on the seed ISO
#   tandem-seed-missing              with tandem.seed=1 when no ISO with user-data was found
#   tandem-counter <n>               every second, n = 1, 2, 3...; then written (and synced) as first line of /dev/vda
#   tandem-poweroff                  on an ACPI power-button press (virsh shutdown), then the guest powers off
#   tandem-then <reboot|poweroff>    with tandem.then=: right before the guest reboots / powers off by itself
#   tandem-agent started             with tandem.agent=1, once qemu-ga runs on the org.qemu.guest_agent.0 port
#   tandem-agent-missing             with tandem.agent=1 when that port or qemu-ga cannot be found / started
#   tandem-net-address <if> <ip>/<n> with a virtio NIC: the DHCP lease udhcpc took on <if> (again only if it changes)
#   tandem-net-no-lease <if>         with a virtio NIC: no DHCP answer on <if> within ~30 s (udhcpc keeps trying)
#   tandem-net-peer <ip>             with a virtio NIC: another guest on the same link answered a ping to
#                                    224.0.0.1 (all hosts), once per address, for ~5 min after the lease
#   tandem-tpm-boot nv=<V>           with tandem.tpm=1, once at boot: the TPM NV index's value before this boot
#                                    wrote to it (V = the last counter a boot stored there, or "none")
#   tandem-tpm n=<n> nv=<V>          with tandem.tpm=1, every tick after tandem-counter <n>: the NV value read
#                                    (the previous tick's n, once a tick ran), before n is written to it
#   tandem-tpm-error <what> rc=<hex> with tandem.tpm=1 when the TPM refuses a command or is missing
#
# Opt-in kernel params (the default guest does none of this):
#   tandem.agent=1    load virtio_console, format /dev/vdb (ext2, mounted by the ext4 driver) and mount it on /mnt/data (a real
#                     block-backed filesystem for the agent's fsfreeze), bring up lo, start qemu-ga
#   tandem.balloon=1  load virtio_balloon (for a <memballoon model='virtio'/> device)
#   tandem.ip=<a.b.c.d>/<n>  with a virtio NIC: give the first interface this address instead of asking DHCP
#                     (a guest on a network without DHCP, whose address only its agent can tell)
#   tandem.tpm=1      talk to the TPM 2.0 (/dev/tpm0; tpm_crb / tpm_tis are built into the cloud kernel) with raw
#                     commands: an NV index (0x01500016, 8 bytes) holds the last counter written, so its value
#                     says which TPM state the guest runs on (checkpoint tests of TPM guests)
#   tandem.then=reboot|poweroff
#                     after its READY line (and disk counter), reboot (busybox reboot -f: a reset, as an
#                     installer's last step) or power off (poweroff -f) by itself
#   tandem.busy=<MiB> keep rewriting <MiB> MiB of RAM (a tmpfs file) with fresh random bytes, in the background:
#                     a guest that dirties memory all the time, for checkpoint and migration benchmarks
# Not a param but a device: a guest with a virtio NIC loads virtio_net and, after its READY line, runs
# busybox udhcpc on every interface (but a tandem.ip= one) in the background (sending its id as DHCP host name) and answers
# and sends pings to 224.0.0.1 to find its peers. Without a NIC none of this happens.

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH

/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp /mnt/seed
/bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
exec </dev/console >/dev/console 2>&1

# Modules, in dependency order (computed at build time from modules.dep).
if [ -f /lib/modules/load-order ]; then
  while read -r mod; do
    [ -n "$mod" ] && insmod "/lib/modules/$mod" 2>/dev/null
  done </lib/modules/load-order
fi

ID=none
SEED=0
AGENT=0
BALLOON=0
TPM=0
read -r cmdline </proc/cmdline
for word in $cmdline; do
  case "$word" in
    tandem.id=*) ID="${word#tandem.id=}" ;;
    tandem.seed=1) SEED=1 ;;
    tandem.agent=1) AGENT=1 ;;
    tandem.balloon=1) BALLOON=1 ;;
    tandem.busy=*) BUSY="${word#tandem.busy=}" ;;
    tandem.ip=*) STATIC_IP="${word#tandem.ip=}" ;;
    tandem.tpm=1) TPM=1 ;;
    tandem.then=*) THEN="${word#tandem.then=}" ;;
  esac
done

load_list() {
  [ -f "$1" ] || return 0
  while read -r mod; do
    [ -n "$mod" ] && insmod "/lib/modules/$mod" 2>/dev/null
  done <"$1"
}
[ "$AGENT" = 1 ] && load_list /lib/modules/load-order.agent
[ "$BALLOON" = 1 ] && load_list /lib/modules/load-order.balloon
NET=0
for dev in /sys/bus/virtio/devices/*; do
  [ "$(cat "$dev/device" 2>/dev/null)" = "0x0001" ] && NET=1
done
[ "$NET" = 1 ] && load_list /lib/modules/load-order.net

# udhcpc's event script: configures the interface and tells the serial line (udhcpc's own output is
# silenced). State per interface in /tmp/tandem-net.<if>: "<ip>/<prefix> <dhcp server>".
write_dhcp_script() {
  cat >/bin/tandem-dhcp-event <<'EOF'
#!/bin/busybox sh
state="/tmp/tandem-net.$interface"
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound | renew)
    new="$ip/$mask"
    old="$(cut -d' ' -f1 "$state" 2>/dev/null)"
    if [ "$new" != "$old" ]; then
      ip -4 addr flush dev "$interface"
      ip addr add "$new" dev "$interface"
      echo "$new $serverid" >"$state"
      echo "tandem-net-address $interface $new" >/dev/console
    fi
    ;;
  leasefail)
    if [ ! -e "$state.failed" ]; then
      : >"$state.failed"
      echo "tandem-net-no-lease $interface" >/dev/console
    fi
    ;;
esac
exit 0
EOF
  chmod 755 /bin/tandem-dhcp-event
}

# Peers: every 2 s, ping the all-hosts group on each interface that has a lease; every guest answers
# (icmp_echo_ignore_broadcasts=0 below) and busybox ping prints each reply's source. The DHCP server (the
# host's bridge) and this guest itself are not peers.
find_peers() {
  : >/tmp/tandem-peers
  rounds=0
  while [ "$rounds" -lt 150 ]; do
    rounds=$((rounds + 1))
    sleep 2
    for state in /tmp/tandem-net.*; do
      case "$state" in *.failed) continue ;; esac
      [ -f "$state" ] || continue
      iface="${state#/tmp/tandem-net.}"
      read -r mine server <"$state"
      ping -c 3 -w 2 -I "$iface" 224.0.0.1 2>/dev/null |
        sed -n 's/^[0-9]* bytes from \([0-9.]*\):.*/\1/p' |
        while read -r peer; do
          { [ "$peer" = "${mine%/*}" ] || [ "$peer" = "$server" ]; } && continue
          grep -qx "$peer" /tmp/tandem-peers && continue
          echo "$peer" >>/tmp/tandem-peers
          echo "tandem-net-peer $peer"
        done
    done
  done
}

net_up() {
  ip link set lo up
  echo 0 >/proc/sys/net/ipv4/icmp_echo_ignore_broadcasts
  write_dhcp_script
  for path in /sys/class/net/*; do
    iface="${path##*/}"
    [ "$iface" = lo ] && continue
    ip link set "$iface" up
    # Multicast needs a route (an isolated network's lease has no default route).
    ip route add 224.0.0.0/4 dev "$iface" 2>/dev/null
    if [ -n "$STATIC_IP" ]; then
      ip addr add "$STATIC_IP" dev "$iface"
      echo "$STATIC_IP none" >"/tmp/tandem-net.$iface"
      echo "tandem-net-address $iface $STATIC_IP"
      STATIC_IP=
      continue
    fi
    udhcpc -i "$iface" -f -t 30 -T 1 -A 5 -x "hostname:$ID" -s /bin/tandem-dhcp-event >/dev/null 2>&1 &
  done
  find_peers
}

# Virtio block devices bind synchronously when virtio_blk loads, but give the
# device node a moment to appear if the bus has one (virtio device id 2).
has_virtio_blk=0
for dev in /sys/bus/virtio/devices/*; do
  [ "$(cat "$dev/device" 2>/dev/null)" = "0x0002" ] && has_virtio_blk=1
done
if [ "$has_virtio_blk" = 1 ]; then
  tries=0
  while [ ! -b /dev/vda ] && [ "$tries" -lt 50 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
fi

# Graceful shutdown (virsh shutdown = ACPI power button): busybox acpid runs
# /etc/acpi/PWRF/00000080 on that event (needs the button + evdev modules).
if [ -e /dev/input/event0 ]; then
  mkdir -p /etc/acpi/PWRF
  printf '#!/bin/sh\necho tandem-poweroff >/dev/console\nsync\npoweroff -f\n' >/etc/acpi/PWRF/00000080
  chmod 755 /etc/acpi/PWRF/00000080
  echo 'PWRF PWRF/00000080' >/etc/acpid.conf
  acpid -c /etc/acpi -a /etc/acpid.conf -l /dev/null -p /tmp/acpid.pid 2>/dev/null
  # acpid forks before it opens the input devices, and a button press nobody has open is dropped: a test that
  # shuts the guest down right after its READY line would wait for nothing. It writes its pid file once the
  # devices are open: READY comes after that.
  tries=0
  while [ ! -s /tmp/acpid.pid ] && [ "$tries" -lt 50 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
fi

# The guest agent: a data filesystem it can freeze, loopback for its interface list, then qemu-ga on the
# virtio-serial port libvirt named org.qemu.guest_agent.0 (no udev here: find /dev/vportNpM by its name).
if [ "$AGENT" = 1 ]; then
  ip link set lo up 2>/dev/null
  tries=0
  while [ ! -b /dev/vdb ] && [ "$tries" -lt 30 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  if [ -b /dev/vdb ]; then
    mkdir -p /mnt/data
    mount -t ext4 /dev/vdb /mnt/data 2>/dev/null || { mke2fs -q /dev/vdb >/dev/null 2>&1 && mount -t ext4 /dev/vdb /mnt/data; }
  fi
  port=
  tries=0
  while [ -z "$port" ] && [ "$tries" -lt 30 ]; do
    for name in /sys/class/virtio-ports/*/name; do
      if [ "$(cat "$name" 2>/dev/null)" = org.qemu.guest_agent.0 ]; then
        dir="${name%/name}"
        [ -c "/dev/${dir##*/}" ] && port="/dev/${dir##*/}"
      fi
    done
    if [ -z "$port" ]; then
      sleep 0.1
      tries=$((tries + 1))
    fi
  done
  mkdir -p /run /var/run
  if [ -n "$port" ] && [ -x /usr/sbin/qemu-ga ]; then
    /usr/sbin/qemu-ga -m virtio-serial -p "$port" -t /run -f /run/qemu-ga.pid -l /tmp/qemu-ga.log &
    echo "tandem-agent started"
  else
    echo "tandem-agent-missing"
  fi
fi

echo "TANDEM-GUEST-READY id=$ID"

[ "$NET" = 1 ] && net_up &

DISK=
if [ -b /dev/vda ]; then
  stored="$(dd if=/dev/vda bs=512 count=1 2>/dev/null | tr -d '\000' | head -n 1)"
  case "$stored" in
    '' | *[!0-9]*) stored=0 ;;
  esac
  # No leading zeros (ash would read them as octal), at most 18 digits.
  stored="$(echo "$stored" | sed -e 's/^0*//' -e 's/^$/0/' | cut -c1-18)"
  echo "tandem-disk-counter $stored"
  [ "$(cat /sys/block/vda/ro 2>/dev/null)" = 1 ] || DISK=/dev/vda
fi

case "${THEN:-}" in
  reboot | poweroff)
    echo "tandem-then $THEN"
    sync
    "$THEN" -f
    ;;
esac

if [ "$SEED" = 1 ]; then
  found=0
  tries=0
  while [ "$found" = 0 ] && [ "$tries" -lt 50 ]; do
    for dev in /dev/sr0 /dev/sr1 /dev/vdb /dev/vdc /dev/vda /dev/sda /dev/sdb; do
      [ -b "$dev" ] || continue
      if mount -t iso9660 -o ro "$dev" /mnt/seed 2>/dev/null; then
        if [ -f /mnt/seed/user-data ]; then
          while IFS= read -r line || [ -n "$line" ]; do
            echo "tandem-seed: $line"
          done </mnt/seed/user-data
          found=1
        fi
        umount /mnt/seed
        [ "$found" = 1 ] && break
      fi
    done
    if [ "$found" = 0 ]; then
      sleep 0.1
      tries=$((tries + 1))
    fi
  done
  [ "$found" = 1 ] || echo "tandem-seed-missing"
fi

# Raw TPM 2.0 commands (TPM2_NV_DefineSpace / NV_Write / NV_Read, each with a password session of empty
# auth) on fd 3, /dev/tpm0 kept open: the kernel wants a whole command in one write() and its response read
# from the same open file. dd with iflag=fullblock turns printf's output into that single write.
TPM_IDX='\x01\x50\x00\x16'
TPM_PW='\x00\x00\x00\x09\x40\x00\x00\x09\x00\x00\x00\x00\x00'
tpm_send() { # tpm_send LENGTH PRINTF_FORMAT: the response's code (8 hex digits) on stdout, its bytes in /tmp/tpm.rsp
  # shellcheck disable=SC2059 # the format is the command: its \x escapes are the bytes to send
  printf "$2" | dd bs="$1" count=1 iflag=fullblock >&3 2>/dev/null
  dd bs=4096 count=1 <&3 >/tmp/tpm.rsp 2>/dev/null
  dd if=/tmp/tpm.rsp bs=1 skip=6 count=4 2>/dev/null | od -An -tx1 | tr -d ' \n'
}
tpm_read() { # the index's value (digits, no leading zeros), "none" when it does not exist
  rc="$(tpm_send 35 "\x80\x02\x00\x00\x00\x23\x00\x00\x01\x4e$TPM_IDX$TPM_IDX$TPM_PW\x00\x08\x00\x00")"
  case "$rc" in
    00000000) dd if=/tmp/tpm.rsp bs=1 skip=16 count=8 2>/dev/null | sed -e 's/^0*//' -e 's/^$/0/' ;;
    0000018b | 0000028b) echo none ;; # TPM_RC_HANDLE: the index is not defined yet
    0000014a) echo none ;; # TPM_RC_NV_UNINITIALIZED: defined, never written
    *) echo "error-$rc" ;;
  esac
}
tpm_write() { # tpm_write N: N as 8 ASCII digits into the index
  rc="$(tpm_send 43 "\x80\x02\x00\x00\x00\x2b\x00\x00\x01\x37$TPM_IDX$TPM_IDX$TPM_PW\x00\x08$(printf '%08d' "$1")\x00\x00")"
  [ "$rc" = 00000000 ] || echo "tandem-tpm-error write rc=$rc"
}
if [ "$TPM" = 1 ]; then
  # (a failed redirection of exec would end this shell, PID 1: test first)
  if [ -c /dev/tpm0 ]; then
    exec 3<>/dev/tpm0
    nv="$(tpm_read)"
    if [ "$nv" = none ]; then
      # Owner hierarchy (empty auth): index 0x01500016, SHA-256, AUTHWRITE|AUTHREAD|NO_DA, 8 bytes.
      rc="$(tpm_send 45 "\x80\x02\x00\x00\x00\x2d\x00\x00\x01\x2a\x40\x00\x00\x01$TPM_PW\x00\x00\x00\x0e$TPM_IDX\x00\x0b\x02\x04\x00\x04\x00\x00\x00\x08")"
      [ "$rc" = 00000000 ] || echo "tandem-tpm-error define rc=$rc"
    fi
    echo "tandem-tpm-boot nv=$nv"
  else
    echo "tandem-tpm-error open rc=none"
    TPM=0
  fi
fi

if [ -n "$BUSY" ]; then
  mkdir -p /busy
  mount -t tmpfs -o size="$((BUSY + 8))m" busy /busy
  (while true; do dd if=/dev/urandom of=/busy/pages bs=1M count="$BUSY" conv=notrunc 2>/dev/null; done) &
fi

n=0
while true; do
  n=$((n + 1))
  echo "tandem-counter $n"
  if [ -n "$DISK" ]; then
    printf '%s\n' "$n" | dd of="$DISK" bs=512 conv=notrunc,fsync 2>/dev/null
    sync
  fi
  if [ "$TPM" = 1 ]; then
    echo "tandem-tpm n=$n nv=$(tpm_read)"
    tpm_write "$n"
  fi
  sleep 1
done
