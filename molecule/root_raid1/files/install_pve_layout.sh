#!/bin/sh
# Lays out disk 1 like the Proxmox VE 8 installer leaves an LVM install (field notes sections 1 and 6, scaled
# down) and installs the seed rootfs into the root LV with the boot packages of that firmware.
# Runs in the kernel-booted lab VM.  Usage: install_pve_layout.sh bios|uefi DISK1 fill|hdsize
#   fill    p3 fills the disk (the installer's default: no room for a Ceph partition behind it)
#   hdsize  p3 holds the VG plus 512 MiB of free extents and the rest of the disk stays free (installer hdsize)
# VG pve: swap (in fstab), root (the seed), thin pool data with one guest disk vm-100-disk-0.
set -eu
firmware=$1
d1=$(readlink -f "$2")
p3_mode=$3
seed=/dev/disk/by-id/virtio-seed
part() { case "$1" in *[0-9]) echo "${1}p$2" ;; *) echo "$1$2" ;; esac; }
seed_mib=$(( $(blockdev --getsize64 $seed) / 1048576 ))
swap_mib=128
pool_mib=256
case "$p3_mode" in
  fill) p3_end=0 ;;
  hdsize) p3_end=+$(( seed_mib + swap_mib + pool_mib + 512 ))M ;;
  *) echo "p3 mode must be fill or hdsize, not $p3_mode" >&2; exit 2 ;;
esac
sgdisk --zap-all "$d1" >/dev/null
sgdisk -a 1 -n 1:34:2047 -t 1:21686148-6449-6E6F-744E-656564454649 \
       -a 2048 -n 2:2048:+1G -t 2:C12A7328-F81F-11D2-BA4B-00A0C93EC93B \
       -n "3:0:$p3_end" -t 3:E6D6D379-F507-44C2-A23C-238F2A3DF928 "$d1" >/dev/null
partprobe "$d1"; udevadm settle
mkfs.vfat -F 32 "$(part "$d1" 2)" >/dev/null
pvcreate -q "$(part "$d1" 3)"
vgcreate -q pve "$(part "$d1" 3)"
lvcreate -q -y -n swap -L ${swap_mib}M pve
mkswap /dev/pve/swap >/dev/null
lvcreate -q -y -n root -L "$(blockdev --getsize64 $seed)b" pve
lvcreate -q -y --type thin-pool -n data -L ${pool_mib}M pve
lvcreate -q -y -n vm-100-disk-0 -V 192M --thinpool pve/data
# only the used blocks: a file copy under emulation takes minutes
e2image -ra -p "$seed" /dev/pve/root
resize2fs /dev/pve/root >/dev/null 2>&1
mnt=/mnt/pve
mkdir -p $mnt
mount /dev/pve/root $mnt
mkdir -p $mnt/boot/efi
mount "$(part "$d1" 2)" $mnt/boot/efi
printf '/dev/pve/root / ext4 errors=remount-ro 0 1\nUUID=%s /boot/efi vfat defaults 0 1\n/dev/pve/swap none swap sw 0 0\n' \
  "$(blkid -s UUID -o value "$(part "$d1" 2)")" > $mnt/etc/fstab
echo "pve node installed on disk1 by molecule prepare" > $mnt/etc/isplab-root-raid1-marker
for fs in dev proc sys run; do mount --rbind /$fs $mnt/$fs; mount --make-rslave $mnt/$fs; done
if [ "$firmware" = uefi ]; then
  # A UEFI install of PVE carries grub-efi-amd64, not grub-pc (they conflict); the image keeps its .deb.
  chroot $mnt env DEBIAN_FRONTEND=noninteractive dpkg --purge grub-pc >/dev/null
  chroot $mnt sh -c 'env DEBIAN_FRONTEND=noninteractive dpkg -i /var/cache/isplab-debs/grub-efi-amd64_*.deb' >/dev/null
  chroot $mnt grub-install --target=x86_64-efi --efi-directory=/boot/efi --bootloader-id=debian --force-extra-removable >/dev/null 2>&1
else
  echo "grub-pc grub-pc/install_devices multiselect /dev/disk/by-id/$(basename "$2")" | chroot $mnt debconf-set-selections
  chroot $mnt grub-install --target=i386-pc "$d1" >/dev/null 2>&1
fi
chroot $mnt update-grub >/dev/null 2>&1
for fs in run sys proc dev boot/efi; do umount -R $mnt/$fs; done
umount $mnt
sync
