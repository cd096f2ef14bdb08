"""The IOS-XE twin's command line: configuration state and the text a router prints.

Test-only code.  It is written independently of plugins/module_utils (its own
field table, its own running-config rendering), so a bug in the collection's
parser or renderer is not mirrored here and can make a test fail.
"""

import re
import threading

# keyword -> (NetFlow v9 type, size, name shown in `show flow exporter templates`), in IOS's own field order:
# `show flow record`, the running config and the template list match fields, then collect fields, each in
# this order whatever order they were configured in (Cisco's `show flow record netflow-original` output).
FIELDS = {
    'ipv4 tos': (5, 1, 'ip tos'),
    'ipv4 protocol': (4, 1, 'ip protocol'),
    'ipv6 protocol': (4, 1, 'ip protocol'),
    'ipv4 source address': (8, 4, 'ipv4 source address'),
    'ipv4 destination address': (12, 4, 'ipv4 destination address'),
    'ipv6 source address': (27, 16, 'ipv6 source address'),
    'ipv6 destination address': (28, 16, 'ipv6 destination address'),
    'transport source-port': (7, 2, 'transport source-port'),
    'transport destination-port': (11, 2, 'transport destination-port'),
    'routing source as': (16, 2, 'routing source as'),
    'routing source as 4-octet': (16, 4, 'routing source as'),
    'routing destination as': (17, 2, 'routing destination as'),
    'routing destination as 4-octet': (17, 4, 'routing destination as'),
    'routing source as peer': (129, 2, 'routing source as peer'),
    'routing source as peer 4-octet': (129, 4, 'routing source as peer'),
    'routing destination as peer': (128, 2, 'routing destination as peer'),
    'routing destination as peer 4-octet': (128, 4, 'routing destination as peer'),
    'routing next-hop address ipv4': (15, 4, 'routing next-hop address ipv4'),
    'ipv4 source mask': (9, 1, 'ipv4 source mask'),
    'ipv4 destination mask': (13, 1, 'ipv4 destination mask'),
    'transport tcp flags': (6, 1, 'tcp flags'),
    'interface input': (10, 4, 'interface input snmp'),
    'interface output': (14, 4, 'interface output snmp'),
    'flow direction': (61, 1, 'flow direction'),
    'flow sampler': (48, 4, 'flow sampler'),  # 4 bytes: netflow-original is 53 bytes
    'counter bytes': (1, 4, 'counter bytes'),
    'counter bytes long': (1, 8, 'counter bytes long'),
    'counter packets': (2, 4, 'counter packets'),
    'counter packets long': (2, 8, 'counter packets long'),
    'timestamp sys-uptime first': (22, 4, 'timestamp sys-uptime first'),
    'timestamp sys-uptime last': (21, 4, 'timestamp sys-uptime last'),
}
_ORDER = dict((keyword, i) for i, keyword in enumerate(FIELDS))


def ios_order(fields):
    """Fields as IOS lists them: match before collect, each in FIELDS order."""
    return sorted(fields, key=lambda f: (not f.startswith('match '), _ORDER[f.split(' ', 1)[1]]))


PREDEFINED = {
    'netflow-original': ('Traditional IPv4 input NetFlow with origin ASs', [
        'match ipv4 tos', 'match ipv4 protocol', 'match ipv4 source address', 'match ipv4 destination address',
        'match transport source-port', 'match transport destination-port', 'match interface input',
        'match flow sampler', 'collect routing source as', 'collect routing destination as',
        'collect routing next-hop address ipv4', 'collect ipv4 source mask', 'collect ipv4 destination mask',
        'collect transport tcp flags', 'collect interface output', 'collect counter bytes',
        'collect counter packets', 'collect timestamp sys-uptime first', 'collect timestamp sys-uptime last']),
    'netflow ipv4 as': ('AS aggregation schemes', [
        'match routing source as', 'match routing destination as', 'match interface input',
        'match interface output', 'match flow direction', 'collect counter bytes', 'collect counter packets',
        'collect timestamp sys-uptime first', 'collect timestamp sys-uptime last']),
    'netflow ipv4 as peer': ('AS aggregation scheme with peer ASs', [
        'match routing source as peer', 'match routing destination as peer', 'match interface input',
        'match interface output', 'match flow direction', 'collect counter bytes', 'collect counter packets',
        'collect timestamp sys-uptime first', 'collect timestamp sys-uptime last']),
}

# the default interface table (name -> ifindex); a RouterState may carry its own (tests/twins/ios_xe/network.py)
INTERFACES = {'GigabitEthernet1': 1, 'GigabitEthernet2': 2, 'GigabitEthernet3': 3, 'Loopback0': 4}
INTERFACE_ABBREV = (('GigabitEthernet', ('gi', 'gig', 'giga', 'gigabitethernet')),
                    ('TenGigabitEthernet', ('te', 'ten', 'tengig', 'tengigabitethernet')),
                    ('Loopback', ('lo', 'loop', 'loopback')))

INVALID = "% Invalid input detected at '^' marker."
DEFAULT_TIMEOUTS = {'active': 1800, 'inactive': 15, 'update': 1800}
# Ranges of the Cisco-IOS-XE-flow YANG model (field notes section 6)
RANGES = {'entries': (16, 2000000), 'template': (1, 86400), 'timeout': (1, 604800), 'port': (1, 65535)}
PROTOCOLS = ('netflow-v5', 'netflow-v9', 'ipfix')
INJECTED = '% Twin fault injection: command refused'


def _in_range(word, kind):
    low, high = RANGES[kind]
    return word.isdigit() and low <= int(word) <= high


def _address(word):
    import ipaddress
    try:
        ipaddress.ip_address(word)
        return True
    except ValueError:
        return False


class CliError(Exception):
    def __init__(self, message, word_index=None):
        super(CliError, self).__init__(message)
        self.word_index = word_index


def _field(line):
    words = line.split()
    keyword = ' '.join(words[1:])
    if words[:1] not in (['match'], ['collect']) or keyword not in FIELDS:
        bad = 1
        # caret under the first word that makes the line unknown
        for i in range(2, len(words) + 1):
            if not any(k.startswith(' '.join(words[1:i])) for k in FIELDS):
                break
            bad = i
        raise CliError(INVALID, word_index=min(bad, len(words) - 1))
    return words[0], keyword


def canonical_interface(name, interfaces=None):
    """The full name of an interface of ``interfaces`` (default: INTERFACES) that ``name`` abbreviates, or None."""
    interfaces = INTERFACES if interfaces is None else interfaces
    match = re.match(r'^([A-Za-z]+)\s*([\d/.]+)$', name)
    if match:
        prefix = match.group(1).lower()
        for full, abbrevs in INTERFACE_ABBREV:
            if prefix in abbrevs or (full.lower().startswith(prefix) and len(prefix) >= 2):
                candidate = full + match.group(2)
                if candidate in interfaces:
                    return candidate
    return None


class RouterState:
    """Configuration of one twin router; guarded by ``lock`` (SSH sessions and the exporter share it)."""

    def __init__(self, hostname='R1', interfaces=None):
        self.lock = threading.RLock()
        self.hostname = hostname
        self.interfaces = dict(INTERFACES if interfaces is None else interfaces)  # name -> ifindex (SNMP)
        self.records = {}      # name -> {'description', 'fields': [..]}
        self.exporters = {}    # name -> {...}
        self.monitors = {}     # name -> {...}
        self.attachments = {}  # ifname -> [(family, monitor, direction)]
        self.generation = 0    # bumps on every configuration change (the exporter flushes its caches)
        self.saved = 0         # how often write memory ran
        # Test switches (docs/flow.md, twin section). record_lock: when a record's fields may not change,
        # 'attached' = while a monitor using it is attached to an interface, 'referenced' = while any monitor
        # names it (the real condition is not documented). refuse_at: the n-th configuration line from now
        # (1-based, 'exit'/'end' not counted) is refused once, with INJECTED.
        self.record_lock = 'attached'
        self.refuse_at = None

    # ------------------------------------------------------------ lookups
    def record_fields(self, name):
        if name in self.records:
            return self.records[name]['fields']
        if name in PREDEFINED:
            return PREDEFINED[name][1]
        return None

    def monitor_attached(self, monitor):
        return any(att[1] == monitor for atts in self.attachments.values() for att in atts)

    def record_in_use(self, record):
        return any(m['record'] == record and (self.record_lock == 'referenced' or self.monitor_attached(name))
                   for name, m in self.monitors.items())

    def inject(self, line):
        """Count one configuration line against the refusal switch; True when this one is to be refused."""
        if self.refuse_at is None or line.split()[0] in ('exit', 'end'):
            return False
        self.refuse_at -= 1
        if self.refuse_at > 0:
            return False
        self.refuse_at = None
        return True

    def layout(self, record):
        out = []
        offset = 0
        for line in ios_order(self.record_fields(record) or []):
            keyword = line.split(' ', 1)[1]
            ftype, size, shown = FIELDS[keyword]
            out.append((shown, ftype, offset, size, keyword))
            offset += size
        return out

    def template_ids(self):
        """(exporter, monitor) -> template id, for monitors in use with a record and exporters."""
        ids = {}
        next_id = 256
        for mname in sorted(self.monitors):
            mon = self.monitors[mname]
            if not mon['record'] or not self.monitor_attached(mname):
                continue
            for exp in sorted(mon['exporters']):
                ids[(exp, mname)] = next_id
                next_id += 1
        return ids

    # ------------------------------------------------------------ rendering
    def running_config(self):
        out = ['Building configuration...', '', 'Current configuration : 2048 bytes', '!',
               'version 17.9', 'service timestamps debug datetime msec', '!', 'hostname %s' % self.hostname, '!']
        for name in sorted(self.records):
            rec = self.records[name]
            out.append('flow record %s' % name)
            if rec['description']:
                out.append(' description %s' % rec['description'])
            out += [' ' + f for f in ios_order(rec['fields'])]
            out.append('!')
        for name in sorted(self.exporters):
            exp = self.exporters[name]
            out.append('flow exporter %s' % name)
            if exp['description']:
                out.append(' description %s' % exp['description'])
            if exp['destination']:
                out.append(' destination %s%s' % (exp['destination'], ' vrf %s' % exp['vrf'] if exp['vrf'] else ''))
            if exp['source']:
                out.append(' source %s' % exp['source'])
            if exp['port'] is not None:
                out.append(' transport udp %d' % exp['port'])
            if exp['protocol'] != 'netflow-v9':
                out.append(' export-protocol %s' % exp['protocol'])
            if exp['template_timeout'] != 600:
                out.append(' template data timeout %d' % exp['template_timeout'])
            out.append('!')
        for name in sorted(self.monitors):
            mon = self.monitors[name]
            out.append('flow monitor %s' % name)
            if mon['description']:
                out.append(' description %s' % mon['description'])
            out += [' exporter %s' % e for e in mon['exporters']]  # in configuration order, like IOS
            for key in ('active', 'inactive', 'update'):
                if mon['timeouts'][key] != DEFAULT_TIMEOUTS[key]:
                    out.append(' cache timeout %s %d' % (key, mon['timeouts'][key]))
            if mon['entries']:
                out.append(' cache entries %d' % mon['entries'])
            if mon['record']:
                out.append(' record %s' % mon['record'])
            out.append('!')
        for ifname in sorted(self.interfaces):
            out.append('interface %s' % ifname)
            if ifname.startswith('Loopback'):
                out.append(' ip address 192.0.2.1 255.255.255.255')
            else:
                out.append(' ip address 198.51.100.%d 255.255.255.0' % (self.interfaces[ifname] % 255))
                out.append(' negotiation auto')
            for family, mon, direction in self.attachments.get(ifname, []):
                out.append(' %s flow monitor %s %s' % ('ipv6' if family == 'ipv6' else 'ip', mon, direction))
            out.append('!')
        out += ['line vty 0 4', ' login local', ' transport input ssh', '!', 'end']
        return out

    def section(self, pattern):
        """``| section REGEX``: every top-level section whose header or any child line matches."""
        regex = re.compile(pattern)
        lines = self.running_config()
        out = []
        block = []
        for line in lines + ['!']:
            if line and not line.startswith(' '):
                if block and any(regex.search(b) for b in block):
                    out += block
                block = [] if line in ('!', 'end') or line.startswith(('Building', 'Current')) else [line]
            elif line:
                block.append(line)
        return out

    def show_flow_record(self, name=None):
        out = []
        names = sorted(PREDEFINED) + sorted(self.records)
        for rname in names:
            if name and rname != name:
                continue
            description = PREDEFINED[rname][0] if rname in PREDEFINED else (self.records[rname]['description'] or 'User defined')
            users = sum(1 for m in self.monitors.values() if m['record'] == rname)
            size = sum(x[3] for x in self.layout(rname))
            out += ['flow record %s:' % rname,
                    '  Description:        %s' % description,
                    '  No. of users:       %d' % users,
                    '  Total field space:  %d bytes' % size,
                    '  Fields:']
            out += ['    %s' % f for f in ios_order(self.record_fields(rname))]
            out.append('')
        return out

    def show_flow_exporter_templates(self):
        out = []
        ids = self.template_ids()
        for ename in sorted(self.exporters):
            out.append('  Flow Exporter %s:' % ename)
            for (exp, mname), tid in sorted(ids.items(), key=lambda kv: kv[1]):
                if exp != ename:
                    continue
                mon = self.monitors[mname]
                proto = 'IPFIX (Version 10)' if self.exporters[ename]['protocol'] == 'ipfix' else 'NetFlow Version 9'
                out += ['    Client: Flow Monitor %s' % mname,
                        '    Exporter Format: %s' % proto,
                        '    Template ID    : %d' % tid,
                        '    Source ID      : 0',
                        '    Record Name    : %s' % mon['record'],
                        '    Template layout',
                        '    _____________________________________________________________________',
                        '    |                 Field                   |  Type | Offset |  Size  |',
                        '    ---------------------------------------------------------------------']
                for shown, ftype, offset, size, _kw in self.layout(mon['record']):
                    out.append('    | %-39s | %5d | %5d  | %5d  |' % (shown, ftype, offset, size))
                out.append('    ---------------------------------------------------------------------')
            out.append('')
        return out

    def show_flow_monitor(self, name=None):
        out = []
        for mname in sorted(self.monitors):
            if name and mname != name:
                continue
            mon = self.monitors[mname]
            out += ['Flow Monitor %s:' % mname,
                    '  Description:       %s' % (mon['description'] or 'User defined'),
                    '  Flow Record:       %s' % (mon['record'] or 'not configured')]
            if mon['exporters']:
                out.append('  Flow Exporter:     %s' % mon['exporters'][0])
                out += ['                     %s' % e for e in mon['exporters'][1:]]
            status = 'allocated' if self.monitor_attached(mname) else 'not allocated'
            out += ['  Cache:',
                    '    Type:                 normal (Platform cache)',
                    '    Status:               %s' % status,
                    '    Size:                 %d entries' % (mon['entries'] or 10000),
                    '    Inactive Timeout:     %d secs' % mon['timeouts']['inactive'],
                    '    Active Timeout:       %d secs' % mon['timeouts']['active'],
                    # a normal cache prints no Update Timeout line (only permanent caches use it)
                    '']
        return out

    # ------------------------------------------------------------ configuration
    def changed(self):
        self.generation += 1

    def config_record(self, name, line, lenient=False):
        rec = self.records[name]
        words = line.split()
        negate = words[0] == 'no'
        if negate:
            words = words[1:]
        if not words:
            raise CliError(INVALID, 0)
        if words[0] == 'description':
            rec['description'] = None if negate else ' '.join(words[1:])
            return
        verb, keyword = _field(' '.join(words))
        if not lenient and self.record_in_use(name):
            raise CliError('%% Flow Record %s is in use. Remove the flow monitor(s) using it from all '
                           'interfaces first.' % name)
        field = '%s %s' % (verb, keyword)
        same = [f for f in rec['fields'] if FIELDS[f.split(' ', 1)[1]][0] == FIELDS[keyword][0]]
        if negate:
            if field not in rec['fields']:
                raise CliError('%% Field %s is not configured' % field)
            rec['fields'].remove(field)
        else:
            for old in same:  # 'counter bytes long' replaces 'counter bytes'
                rec['fields'].remove(old)
            rec['fields'].append(field)
        self.changed()

    def config_exporter(self, name, line):
        exp = self.exporters[name]
        words = line.split()
        negate = words[0] == 'no'
        if negate:
            words = words[1:]
        if words and words[0] == 'description':
            exp['description'] = None if negate else ' '.join(words[1:])
        elif words and words[0] == 'destination' and (negate or len(words) in (2, 4)):
            if not negate and (not _address(words[1]) or (len(words) == 4 and words[2] != 'vrf')):
                raise CliError(INVALID, 1 if not _address(words[1]) else 2)
            exp['destination'] = None if negate else words[1]
            exp['vrf'] = words[3] if not negate and len(words) == 4 else None
        elif words and words[0] == 'source' and (negate or len(words) == 2):
            if not negate and not canonical_interface(words[1], self.interfaces):
                raise CliError(INVALID, 1)
            exp['source'] = None if negate else canonical_interface(words[1], self.interfaces)
        elif words[:2] == ['transport', 'udp'] and (negate or (len(words) == 3 and _in_range(words[2], 'port'))):
            exp['port'] = None if negate else int(words[2])
        elif words[:1] == ['export-protocol'] and (negate or (len(words) == 2 and words[1] in PROTOCOLS)):
            exp['protocol'] = 'netflow-v9' if negate else words[1]
        elif words[:3] == ['template', 'data', 'timeout'] and (negate or (len(words) == 4 and _in_range(words[3], 'template'))):
            exp['template_timeout'] = 600 if negate else int(words[3])
        else:
            raise CliError(INVALID, min(len(words), 1) + (1 if negate else 0) - 1 if words else 0)
        self.changed()

    def config_monitor(self, name, line, lenient=False):
        mon = self.monitors[name]
        words = line.split()
        negate = words[0] == 'no'
        if negate:
            words = words[1:]
        shift = 1 if negate else 0
        if words and words[0] == 'description':
            mon['description'] = None if negate else ' '.join(words[1:])
        elif words and words[0] == 'record':
            if not lenient and self.monitor_attached(name):
                raise CliError('%% Flow Monitor %s is in use on an interface; its record cannot be changed' % name)
            if negate:
                mon['record'] = None
            else:
                rname = ' '.join(words[1:])
                if self.record_fields(rname) is None:
                    raise CliError('%% Flow Record %s not found' % rname)
                if mon['record'] and mon['record'] != rname and not lenient:
                    raise CliError('%% A flow record is already configured for flow monitor %s: remove it with "no record"' % name)
                mon['record'] = rname
        elif words and words[0] == 'exporter' and len(words) == 2:
            if negate:
                if words[1] in mon['exporters']:
                    mon['exporters'].remove(words[1])
            else:
                if words[1] not in self.exporters:
                    raise CliError('%% Flow Exporter %s not found' % words[1])
                if words[1] not in mon['exporters']:
                    mon['exporters'].append(words[1])
        elif words[:2] == ['cache', 'timeout'] and len(words) >= 3 and words[2] in DEFAULT_TIMEOUTS:
            if negate:
                mon['timeouts'][words[2]] = DEFAULT_TIMEOUTS[words[2]]
            elif len(words) == 4 and _in_range(words[3], 'timeout'):
                mon['timeouts'][words[2]] = int(words[3])
            else:
                raise CliError(INVALID, 3 + shift)
        elif words[:2] == ['cache', 'entries']:
            if negate:
                mon['entries'] = None
            elif len(words) == 3 and _in_range(words[2], 'entries'):
                mon['entries'] = int(words[2])
            else:
                raise CliError(INVALID, 2 + shift)
        else:
            raise CliError(INVALID, shift)
        self.changed()

    def config_interface(self, ifname, line, lenient=False):
        words = line.split()
        negate = words[0] == 'no'
        if negate:
            words = words[1:]
        shift = 1 if negate else 0
        atts = self.attachments.setdefault(ifname, [])
        if len(words) == 5 and words[0] in ('ip', 'ipv6') and words[1:3] == ['flow', 'monitor']:
            if words[4] not in ('input', 'output'):
                raise CliError(INVALID, 4 + shift)
            att = ('ipv6' if words[0] == 'ipv6' else 'ipv4', words[3], words[4])
            if negate:
                if att in atts:
                    atts.remove(att)
            else:
                mon = self.monitors.get(words[3])
                if not lenient and mon is None:
                    raise CliError("%% Flow Monitor: Flow Monitor '%s' does not exist" % words[3])
                if not lenient and not mon['record']:
                    raise CliError("%% Flow Monitor: Flow Monitor '%s' has no record configured" % words[3])
                if att not in atts:
                    atts.append(att)
            self.changed()
        elif words[:2] in (['ip', 'address'], ['negotiation', 'auto']) or words[:1] == ['description']:
            return
        else:
            raise CliError(INVALID, shift)

    def new_record(self, name):
        if name in PREDEFINED:
            raise CliError('%% %s is a predefined flow record and cannot be modified' % name)
        self.records.setdefault(name, {'description': None, 'fields': []})

    def new_exporter(self, name):
        self.exporters.setdefault(name, {'description': None, 'destination': None, 'vrf': None, 'source': None,
                                         'port': None,
                                         'protocol': 'netflow-v9', 'template_timeout': 600})

    def new_monitor(self, name):
        self.monitors.setdefault(name, {'description': None, 'record': None, 'exporters': [], 'entries': None,
                                        'timeouts': dict(DEFAULT_TIMEOUTS)})

    def remove(self, kind, name):
        if kind == 'record':
            if name not in self.records:
                raise CliError('%% Flow Record %s not found' % name)
            if any(m['record'] == name for m in self.monitors.values()):
                raise CliError('%% Flow Record %s is in use by a flow monitor' % name)
            del self.records[name]
        elif kind == 'exporter':
            if name not in self.exporters:
                raise CliError('%% Flow Exporter %s not found' % name)
            if any(name in m['exporters'] for m in self.monitors.values()):
                raise CliError('%% Flow Exporter %s is in use by a flow monitor' % name)
            del self.exporters[name]
        else:
            if name not in self.monitors:
                raise CliError('%% Flow Monitor %s not found' % name)
            if self.monitor_attached(name):
                raise CliError("%% Flow Monitor: Flow Monitor '%s' is in use" % name)
            del self.monitors[name]
        self.changed()
