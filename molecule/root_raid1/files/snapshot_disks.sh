#!/bin/sh
# Prints a fingerprint of the named lab disks (by-id virtio-<name> or nvme-QEMU_NVMe_Ctrl_<name>): both GPT ends, signatures, and
# the first MiB and probe result of every partition. sgdisk --print is not used: on a disk without a
# table it shows a fresh random disk GUID on every call.
set -eu
for name in "$@"; do
  dev=/dev/disk/by-id/virtio-$name
  [ -e "$dev" ] || dev=/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_$name
  sectors=$(($(blockdev --getsize64 "$dev") / 512))
  head_sum=$(dd if="$dev" bs=1M count=1 status=none | sha256sum | cut -d' ' -f1)
  tail_sum=$(dd if="$dev" bs=512 skip=$((sectors - 2048)) status=none | sha256sum | cut -d' ' -f1)
  echo "$name head=$head_sum tail=$tail_sum"
  wipefs --no-act --json "$dev"
  for part in "$dev"-part*; do
    [ -e "$part" ] || continue
    echo "$part $(dd if="$part" bs=1M count=1 status=none | sha256sum | cut -d' ' -f1)"
    blkid -p -o export "$part" || true
  done
done
