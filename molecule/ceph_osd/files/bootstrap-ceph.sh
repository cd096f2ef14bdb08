#!/bin/sh
# Single-node Ceph bootstrap for the ceph_osd scenario: what `pveceph init` and
# `pveceph mon create` do on a Proxmox node (ceph.conf, keyrings, monmap, one
# monitor, one manager), done with the plain Ceph tools of Debian bookworm.
# Idempotent: a node that already runs its monitor is left alone.
set -eu
host=$(hostname -s)
ip=${CEPH_MON_IP:-10.0.2.15}
network=${CEPH_PUBLIC_NETWORK:-10.0.2.0/24}
mon_dir=/var/lib/ceph/mon/ceph-$host
mgr_dir=/var/lib/ceph/mgr/ceph-$host

if [ ! -e "$mon_dir/done" ]; then
  fsid=$(cat /proc/sys/kernel/random/uuid)
  # One node: every pool has one replica, and the warnings about that are expected.
  cat > /etc/ceph/ceph.conf <<CONF
[global]
fsid = $fsid
mon_initial_members = $host
mon_host = $ip
public_network = $network
cluster_network = $network
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 1
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
auth_allow_insecure_global_id_reclaim = false

[mon]
mon_memory_target = 268435456

[mgr]
mgr_stats_period = 5
CONF
  tmp=$(mktemp -d)
  ceph-authtool --create-keyring "$tmp/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring /etc/ceph/ceph.client.admin.keyring --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  chmod 0600 /etc/ceph/ceph.client.admin.keyring
  install -d -o ceph -g ceph /var/lib/ceph/bootstrap-osd
  ceph-authtool --create-keyring /var/lib/ceph/bootstrap-osd/ceph.keyring --gen-key -n client.bootstrap-osd \
    --cap mon 'profile bootstrap-osd' --cap mgr 'allow r' >/dev/null
  ceph-authtool "$tmp/mon.keyring" --import-keyring /etc/ceph/ceph.client.admin.keyring >/dev/null
  ceph-authtool "$tmp/mon.keyring" --import-keyring /var/lib/ceph/bootstrap-osd/ceph.keyring >/dev/null
  monmaptool --create --add "$host" "$ip" --fsid "$fsid" "$tmp/monmap" >/dev/null
  chown -R ceph:ceph "$tmp"
  install -d -o ceph -g ceph "$mon_dir"
  runuser -u ceph -- ceph-mon --mkfs -i "$host" --monmap "$tmp/monmap" --keyring "$tmp/mon.keyring"
  rm -rf "$tmp"
  touch "$mon_dir/done"
fi
systemctl enable --now "ceph-mon@$host" >/dev/null 2>&1
# The monitor needs a moment under emulation; bounded wait.
i=0
until timeout 20 ceph -s >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -lt 30 ] || { echo "monitor did not answer" >&2; exit 1; }
  sleep 2
done
ceph mon enable-msgr2
if [ ! -e "$mgr_dir/keyring" ]; then
  install -d -o ceph -g ceph "$mgr_dir"
  ceph auth get-or-create "mgr.$host" mon 'allow profile mgr' osd 'allow *' mds 'allow *' > "$mgr_dir/keyring"
  chown ceph:ceph "$mgr_dir/keyring"
fi
systemctl enable --now "ceph-mgr@$host" >/dev/null 2>&1
systemctl enable ceph.target >/dev/null 2>&1
echo "ceph bootstrapped on $host ($ip)"
