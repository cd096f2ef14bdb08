#!/bin/sh
# The disk layout root_raid1 leaves behind (field notes section 1), on both lab disks:
# p1 BIOS boot, p2 EFI, p3 Linux RAID (left empty here), p4 "Ceph OSD" (empty).
# disk2 also gets p5, typed "Ceph OSD" but holding ext4: the role must refuse it.
# Idempotent: a disk that already has a p4 is left alone.
set -eu
ceph_osd=4FBD7E29-9D25-41B8-AFD0-062C0CEFF05D
for disk in /dev/disk/by-id/virtio-disk1 /dev/disk/by-id/virtio-disk2; do
  [ -e "$disk-part4" ] && continue
  sgdisk --zap-all "$disk" >/dev/null
  sgdisk -a 1 -n 1:34:2047 -t 1:EF02 -c 1:"BIOS boot" \
         -a 2048 -n 2:2048:+512M -t 2:EF00 -c 2:"EFI System" \
         -n 3:0:+1G -t 3:A19D880F-05FC-4D3B-A006-743F0F84911E -c 3:"Linux RAID" \
         -n 4:0:+3G -t 4:$ceph_osd -c 4:"Ceph OSD" "$disk" >/dev/null
done
if [ ! -e /dev/disk/by-id/virtio-disk2-part5 ]; then
  sgdisk -n 5:0:+64M -t 5:$ceph_osd -c 5:"Ceph OSD (foreign)" /dev/disk/by-id/virtio-disk2 >/dev/null
fi
# sgdisk's own re-read can race with udev: ask again and wait (bounded) for the links.
partprobe /dev/disk/by-id/virtio-disk1 /dev/disk/by-id/virtio-disk2
udevadm settle --timeout=30
i=0
until [ -e /dev/disk/by-id/virtio-disk1-part4 ] && [ -e /dev/disk/by-id/virtio-disk2-part5 ]; do
  i=$((i + 1)); [ $i -le 30 ] || { echo "partition links did not appear" >&2; exit 1; }
  sleep 1
done
# blkid -p always reports the GPT entry; only a TYPE means a filesystem is there already.
if [ -z "$(blkid -p -s TYPE -o value /dev/disk/by-id/virtio-disk2-part5)" ]; then
  mkfs.ext4 -q -L foreign /dev/disk/by-id/virtio-disk2-part5
fi
echo "partitioned: $(lsblk -n -r -o NAME /dev/vdb /dev/vdc | tr "\n" " ")"
