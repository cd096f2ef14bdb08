#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: flow_collector_verify
short_description: Prove that a running nfcapd stores 64-bit counters and 4-byte AS numbers exactly
description:
  - Sends real NetFlow v9 datagrams to the collector from the collector host itself, with two templates of its
    own - 8-byte counters with 4-byte AS fields (a flow above 4 GiB from AS 199932) and 4-byte counters with
    2-byte AS fields - then forces a file rotation (service restart) or waits for one, reads the records back
    with nfdump and fails unless bytes, packets and both ASNs of every record round-trip exactly.
  - The test records carry a random input interface index so they are told apart from real traffic.
  - Loss is detected, not assumed away. Before the restart it reads nfcapd's socket (C(ss -m -p)) - the
    receive buffer must be 2 x the C(-B) on nfcapd's command line (otherwise net.core.rmem_max capped it) and
    the kernel must have dropped no datagram there since the socket was opened - and afterwards it runs
    C(nfdump -E) on the newest O(loss_files) files, failing with the exporter and its sequence failures (one
    failure is one gap in the exporter's datagram numbers, whatever its length).
  - It sends traffic and may restart the collector, so it does not run in check mode.
version_added: "0.1.0"
author: isplab.infra contributors (@isplab)
requirements:
  - nfdump 1.7 (nfcapd, nfdump) on the collector host
options:
  flow_dir: {description: The collector's flow directory (nfcapd C(-w))., type: path, required: true}
  port: {description: UDP port nfcapd listens on., type: int, default: 9995}
  address: {description: Address to send the datagrams to., type: str, default: 127.0.0.1}
  service: {description: systemd unit of this collector; required for O(rotation=restart)., type: str}
  rotation:
    description:
      - How to get the records into a completed file. C(restart) restarts O(service) (nfcapd closes its file
        on exit); C(wait) waits for the next rotation and changes nothing.
    type: str
    default: restart
    choices: [restart, wait]
  wait_timeout: {description: Seconds to wait for a completed file with the records., type: int, default: 330}
  loss_files: {description: Newest files checked for sequence failures (0 checks none)., type: int, default: 12}
  fail_on_error: {description: Fail when a check does not hold (otherwise only report)., type: bool, default: true}
attributes:
  check_mode: {support: none, description: It sends traffic and may restart the collector.}
  diff_mode: {support: none, description: No configuration changes.}
  platform: {support: full, platforms: [posix], description: Debian host running nfcapd.}
'''

EXAMPLES = r'''
- name: Send test flows to the collector and read them back
  isplab.infra.flow_collector_verify:
    flow_dir: /var/cache/nfdump/edge1
    port: 9995
    service: nfdump@edge1.service
'''

RETURN = r'''
sent:
  description: The records sent (bytes, packets, src_as, dst_as, template).
  returned: always
  type: list
  elements: dict
received:
  description: The matching records nfdump read back.
  returned: always
  type: list
  elements: dict
checks:
  description: Every check with C(ok) and, when it failed, C(problem).
  returned: always
  type: list
  elements: dict
failed_checks:
  description: The checks that did not hold.
  returned: always
  type: list
  elements: dict
loss:
  description: Per file of the newest O(loss_files) with sequence failures, the failures per exporter IP.
  returned: always
  type: dict
socket:
  description: nfcapd's socket before the restart; C(skmem) from C(ss -m) (C(rb) receive buffer, C(d) drops), C(requested) its C(-B).
  returned: always
  type: dict
udp_counters:
  description: Host-wide Udp counters of /proc/net/snmp (InErrors, RcvbufErrors, ...) since boot, for the record.
  returned: always
  type: dict
commands:
  description: Commands run (ss, systemctl, nfdump).
  returned: always
  type: list
  elements: str
'''

import os
import random
import socket
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import netflow_v9 as nf
from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.collector_checks import check_loss, check_socket, socket_state
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.loss import parse_snmp_udp
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.nfdump import NfdumpError, flow_files, read_flows
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner

LONG = nf.Template(400, [(nf.SRC_AS, 4), (nf.DST_AS, 4), (nf.INPUT_SNMP, 4), (nf.OUTPUT_SNMP, 4),
                         (nf.DIRECTION, 1), (nf.IN_BYTES, 8), (nf.IN_PKTS, 8),
                         (nf.FIRST_SWITCHED, 4), (nf.LAST_SWITCHED, 4)])
SHORT = nf.Template(401, [(nf.SRC_AS, 2), (nf.DST_AS, 2), (nf.INPUT_SNMP, 4), (nf.OUTPUT_SNMP, 4),
                          (nf.DIRECTION, 1), (nf.IN_BYTES, 4), (nf.IN_PKTS, 4),
                          (nf.FIRST_SWITCHED, 4), (nf.LAST_SWITCHED, 4)])


def test_records(marker, uptime_ms):
    """(template, record) pairs: values chosen where truncation would show (> 4 GiB, 4-byte ASNs)."""
    first, last = uptime_ms - 60000, uptime_ms - 1000
    common = {nf.INPUT_SNMP: marker, nf.OUTPUT_SNMP: 2, nf.DIRECTION: 0,
              nf.FIRST_SWITCHED: first, nf.LAST_SWITCHED: last}

    def row(template, **values):
        record = dict(common)
        record.update((getattr(nf, key), value) for key, value in values.items())
        return template, record

    rows = [
        row(LONG, SRC_AS=199932, DST_AS=3320, IN_BYTES=6442450944, IN_PKTS=4500001),
        row(LONG, SRC_AS=4200000000, DST_AS=0, IN_BYTES=18000000000123, IN_PKTS=12000000003),
        row(SHORT, SRC_AS=64512, DST_AS=3320, IN_BYTES=4294967295, IN_PKTS=2863311),
        row(SHORT, SRC_AS=nf.AS_TRANS, DST_AS=65001, IN_BYTES=123456789, IN_PKTS=98765),
    ]
    return rows


def send(address, port, rows, source_id):
    uptime = 3600000
    sock = socket.socket(socket.AF_INET6 if ':' in address else socket.AF_INET, socket.SOCK_DGRAM)
    sequence = 0
    try:
        for template in (LONG, SHORT):
            records = [r for t, r in rows if t is template]
            packets, sequence = nf.build_packets(template, records, uptime, int(time.time()), sequence, source_id)
            for packet in packets:
                sock.sendto(packet, (address, port))
    finally:
        sock.close()


def summarize(template, record):
    return {'template': template.template_id, 'bytes': record[nf.IN_BYTES], 'packets': record[nf.IN_PKTS],
            'src_as': record[nf.SRC_AS], 'dst_as': record[nf.DST_AS]}


def compare(checks, sent, received):
    """One check per sent record: a received flow with exactly its bytes, packets and ASNs."""
    remaining = list(received)
    for row in sent:
        key = (row['bytes'], row['packets'], row['src_as'], row['dst_as'])
        match = next((f for f in remaining if (f['bytes'], f['packets'], f['src_as'], f['dst_as']) == key), None)
        if match is not None:
            remaining.remove(match)
        checks.expect('template %d record src AS %d bytes %d' % (row['template'], row['src_as'], row['bytes']),
                      match is not None,
                      'not read back exactly: sent bytes=%d packets=%d src_as=%d dst_as=%d; received %s'
                      % (key + (['%(bytes)d/%(packets)d/%(src_as)d/%(dst_as)d' % f for f in received],)))
    checks.expect('no unexpected records', not remaining,
                  '%d record(s) with the test marker that were not sent' % len(remaining))


def main():
    module = AnsibleModule(argument_spec=dict(
        flow_dir=dict(type='path', required=True),
        port=dict(type='int', default=9995),
        address=dict(type='str', default='127.0.0.1'),
        service=dict(type='str'),
        rotation=dict(type='str', default='restart', choices=['restart', 'wait']),
        wait_timeout=dict(type='int', default=330),
        loss_files=dict(type='int', default=12),
        fail_on_error=dict(type='bool', default=True),
    ), required_if=[('rotation', 'restart', ['service'])], supports_check_mode=False)
    params = module.params
    if not os.path.isdir(params['flow_dir']):
        module.fail_json(msg='flow_dir %s does not exist: is the collector configured?' % params['flow_dir'])
    runner = CommandRunner(module)
    marker = random.randint(40000, 60000)
    rows = test_records(marker, 3600000)
    sent = [summarize(t, r) for t, r in rows]
    checks = CheckList()
    received, loss, state = [], {}, {}
    try:
        state = socket_state(runner, params['port'])  # before the restart resets the socket's counters
        started = time.time()
        send(params['address'], params['port'], rows, source_id=marker)
        deadline = started + params['wait_timeout']
        if params['rotation'] == 'restart':
            time.sleep(1)  # let nfcapd take the datagrams off the socket before it is stopped
            runner.run(['systemctl', 'restart', params['service']], changes=True)
        while True:
            fresh = [p for p in flow_files(params['flow_dir']) if os.path.getmtime(p) >= started - 1]
            received = read_flows(runner, fresh, 'in if %d' % marker)
            if len(received) >= len(sent) or time.time() > deadline:
                break
            time.sleep(2)
        compare(checks, sent, received)
        check_socket(checks, state, params['port'])
        loss = check_loss(checks, runner, flow_files(params['flow_dir']), params['loss_files'])
    except (CommandError, NfdumpError) as exc:
        module.fail_json(msg=str(exc), commands=runner.commands, sent=sent)
    checks.exit(module, fail_on_error=params['fail_on_error'], changed=False, sent=sent, received=received,
                commands=runner.commands, marker=marker, loss=loss, socket=state,
                udp_counters=parse_snmp_udp(read_text('/proc/net/snmp')))


if __name__ == '__main__':
    main()
