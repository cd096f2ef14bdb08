"""Parser of nfdump's fmt output, for tests only: it cross-checks the JSON parser on the same file.

The modules read ``-o json`` (plugins/module_utils/flow_collector/nfdump.py); nothing in plugins/ reads fmt.
"""

from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.nfdump import NfdumpError, _epoch


def parse_fmt(text):
    """Flows from ``nfdump -q -N -o 'fmt:%ts|%te|%sas|%das|%ibyt|%ipkt'`` (the -q format used in docs)."""
    flows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split('|')]
        if len(parts) != 6:
            raise NfdumpError('unexpected nfdump fmt line %r' % line)
        flows.append({'first_ms': _epoch(parts[0]), 'last_ms': _epoch(parts[1]),
                      'src_as': int(parts[2]), 'dst_as': int(parts[3]),
                      'bytes': int(parts[4]), 'packets': int(parts[5])})
    return flows
