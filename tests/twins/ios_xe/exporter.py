"""The twin's NetFlow v9 exporter: a synthetic AS-level traffic mix through the configured monitors.

Simulated time advances in fixed steps (default 10 s) on a scaled clock, so
a 30-minute active timeout takes seconds.  Per step, every traffic item that
passes an attached interface adds its bytes to the monitor's cache entry
(key = the record's match fields, with 2-byte AS fields holding AS_TRANS for
4-byte ASNs).  Entries are exported when the active timeout expires (or the
inactive one, after traffic stops), with the record's field sizes: 4-byte
counters saturate at 4294967295.  Templates go out on their own timer, like
IOS-XE: when a template is new or changed, and then every ``template data
timeout`` simulated seconds of its exporter (default 600); data packets in
between carry no template, so a collector that restarted cannot decode them
until the next refresh.  Not modelled: permanent caches (update
timeout), sampling, IPFIX export, cache-full emergency aging.

Traffic items: ``{src_as, dst_as, input, output, bps[, src_addr, dst_addr,
packet_size, family]}``; ``src_addr``/``dst_addr`` fill the ipv4 address fields
(types 8, 12; 0.0.0.0 when absent).  A scan item ``{..., "scan": {"prefixes":
[...], "bps_per_address": 2000}}`` stands for one small flow to every address
of those prefixes: a cache keyed on the destination address holds one entry
per address, as a router's does.  The cache key is exactly the record's match
fields (plus the monitor): two items that agree on them share one entry.
"""

import ipaddress
import socket
import threading
import time

from .netflow import as_trans, nf, saturate

BOOT_UPTIME_MS = 3600 * 1000  # the twin "booted" one hour before simulated time 0


class Simulation:
    """Deterministic core: ``step()`` advances simulated time and returns the export packets."""

    def __init__(self, state, traffic, origin, step=10, send=None):
        self.state = state
        self.traffic = expand_traffic(traffic)
        self.origin = int(origin)
        self.step_s = step
        self.now = 0  # simulated seconds since origin
        self.cache = {}
        self.sequence = 0
        self.generation = state.generation
        self.send = send or (lambda packet, dest: None)
        self.exported = []  # (monitor, record dict) of every exported record, for tests
        self.template_sent = {}  # (dest, template id) -> (fields, simulated second it was last sent)
        # traffic is fixed for the run: index it by (family, direction, interface) once
        self._by_interface = {}
        for item in self.traffic:
            for direction in ('input', 'output'):
                key = (item.get('family', 'ipv4'), direction, item.get(direction))
                self._by_interface.setdefault(key, []).append(item)

    def _uptime_ms(self, seconds):
        return BOOT_UPTIME_MS + int(seconds * 1000)

    def _total_bytes(self, item, seconds):
        return int(item['bps']) * seconds // 8

    def step(self):
        st = self.state
        with st.lock:
            if st.generation != self.generation:
                # a configuration change flushes the caches, as removing a monitor does on a router
                self._export(list(self.cache))
                self.generation = st.generation
            start, end = self.now, self.now + self.step_s
            for ifname, atts in st.attachments.items():
                for family, mname, direction in atts:
                    mon = st.monitors.get(mname)
                    if not mon or not mon['record'] or not mon['exporters']:
                        continue
                    layout = st.layout(mon['record'])
                    match_fields = st.record_fields(mon['record'])
                    key_types = [t for _s, t, _o, _z, kw in layout if ('match ' + kw) in match_fields]
                    for item in self._by_interface.get((family, direction, ifname), ()):
                        delta = self._total_bytes(item, end) - self._total_bytes(item, start)
                        size = int(item.get('packet_size', 1000))
                        pkts = (self._total_bytes(item, end) // size) - (self._total_bytes(item, start) // size)
                        values = self._values(item, direction, layout)
                        # one cache per monitor, keyed on the record's match fields only
                        key = (mname, tuple(values[t] for t in key_types))
                        entry = self.cache.get(key)
                        if entry is None:
                            entry = self.cache[key] = {'first': start, 'last': end, 'bytes': 0, 'packets': 0,
                                                       'values': values, 'monitor': mname}
                        entry['bytes'] += delta
                        entry['packets'] += pkts
                        entry['last'] = end
                        entry['values'] = values  # collect fields: the last packet's values, like a router
            self.now = end
            due = []
            for key, entry in self.cache.items():
                mon = st.monitors.get(entry['monitor'])
                if mon is None:
                    due.append(key)
                    continue
                if self.now - entry['first'] >= mon['timeouts']['active'] or \
                        self.now - entry['last'] >= mon['timeouts']['inactive']:
                    due.append(key)
            self._export(due)
            self._refresh_templates()

    def flush(self):
        """Export every cache entry now (what removing the monitors does); returns the records exported."""
        with self.state.lock:
            before = len(self.exported)
            self._export(list(self.cache))
            return self.exported[before:]

    def _templates(self):
        """{(dest, template id): (template, exporter)} of every exporting monitor."""
        st = self.state
        out = {}
        for (exp_name, mname), tid in st.template_ids().items():
            exp = st.exporters.get(exp_name)
            if not exp or exp['protocol'] != 'netflow-v9' or not exp['destination']:
                continue
            layout = st.layout(st.monitors[mname]['record'])
            dest = (exp['destination'], exp['port'] or 9995)
            out[(dest, tid)] = (nf.Template(tid, [(ftype, size) for _s, ftype, _o, size, _k in layout]), exp)
        return out

    def _refresh_templates(self, only=None):
        for (dest, tid), (template, exp) in sorted(self._templates().items(), key=lambda kv: kv[0][1]):
            if only is not None and (dest, tid) != only:
                continue
            last = self.template_sent.get((dest, tid))
            if last and last[0] == template.fields and self.now - last[1] < exp['template_timeout']:
                continue
            self.template_sent[(dest, tid)] = (template.fields, self.now)
            packet = nf.encode_packet([nf.encode_template_flowset([template])], self._uptime_ms(self.now),
                                      self.origin + self.now, self.sequence, record_count=1)
            self.sequence += 1
            self.send(packet, dest)

    def _values(self, item, direction, layout):
        values = {}
        for _shown, ftype, _off, size, _kw in layout:
            if ftype in (16, 129):
                values[ftype] = as_trans(int(item['src_as']), size)
            elif ftype in (17, 128):
                values[ftype] = as_trans(int(item['dst_as']), size)
            elif ftype == 10:
                values[ftype] = self.state.interfaces.get(item.get('input'), 0)
            elif ftype == 14:
                values[ftype] = self.state.interfaces.get(item.get('output'), 0)
            elif ftype == 8:
                values[ftype] = _address(item.get('src_addr'))
            elif ftype == 12:
                values[ftype] = _address(item.get('dst_addr'))
            elif ftype == 61:
                values[ftype] = 0 if direction == 'input' else 1
            else:
                values[ftype] = 0
        return values

    def _export(self, keys):
        st = self.state
        ids = st.template_ids()
        by_template = {}
        for key in keys:
            entry = self.cache.pop(key)
            mon = st.monitors.get(entry['monitor'])
            if mon is None or not mon['record']:
                continue
            layout = st.layout(mon['record'])
            record = dict(entry['values'])
            for _shown, ftype, _off, size, _kw in layout:
                if ftype == 1:
                    record[ftype] = saturate(entry['bytes'], size)
                elif ftype == 2:
                    record[ftype] = saturate(entry['packets'], size)
                elif ftype == 22:
                    record[ftype] = self._uptime_ms(entry['first'])
                elif ftype == 21:
                    # the last packet is seen just before the step ends
                    record[ftype] = self._uptime_ms(entry['last']) - 1
            for exp_name in mon['exporters']:
                exp = st.exporters.get(exp_name)
                tid = ids.get((exp_name, entry['monitor']))
                if not exp or tid is None or exp['protocol'] != 'netflow-v9' or not exp['destination']:
                    continue
                template = nf.Template(tid, [(ftype, size) for _s, ftype, _o, size, _k in layout])
                dest = (exp['destination'], exp['port'] or 9995)
                by_template.setdefault((dest, tid), (template, []))[1].append(record)
            self.exported.append((entry['monitor'], record))
        for (dest, tid), (template, records) in sorted(by_template.items(), key=lambda kv: kv[0][1]):
            self._refresh_templates(only=(dest, tid))  # a new or due template goes out before its data
            packets, self.sequence = nf.build_packets(template, records, self._uptime_ms(self.now),
                                                      self.origin + self.now, self.sequence, with_template=False)
            for packet in packets:
                self.send(packet, dest)


def _address(text):
    return int(ipaddress.IPv4Address(text)) if text else 0


def expand_traffic(traffic):
    """Traffic items with every scan item replaced by one item per scanned address (the rest unchanged)."""
    out = []
    for item in traffic:
        scan = item.get('scan')
        if not scan:
            out.append(item)
            continue
        base = dict((k, v) for k, v in item.items() if k != 'scan')
        base.setdefault('packet_size', 60)  # probes are small packets
        for prefix in scan['prefixes']:
            for address in ipaddress.IPv4Network(prefix):
                out.append(dict(base, dst_addr=str(address), bps=int(scan['bps_per_address'])))
    return out


class ExporterThread(threading.Thread):
    """Runs the simulation against the wall clock: ``scale`` simulated seconds per real second."""

    def __init__(self, simulation, scale, stop_event, source=None):
        super(ExporterThread, self).__init__(daemon=True)
        self.sim = simulation
        self.scale = float(scale)
        self.stop_event = stop_event
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if source:
            # the collector stores the datagrams' source as the router address (nfdump %ra)
            self.sock.bind((source, 0))
        self.sim.send = self._send

    def _send(self, packet, dest):
        try:
            self.sock.sendto(packet, dest)
        except OSError:
            pass  # like a router: an unreachable collector does not stop the exporter

    def run(self):
        started = time.monotonic()
        while not self.stop_event.is_set():
            target = (time.monotonic() - started) * self.scale
            while self.sim.now + self.sim.step_s <= target and not self.stop_event.is_set():
                self.sim.step()
            self.stop_event.wait(0.02)
        self.sock.close()
