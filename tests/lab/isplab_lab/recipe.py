"""What goes into the base image.  Any change here changes the cache key and rebuilds."""

SUITE = 'bookworm'
ROOTFS_SIZE = '6G'

PACKAGES = [
    # boot and access
    'systemd-sysv', 'udev', 'dbus', 'linux-image-amd64', 'initramfs-tools', 'zstd',
    'openssh-server', 'python3', 'python3-apt', 'sudo', 'ca-certificates', 'iproute2',
    'procps', 'less', 'kmod', 'file', 'rsync',
    # root_raid1: the Proxmox installer layout and its conversion
    'mdadm', 'lvm2', 'gdisk', 'fdisk', 'parted', 'dosfstools', 'e2fsprogs', 'grub-pc',
    'grub-efi-amd64-bin', 'grub2-common', 'efibootmgr', 'thin-provisioning-tools',
    # l2_bridge
    'ifupdown2', 'bridge-utils', 'tcpdump', 'iputils-ping', 'ethtool',
    # cifs_mount
    'samba', 'smbclient', 'cifs-utils',
    # flow_collector
    'nfdump',
    # ceph_osd
    'ceph-mon', 'ceph-mgr', 'ceph-osd',
]

# Services the image must not start by itself: a scenario enables what it tests, and
# every unit saved here is seconds of boot under emulation.
DISABLED_UNITS = [
    'apt-daily.timer', 'apt-daily-upgrade.timer', 'man-db.timer', 'e2scrub_all.timer',
    'fstrim.timer', 'logrotate.timer', 'smbd.service', 'nmbd.service',
    'samba-ad-dc.service', 'nfdump.service', 'mdmonitor-oneshot.timer',
    'systemd-networkd-wait-online.service', 'ceph.target', 'ceph-crash.service',
    # ifupdown2 starts slowly under emulation; l2_bridge enables it where it persists bridges.
    'networking.service', 'e2scrub_reap.service', 'nvmf-autoconnect.service', 'systemd-timesyncd.service',
]

KERNEL_CMDLINE = 'console=ttyS0,115200 net.ifnames=0 quiet systemd.show_status=false'

# Runs inside the chroot (native speed, on the host) after the packages are in.
CUSTOMIZE_SCRIPT = r'''
set -e
# A UEFI install of Proxmox VE carries grub-efi-amd64, which conflicts with grub-pc: the RAID scenarios swap it
# in offline from here (the VMs have no package mirror).
mkdir -p /var/cache/isplab-debs
(cd /var/cache/isplab-debs && apt-get download -q grub-efi-amd64 >/dev/null)
ls /var/cache/isplab-debs/grub-efi-amd64_*.deb >/dev/null
# In-VM initramfs rebuilds: only the modules this machine needs, cheap compression
# (Debian's MODULES=most took 8 minutes under emulation).
cat > /etc/initramfs-tools/conf.d/isplab.conf <<'CONF'
MODULES=dep
COMPRESS=zstd
COMPRESSLEVEL=1
CONF
mkdir -p /etc/default/grub.d
cat > /etc/default/grub.d/isplab.cfg <<'CONF'
GRUB_TIMEOUT=1
GRUB_TIMEOUT_STYLE=menu
GRUB_CMDLINE_LINUX="@CMDLINE@"
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_TERMINAL="serial console"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
CONF
cat > /etc/systemd/network/10-eth0.network <<'CONF'
[Match]
Name=eth0
[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
DNS=10.0.2.3
CONF
systemctl enable systemd-networkd.service
echo 'nameserver 10.0.2.3' > /etc/resolv.conf
printf 'auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n' > /etc/network/interfaces
mkdir -p /etc/network/interfaces.d
echo '# root is given on the kernel command line' > /etc/fstab
rm -f /etc/ssh/ssh_host_*
cat > /usr/local/sbin/isplab-seed <<'SEED'
#!/bin/sh
# Per-VM identity handed in by the harness through qemu fw_cfg.
modprobe qemu_fw_cfg 2>/dev/null || true
fw=/sys/firmware/qemu_fw_cfg/by_name/opt/isplab
if [ -r $fw/authorized_keys/raw ]; then
  install -d -m 0700 /root/.ssh
  cat $fw/authorized_keys/raw > /root/.ssh/authorized_keys
  chmod 0600 /root/.ssh/authorized_keys
fi
if [ -r $fw/hostname/raw ]; then
  name=$(cat $fw/hostname/raw)
  echo "$name" > /etc/hostname
  hostname "$name"
  grep -q " $name\$" /etc/hosts || echo "127.0.1.1 $name" >> /etc/hosts
fi
# One ed25519 host key: RSA key generation costs half a minute under emulation.
[ -f /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
SEED
echo 'HostKey /etc/ssh/ssh_host_ed25519_key' > /etc/ssh/sshd_config.d/isplab.conf
chmod 0755 /usr/local/sbin/isplab-seed
cat > /etc/systemd/system/isplab-seed.service <<'UNIT'
[Unit]
Description=isplab lab seed (ssh key and hostname from qemu fw_cfg)
Before=ssh.service
After=systemd-udevd.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/isplab-seed
[Install]
WantedBy=multi-user.target
UNIT
systemctl enable isplab-seed.service
for unit in @DISABLED@; do systemctl disable "$unit" >/dev/null 2>&1 || true; done
systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1 || true
passwd -l root >/dev/null
apt-get clean
rm -rf /var/lib/apt/lists/*
'''


def customize_script():
    return (CUSTOMIZE_SCRIPT
            .replace('@CMDLINE@', KERNEL_CMDLINE.replace(' quiet systemd.show_status=false', ''))
            .replace('@DISABLED@', ' '.join(DISABLED_UNITS)))
