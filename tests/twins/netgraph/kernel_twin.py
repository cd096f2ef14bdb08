# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel side of the netgraph twin: sysctl(8), kldload(8) and kldstat(8) on the same state file.

NOT FreeBSD.  Only what the ng_bridge modules touch:
* sysctl: ``sysctl -n OID...`` prints values one a line; ``sysctl OID=VALUE`` prints ``OID: old -> new``
  (sbin/sysctl/sysctl.c); an unknown OID prints ``sysctl: unknown oid 'OID'`` and exits 1.
  OIDs: net.graph.recvspace and net.graph.maxdgram (ng_socket.c, 20480), net.link.ether.inet.max_age
  (1200), kern.ipc.maxsockbuf (2097152) and the read-only net.link.generic.system.ifcount (if_mib.c),
  here the twin interfaces plus the ngethN interfaces of eiface nodes.  net.graph.* exist only once
  ng_socket is loaded (ngctl loads it, as libnetgraph does).
* kldload [-n] MODULE: loading ng_ether attaches an ng_ether node to every interface; a second load
  without -n fails with ``kldload: can't load MODULE: module already loaded or in kernel`` (exit 1).
* kldstat -q -m MODULE: exit 0 when loaded, 1 otherwise (sbin/kldstat/kldstat.c).
"""

import os
import sys

from ngctl_twin import Graph

READ_ONLY = ('net.link.generic.system.ifcount',)


def sysctl(graph, args, out, err):
    values = graph.state['sysctl']
    quiet = '-n' in args
    rc = 0
    for arg in (a for a in args if not a.startswith('-')):
        oid, _sep, new = arg.partition('=')
        current = values.get(oid)
        if oid == 'net.link.generic.system.ifcount':  # every ifnet: seeded interfaces plus ngethN of ng_eiface
            current = len(graph.state['interfaces']) + sum(1 for n in graph.nodes.values() if n['type'] == 'eiface')
        if oid.startswith('net.graph.') and 'ng_socket' not in graph.state['modules']:
            current = None  # the net.graph.* OIDs belong to ng_socket.ko
        if current is None:
            err.write("sysctl: unknown oid '%s'\n" % oid)
            rc = 1
            continue
        if not _sep:
            out.write('%s\n' % current if quiet else '%s: %s\n' % (oid, current))
            continue
        if oid in READ_ONLY or not new.isdigit():
            err.write('sysctl: oid \'%s\' is read only\n' % oid if oid in READ_ONLY else
                      "sysctl: invalid integer '%s'\n" % new)
            rc = 1
            continue
        values[oid] = int(new)
        out.write('%s: %s -> %s\n' % (oid, current, new))
    return rc


def kldload(graph, args, out, err):
    exists_ok = '-n' in args
    rc = 0
    for module in (a for a in args if not a.startswith('-')):
        if not graph.kldload(module) and not exists_ok:
            err.write("kldload: can't load %s: module already loaded or in kernel\n" % module)
            rc = 1
    return rc


def kldstat(graph, args, out, err):
    if '-m' not in args:
        for number, module in enumerate(graph.state['modules'], 1):
            out.write('%2d %s\n' % (number, module))
        return 0
    module = args[args.index('-m') + 1]
    if module in graph.state['modules']:
        if '-q' not in args:
            out.write('Id Refs Name\n%3d %4d %s\n' % (graph.state['modules'].index(module) + 1, 1, module))
        return 0
    if '-q' not in args:
        err.write("kldstat: can't find module %s: No such file or directory\n" % module)
    return 1


def main(program, argv):
    state = os.environ.get('NGCTL_TWIN_STATE')
    if not state:
        sys.stderr.write('%s (twin): set NGCTL_TWIN_STATE to the state file\n' % program)
        return 2
    graph = Graph(state)
    rc = {'sysctl': sysctl, 'kldload': kldload, 'kldstat': kldstat}[program](graph, argv, sys.stdout, sys.stderr)
    graph.save()
    return rc


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2:]))
