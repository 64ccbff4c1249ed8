#!/usr/bin/env bash
# Build the test bed's tiny guest: $STATE/guest/vmlinuz + $STATE/guest/initramfs.img
# (+ initramfs-agent.img for guests that run the QEMU guest agent, + tandem-install.iso,
# the same guest as a bootable "installer" ISO, and tandem-install-reboots.iso, one whose guest reboots).
#
# Why: integration tests need real QEMU guests that boot in a few seconds under
# TCG and talk on their serial console (see guest-init.sh for the protocol),
# without any image download beyond Debian's apt mirror.
#
# What:
# - kernel: the package linux-image-cloud-amd64 depends on (e.g.
#   linux-image-6.1.0-NN-cloud-amd64) is fetched with `apt-get download` into
#   $STATE/cache/ (kept, so reruns are fast and work offline) and unpacked with
#   `dpkg -x` into a private folder: never installed, no initramfs triggers;
# - initramfs (gzip'ed newc cpio): busybox-static as /bin/busybox,
#   guest-init.sh as /init, and only the kernel modules the guest needs
#   (virtio block, CD-ROM/ISO access for a seed ISO, ACPI power button for
#   graceful shutdown) plus their dependencies
#   from modules.dep, decompressed if the package ships them compressed;
# - for guests with opt-in devices (kernel params, see guest-init.sh), more
#   modules in separate load lists that only those guests load:
#   tandem.agent=1 (virtio_console for the agent channel, ext4 for the data
#   disk it can freeze) and tandem.balloon=1 (virtio_balloon); and one that
#   guests with a virtio NIC load (virtio_net with failover/net_failover, all
#   modules of the cloud kernel), whatever their params;
# - initramfs-agent.img: the same archive followed by a second one (the kernel
#   unpacks concatenated cpio archives in order) holding the real QEMU guest
#   agent (/usr/sbin/qemu-ga of qemu-guest-agent) with the shared libraries ldd
#   lists for it and the dynamic loader, at their host paths. Only agent guests
#   boot it (guest-init.sh starts qemu-ga with tandem.agent=1), so the default
#   guest does not unpack ~6 MB of libraries it never runs;
# - tandem-install.iso: a BIOS-bootable ISO 9660 (isolinux, El Torito no-emulation
#   boot) holding the same kernel + initramfs, booted with console=ttyS0 and
#   tandem.id=installer: what deploying from install media boots from a CD-ROM
#   (isolinux also prints its banner on the serial port, so a test sees the
#   firmware booted the CD). The firmware reads SATA CD-ROMs (q35) too; the
#   guest kernel cannot (Debian's cloud kernel is built without AHCI), so only
#   IDE CD-ROMs are readable from inside it. Built with xorriso, as the seed ISOs are;
# - tandem-install-reboots.iso: the same ISO whose guest reboots itself (tandem.then=reboot) right
#   after its READY line, as an installer ends: what the installer's first reboot is tested with;
# - rebuilds only when an input changed (stamp file with input hashes).
set -euo pipefail

# shellcheck source=scripts/testbed/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

META_PKG=linux-image-cloud-amd64
# Modules wanted in the guest; those built into the kernel are skipped.
# Required ones make the build fail when neither modular nor built in.
REQUIRED_MODULES=(virtio_pci virtio_blk isofs)
OPTIONAL_MODULES=(virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev
  cdrom sr_mod scsi_mod libata ata_piix ata_generic virtio_scsi button evdev)
# Per opt-in feature (guest-init.sh loads lib/modules/load-order.<feature>); required when listed.
AGENT_MODULES=(virtio_console ext4) # ext4 (built into the cloud kernel) mounts the ext2 data disk
BALLOON_MODULES=(virtio_balloon)
# Loaded only when the guest has a virtio NIC (guest-init.sh looks for virtio device id 1).
NET_MODULES=(virtio_net)
QEMU_GA=/usr/sbin/qemu-ga
# isolinux (Debian packages isolinux + syslinux-common): the El Torito boot image and its core module.
ISOLINUX_BIN=/usr/lib/ISOLINUX/isolinux.bin
LDLINUX_C32=/usr/lib/syslinux/modules/bios/ldlinux.c32

GUEST="$STATE/guest"
CACHE="$STATE/cache"
LOG="$LOGS/build-guest.log"

# Name of the versioned kernel package behind the metapackage, or "" if apt
# cannot tell (no package lists, offline).
resolve_kernel_pkg() {
  apt-cache depends "$META_PKG" 2>/dev/null |
    awk '/^ *Depends: linux-image-[0-9]/ { print $2; exit }'
}

# Path of the kernel .deb in the cache, downloading it if needed.
fetch_kernel_deb() {
  local pkg deb
  pkg="$(resolve_kernel_pkg)"
  if [[ -z "$pkg" ]]; then
    printf '\n$ apt-get -q update (no candidate for %s yet)\n' "$META_PKG" >>"$LOG"
    DEBIAN_FRONTEND=noninteractive apt-get -q update >>"$LOG" 2>&1 || true
    pkg="$(resolve_kernel_pkg)"
  fi
  if [[ -n "$pkg" ]]; then
    deb="$(find "$CACHE" -maxdepth 1 -name "${pkg}_*_amd64.deb" | sort -V | tail -n 1)"
    if [[ -z "$deb" ]]; then
      say "guest: downloading $pkg (apt-get download)" >&2
      local tmp
      tmp="$(mktemp -d "$CACHE/dl.XXXXXX")"
      # apt downloads as its _apt user when that user can write the folder.
      if id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
      (cd "$tmp" && apt-get -q download "$pkg") >>"$LOG" 2>&1 || {
        rm -rf "$tmp"
        show_tail "$LOG"
        die "apt-get download $pkg failed"
      }
      mv "$tmp"/*.deb "$CACHE"/
      rm -rf "$tmp"
      deb="$(find "$CACHE" -maxdepth 1 -name "${pkg}_*_amd64.deb" | sort -V | tail -n 1)"
    fi
  else
    # Offline and without package lists: use what an earlier run cached.
    deb="$(find "$CACHE" -maxdepth 1 -name 'linux-image-*-cloud-amd64_*_amd64.deb' | sort -V | tail -n 1)"
    [[ -n "$deb" ]] || die "cannot resolve $META_PKG (apt-cache depends) and no kernel .deb cached in $CACHE"
  fi
  [[ -s "$deb" ]] || die "kernel package not found in $CACHE"
  printf '%s\n' "$deb"
}

# Depth-first walk of modules.dep: prints the module's dependencies, then the
# module itself (paths relative to lib/modules/<kver>/). Uses globals
# MODDEP (assoc: path -> deps), MODPATH (assoc: name -> path), SEEN.
declare -A MODDEP=() MODPATH=() SEEN=()
ORDER=()
visit_module() {
  local path="$1" dep
  [[ -n "${SEEN[$path]:-}" ]] && return 0
  SEEN[$path]=1
  for dep in ${MODDEP[$path]:-}; do
    visit_module "$dep"
  done
  ORDER+=("$path")
}

load_modules_dep() {
  local moddir="$1" line path deps name
  while IFS= read -r line; do
    path="${line%%:*}"
    deps="${line#*:}"
    MODDEP[$path]="$deps"
    name="${path##*/}"
    name="${name%%.ko*}"
    MODPATH[${name//-/_}]="$path"
  done <"$moddir/modules.dep"
}

is_builtin() {
  local moddir="$1" name="$2"
  [[ -f "$moddir/modules.builtin" ]] || return 1
  sed -e 's#.*/##' -e 's#\.ko$##' -e 's#-#_#g' "$moddir/modules.builtin" | grep -qx "$name"
}

# collect_modules MODDIR KVER "REQUIRED..." NAME...: appends to ORDER the module
# files of NAME... (dependencies first, each module once across calls).
collect_modules() {
  local moddir="$1" kver="$2" required=" $3 " m path
  shift 3
  for m in "$@"; do
    path="${MODPATH[$m]:-}"
    if [[ -n "$path" ]]; then
      visit_module "$path"
    elif is_builtin "$moddir" "$m"; then
      printf 'module %s: built in\n' "$m" >>"$LOG"
    elif [[ "$required" == *" $m "* ]]; then
      die "kernel $kver has module $m neither as a module nor built in"
    else
      printf 'module %s: not available (skipped)\n' "$m" >>"$LOG"
    fi
  done
}

# pack_modules MODDIR LIST_FILE PATH...: copies (decompressed) modules into the
# staging lib/modules/ and writes their load order to LIST_FILE.
pack_modules() {
  local moddir="$1" list="$2" path m out
  shift 2
  : >"$list"
  for path in "$@"; do
    m="${path##*/}"
    out="${m%%.ko*}.ko"
    case "$m" in
      *.ko) cp "$moddir/$path" "$(dirname "$list")/$out" ;;
      *.ko.xz) xz -dc "$moddir/$path" >"$(dirname "$list")/$out" ;;
      *.ko.zst) command -v zstd >/dev/null || die "zstd needed for $path"; zstd -qdc "$moddir/$path" >"$(dirname "$list")/$out" ;;
      *.ko.gz) gzip -dc "$moddir/$path" >"$(dirname "$list")/$out" ;;
      *) die "unsupported module file $path" ;;
    esac
    printf '%s\n' "$out" >>"$list"
  done
  printf 'modules in %s (load order): %s\n' "${list##*/}" "$(tr '\n' ' ' <"$list")" >>"$LOG"
}

# The guest agent binary plus every shared library ldd resolves for it (and the
# loader), copied to the same paths in the initramfs.
pack_qemu_ga() {
  local staging="$1" lib
  mkdir -p "$staging/usr/sbin"
  cp "$QEMU_GA" "$staging/usr/sbin/qemu-ga"
  while IFS= read -r lib; do
    [[ -n "$lib" ]] || continue
    mkdir -p "$staging$(dirname "$lib")"
    cp -L "$lib" "$staging$lib"
  done < <(ldd "$QEMU_GA" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]+ \(/ { print $1 }')
  printf 'qemu-ga libraries: %s\n' "$(ldd "$QEMU_GA" | awk '/=> \// { print $3 }' | tr '\n' ' ')" >>"$LOG"
}

# build_install_iso KERNEL INITRD OUT TREE [PARAMS]: the guest as a bootable installer ISO (isolinux, BIOS),
# its files staged in the new folder TREE; PARAMS are more kernel parameters.
build_install_iso() {
  local kernel="$1" initrd="$2" out="$3" tree="$4" params="${5:-}"
  mkdir -p "$tree/isolinux" "$tree/boot"
  cp "$ISOLINUX_BIN" "$LDLINUX_C32" "$tree/isolinux/"
  cp "$kernel" "$tree/boot/vmlinuz"
  cp "$initrd" "$tree/boot/initramfs.img"
  # SERIAL 0: isolinux talks on ttyS0 too (its banner is the sign the firmware booted the CD).
  cat >"$tree/isolinux/isolinux.cfg" <<CFG
SERIAL 0 115200
DEFAULT installer
PROMPT 0
TIMEOUT 1
LABEL installer
  KERNEL /boot/vmlinuz
  INITRD /boot/initramfs.img
  APPEND console=ttyS0 quiet panic=-1 tandem.id=installer${params:+ $params}
CFG
  run_logged "$LOG" xorriso -as mkisofs -quiet -V TANDEM_INSTALL -J -R \
    -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
    -o "$out" "$tree"
}

build() {
  local deb="$1" stamp="$2"
  local kdir="$CACHE/kernel" staging agent_staging moddir kver vmlinuz
  say "guest: building kernel + initramfs (log: $LOG)"

  # Unpack the kernel package into a private folder (no install, no triggers).
  rm -rf "$kdir"
  mkdir -p "$kdir"
  run_logged "$LOG" dpkg -x "$deb" "$kdir"
  kver="$(find "$kdir/lib/modules" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | head -n 1)"
  [[ -n "$kver" ]] || die "no lib/modules/<version> in $deb"
  moddir="$kdir/lib/modules/$kver"
  vmlinuz="$kdir/boot/vmlinuz-$kver"
  [[ -f "$vmlinuz" ]] || die "no boot/vmlinuz-$kver in $deb"
  if [[ ! -f "$moddir/modules.dep" ]]; then
    # The package ships no modules.dep (depmod runs at install time): make one.
    command -v depmod >/dev/null || die "depmod (kmod) is needed to compute module dependencies"
    run_logged "$LOG" depmod -b "$kdir" "$kver"
  fi
  load_modules_dep "$moddir"

  collect_modules "$moddir" "$kver" "${REQUIRED_MODULES[*]}" "${REQUIRED_MODULES[@]}" "${OPTIONAL_MODULES[@]}"
  local base_order=("${ORDER[@]}")
  ORDER=()
  collect_modules "$moddir" "$kver" "${AGENT_MODULES[*]}" "${AGENT_MODULES[@]}"
  local agent_order=("${ORDER[@]}")
  ORDER=()
  collect_modules "$moddir" "$kver" "${BALLOON_MODULES[*]}" "${BALLOON_MODULES[@]}"
  local balloon_order=("${ORDER[@]}")
  ORDER=()
  collect_modules "$moddir" "$kver" "${NET_MODULES[*]}" "${NET_MODULES[@]}"
  local net_order=("${ORDER[@]}")

  staging="$(mktemp -d "$GUEST/.staging.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -rf '$staging'" EXIT
  mkdir -p "$staging"/{bin,dev,proc,sys,tmp,mnt/seed,lib/modules}
  cp /bin/busybox "$staging/bin/busybox"
  install -m 0755 "$TESTBED_SCRIPTS/guest-init.sh" "$staging/init"
  mknod -m 600 "$staging/dev/console" c 5 1
  mknod -m 666 "$staging/dev/null" c 1 3

  pack_modules "$moddir" "$staging/lib/modules/load-order" "${base_order[@]}"
  pack_modules "$moddir" "$staging/lib/modules/load-order.agent" "${agent_order[@]}"
  pack_modules "$moddir" "$staging/lib/modules/load-order.balloon" "${balloon_order[@]}"
  pack_modules "$moddir" "$staging/lib/modules/load-order.net" "${net_order[@]}"
  agent_staging="$(mktemp -d "$GUEST/.staging-agent.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: the paths are fixed
  trap "rm -rf '$staging' '$agent_staging'" EXIT
  pack_qemu_ga "$agent_staging"

  (cd "$staging" && find . -print0 | LC_ALL=C sort -z |
    cpio --null --quiet -o -H newc -R 0:0 | gzip -9n) >"$GUEST/initramfs.img.tmp"
  cp "$GUEST/initramfs.img.tmp" "$GUEST/initramfs-agent.img.tmp"
  (cd "$agent_staging" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
    cpio --null --quiet -o -H newc -R 0:0 | gzip -9n) >>"$GUEST/initramfs-agent.img.tmp"
  cp "$vmlinuz" "$GUEST/vmlinuz.tmp"
  # Staged inside the (already packed) initramfs staging folder, so the EXIT trap removes it too.
  build_install_iso "$vmlinuz" "$GUEST/initramfs.img.tmp" "$GUEST/tandem-install.iso.tmp" "$staging/.install-iso"
  build_install_iso "$vmlinuz" "$GUEST/initramfs.img.tmp" "$GUEST/tandem-install-reboots.iso.tmp" "$staging/.install-iso-reboots" tandem.then=reboot
  mv -f "$GUEST/vmlinuz.tmp" "$GUEST/vmlinuz"
  mv -f "$GUEST/initramfs.img.tmp" "$GUEST/initramfs.img"
  mv -f "$GUEST/tandem-install.iso.tmp" "$GUEST/tandem-install.iso"
  mv -f "$GUEST/tandem-install-reboots.iso.tmp" "$GUEST/tandem-install-reboots.iso"
  mv -f "$GUEST/initramfs-agent.img.tmp" "$GUEST/initramfs-agent.img"
  printf '%s\n' "$kver" >"$GUEST/kernel-version"
  printf '%s\n' "$stamp" >"$GUEST/.stamp"
  rm -rf "$staging" "$agent_staging"
  trap - EXIT
  say "guest: built (kernel $kver, ${#base_order[@]} modules + ${#agent_order[@]} agent + ${#balloon_order[@]} balloon + ${#net_order[@]} net, qemu-ga, installer ISO)"
}

main() {
  require_root "build-guest.sh"
  init_state
  mkdir -p "$GUEST" "$CACHE"
  : >>"$LOG"
  for tool in busybox cpio gzip dpkg apt-get ldd xorriso; do
    command -v "$tool" >/dev/null || die "$tool missing: run scripts/testbed/install-deps.sh first"
  done
  [[ -x /bin/busybox ]] || die "/bin/busybox missing: run scripts/testbed/install-deps.sh first"
  [[ -x "$QEMU_GA" ]] || die "$QEMU_GA missing (package qemu-guest-agent): run scripts/testbed/install-deps.sh first"
  [[ -f "$ISOLINUX_BIN" && -f "$LDLINUX_C32" ]] || die "isolinux missing (packages isolinux, syslinux-common): run scripts/testbed/install-deps.sh first"

  local deb stamp
  deb="$(fetch_kernel_deb)"
  stamp="$(
    {
      sha256sum "$TESTBED_SCRIPTS/build-guest.sh" "$TESTBED_SCRIPTS/guest-init.sh" /bin/busybox "$QEMU_GA" "$ISOLINUX_BIN" "$LDLINUX_C32"
      basename "$deb"
      stat -c %s "$deb"
    } | sha256sum | cut -d' ' -f1
  )"
  if [[ -f "$GUEST/.stamp" && -s "$GUEST/vmlinuz" && -s "$GUEST/initramfs.img" && -s "$GUEST/initramfs-agent.img" &&
    -s "$GUEST/tandem-install.iso" && -s "$GUEST/tandem-install-reboots.iso" &&
    "$(cat "$GUEST/.stamp")" == "$stamp" ]]; then
    say "guest: up to date ($(cat "$GUEST/kernel-version" 2>/dev/null || echo '?'))"
    return 0
  fi
  build "$deb" "$stamp"
}

main "$@"
