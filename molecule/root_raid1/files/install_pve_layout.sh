#!/bin/sh
# Lays out disk 1 like the Proxmox VE installer (scaled down, field notes section 1) and installs the
# seed rootfs into the root LV with GRUB on disk 1.  Runs in the kernel-booted lab VM.
set -eu
firmware=$1
d1=$(readlink -f /dev/disk/by-id/virtio-disk1)
seed=/dev/disk/by-id/virtio-seed
# p3 holds the root LV (the size of the seed) plus 512 MiB of free extents, like the installer's
# 19.5 GiB scaled down: the smaller the PV, the quicker pvmove and the md resync in the tests.
p3_mib=$(( $(blockdev --getsize64 $seed) / 1048576 + 512 ))
sgdisk --zap-all "$d1" >/dev/null
sgdisk -a 1 -n 1:34:2047 -t 1:21686148-6449-6E6F-744E-656564454649 \
       -a 2048 -n 2:2048:+256M -t 2:C12A7328-F81F-11D2-BA4B-00A0C93EC93B \
       -n 3:0:+${p3_mib}M -t 3:E6D6D379-F507-44C2-A23C-238F2A3DF928 "$d1" >/dev/null
partprobe "$d1"; udevadm settle
mkfs.vfat -F 32 "${d1}2" >/dev/null
pvcreate -q "${d1}3"
vgcreate -q pve "${d1}3"
lvcreate -q -y -n root -L "$(blockdev --getsize64 $seed)b" pve
# only the used blocks: a file copy under emulation takes minutes
e2image -ra -p "$seed" /dev/pve/root
resize2fs /dev/pve/root >/dev/null 2>&1
mnt=/mnt/pve
mkdir -p $mnt
mount /dev/pve/root $mnt
mkdir -p $mnt/boot/efi
mount "${d1}2" $mnt/boot/efi
printf '/dev/pve/root / ext4 errors=remount-ro 0 1\nUUID=%s /boot/efi vfat defaults 0 1\n' \
  "$(blkid -s UUID -o value "${d1}2")" > $mnt/etc/fstab
echo "pve node installed on disk1 by molecule prepare" > $mnt/etc/isplab-root-raid1-marker
for fs in dev proc sys run; do mount --rbind /$fs $mnt/$fs; mount --make-rslave $mnt/$fs; done
if [ "$firmware" = uefi ]; then
  chroot $mnt grub-install --target=x86_64-efi --efi-directory=/boot/efi --bootloader-id=debian --force-extra-removable >/dev/null 2>&1
else
  chroot $mnt grub-install --target=i386-pc "$d1" >/dev/null 2>&1
fi
chroot $mnt update-grub >/dev/null 2>&1
for fs in run sys proc dev boot/efi; do umount -R $mnt/$fs; done
umount $mnt
sync
