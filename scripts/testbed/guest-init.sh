#!/bin/busybox sh
# shellcheck shell=sh
# /init of the Tandem test bed's tiny guest (copied into the initramfs by
# build-guest.sh; runs as PID 1 under busybox sh, never exits).
#
# Why: integration tests need a real guest that boots in seconds under TCG and
# tells, on its serial console (ttyS0), that it is up, that it keeps running
# (migration) and what its disk holds (snapshots / reverts / persistence).
# Serial protocol (one line each):
#   TANDEM-GUEST-READY id=<ID>       once; ID from kernel param tandem.id= ("none" if absent)
#   tandem-disk-counter <N>          once, only if /dev/vda exists: first line of the raw disk (0 if absent/garbage)
#   tandem-seed: <line>              with tandem.seed=1: each line of user-data on the seed ISO
#   tandem-seed-missing              with tandem.seed=1 when no ISO with user-data was found
#   tandem-counter <n>               every second, n = 1, 2, 3...; also written as first line of /dev/vda
#   tandem-poweroff                  on an ACPI power-button press (virsh shutdown), then the guest powers off
#   tandem-then <reboot|poweroff>    with tandem.then=: right before the guest reboots / powers off by itself
#   tandem-agent started             with tandem.agent=1, once qemu-ga runs on the org.qemu.guest_agent.0 port
#   tandem-agent-missing             with tandem.agent=1 when that port or qemu-ga cannot be found / started
#
# Opt-in kernel params (the default guest does none of this):
#   tandem.agent=1    load virtio_console, format /dev/vdb (ext2, mounted by the ext4 driver) and mount it on /mnt/data (a real
#                     block-backed filesystem for the agent's fsfreeze), bring up lo, start qemu-ga
#   tandem.balloon=1  load virtio_balloon (for a <memballoon model='virtio'/> device)
#   tandem.then=reboot|poweroff
#                     after its READY line (and disk counter), reboot (busybox reboot -f: a reset, as an
#                     installer's last step) or power off (poweroff -f) by itself
#   tandem.busy=<MiB> keep rewriting <MiB> MiB of RAM (a tmpfs file) with fresh random bytes, in the background:
#                     a guest that dirties memory all the time, for checkpoint and migration benchmarks

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
read -r cmdline </proc/cmdline
for word in $cmdline; do
  case "$word" in
    tandem.id=*) ID="${word#tandem.id=}" ;;
    tandem.seed=1) SEED=1 ;;
    tandem.agent=1) AGENT=1 ;;
    tandem.balloon=1) BALLOON=1 ;;
    tandem.busy=*) BUSY="${word#tandem.busy=}" ;;
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
  acpid -c /etc/acpi -a /etc/acpid.conf -l /dev/null 2>/dev/null
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
  sleep 1
done
