"""Replaying the probe matrix on a bridge model (the netgraph twin): only the tests need this."""

BROADCAST = 'ff:ff:ff:ff:ff:ff'


def probe_frames(ports, targets, unknown_mac):
    """The first frame each probe puts on the wire, as the hosts' static ARP tables dictate:
    a port target's MAC, the unknown MAC for ``unknown_mac``, a broadcast ARP request for ``no_arp``."""
    macs = dict((p['name'], p['mac'].lower()) for p in ports)
    frames = []
    for source in ports:
        for target in targets:
            if target['name'] == source['name']:
                continue
            dst = {'port': macs.get(target['name']), 'unknown_mac': unknown_mac.lower(),
                   'no_arp': BROADCAST}[target['kind']]
            frames.append((source['name'], target['name'], macs[source['name']], dst))
    return frames
