#!/bin/sh
# Prints one JSON object {file name: content} with what the PVE API twin answers from:
# the real cluster's state as the ceph tools report it on this node (tests/twins/pve_api/model.py).
set -eu
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Each ceph CLI call spends most of its time starting Python: run them side by side.
ceph status --format json > "$out/status.json" & p1=$!
ceph osd tree --format json > "$out/osd_tree.json" & p2=$!
ceph osd dump --format json > "$out/osd_dump.json" & p3=$!
ceph-volume lvm list --format json > "$out/lvm_list.json" & p4=$!
# `wait PID` returns that job's status, so set -e stops on any failed capture.
wait $p1; wait $p2; wait $p3; wait $p4
lsblk --json --bytes --paths --list \
  --output NAME,TYPE,PARTTYPE,PKNAME,SIZE,MODEL,SERIAL,WWN,VENDOR,ROTA,FSTYPE,PTTYPE > "$out/lsblk.json"
for link in /dev/disk/by-id/*; do echo "$link $(readlink -f "$link")"; done > "$out/byid.txt"
hostname -s > "$out/hostname"
python3 -c 'import json, os, sys; d = sys.argv[1]; print(json.dumps({n: open(os.path.join(d, n)).read() for n in sorted(os.listdir(d))}))' "$out"
