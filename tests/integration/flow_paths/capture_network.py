"""Capture the aggregator's network fixture from the IOS-XE twin network and a REAL nfcapd/nfdump 1.7.1.

Run from the repository root:  .venv/bin/python tests/integration/flow_paths/capture_network.py
Runs the default network (tests/twins/ios_xe/te_network.yml) for 300 simulated seconds through real nfcapd
(``run_network`` of conftest.py), then writes to tests/unit/fixtures/flow_paths/:
  nfdump_network.txt     the contract's nfdump command run on the one file nfcapd wrote
  network_tables.json    flow_paths_routers / flow_paths_networks, sim_seconds, the file's stamp, and the lines
                         and paths expected.py computes from the demands
It refuses to write when nfdump's flow count differs from the records the twins exported (a lost datagram).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import conftest  # noqa: E402
import expected  # noqa: E402

OUT = os.path.join(conftest.REPO, 'tests', 'unit', 'fixtures', 'flow_paths')
SIM_SECONDS = 300


def main():
    workdir = tempfile.mkdtemp(prefix='flow-paths-capture-')
    try:
        run = conftest.run_network(None, os.path.join(workdir, 'flows'), SIM_SECONDS)
        if len(run['files']) != 1:
            raise SystemExit('expected one nfcapd file, got %r' % run['files'])
        text, rows = conftest.nfdump_rows(run['files'][0])
        sent = sum(run['records'].values())
        stored = sum(r['flows'] for r in rows)
        if stored != sent:
            raise SystemExit('nfcapd stored %d flows of %d exported: not writing the fixture' % (stored, sent))
        version = subprocess.run(['nfdump', '-V'], capture_output=True, text=True, check=False).stdout.strip()
        stamp = os.path.basename(run['files'][0]).split('.')[1]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    with open(os.path.join(OUT, 'nfdump_network.txt'), 'w') as handle:
        handle.write(text)
    doc = dict(run['tables'], sim_seconds=SIM_SECONDS, slot_seconds=expected.SLOT_SECONDS, stamp=stamp,
               nfdump_version=version, flows=stored,
               expected_lines=expected.expected_lines(None, SIM_SECONDS),
               expected_paths=expected.expected_paths(None, SIM_SECONDS))
    with open(os.path.join(OUT, 'network_tables.json'), 'w') as handle:
        json.dump(doc, handle, indent=1, sort_keys=True)
        handle.write('\n')
    sys.stdout.write('%d rows, %d flows, stamp %s -> %s\n' % (len(rows), stored, stamp, OUT))


if __name__ == '__main__':
    main()
