#!/bin/sh
# Side-by-side throughput of pvmove, an md 0.90 RAID1 resync and a raw dd of the same size, between the
# two (still empty) Ceph OSD partitions of the converted node. Prints one JSON object; wipes p4 after.
# Usage: benchmark.sh SIZE_MIB DISK1 DISK2
set -eu
size_mib=$1
# the result goes out as one marked line: ssh with a tty merges stderr and the tools' chatter into stdout
part() { case "$1" in *[0-9]) echo "${1}p$2" ;; *) echo "$1$2" ;; esac; }
a=$(part "$(readlink -f "$2")" 4); b=$(part "$(readlink -f "$3")" 4)
bytes=$((size_mib * 1024 * 1024))
now() { date +%s.%N; }
cleanup() {
  vgremove -q -f bench >/dev/null 2>&1 || true
  mdadm --stop /dev/md9 >/dev/null 2>&1 || true
  for p in "$a" "$b"; do mdadm --zero-superblock "$p" >/dev/null 2>&1 || true; wipefs -a -q "$p" || true; done
}
trap cleanup EXIT
t0=$(now); dd if="$a" of="$b" bs=4M count=$((size_mib / 4)) iflag=direct oflag=direct status=none; t1=$(now)
pvcreate -q "$a" "$b"; vgcreate -q bench "$a" "$b"; lvcreate -q -y -n data -L "${size_mib}M" bench "$a"
# -i 1: the default 15 s progress interval would add up to 15 s to a move this small
t2=$(now); pvmove -i 1 "$a" "$b" >/dev/null; t3=$(now)
vgremove -q -f bench; pvremove -q "$a" "$b"
mdadm --create /dev/md9 --run --metadata=0.90 -l1 -n2 --size=$((size_mib * 1024)) "$a" "$b" >/dev/null 2>&1
echo 200000 > /sys/block/md9/md/sync_speed_min
t4=$(now); mdadm --wait /dev/md9 || true; t5=$(now)
python3 - "$bytes" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" <<'PY'
import json, sys
b = int(sys.argv[1]); t = [float(x) for x in sys.argv[2:]]
dd, pv, rs = t[1] - t[0], t[3] - t[2], t[5] - t[4]
mb = lambda s: round(b / s / 1e6, 1)
print('BENCH ' + json.dumps({'bytes': b, 'dd_s': round(dd, 2), 'dd_MBps': mb(dd), 'pvmove_s': round(pv, 2),
                  'pvmove_MBps': mb(pv), 'pvmove_vs_dd': round(dd / pv, 2), 'resync_s': round(rs, 2),
                  'resync_MBps': mb(rs), 'resync_vs_dd': round(dd / rs, 2)}))
PY
