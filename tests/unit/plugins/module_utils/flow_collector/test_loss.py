"""Loss as nfdump 1.7.1 and the kernel report it, on captured output (tests/unit/fixtures/{nfdump,linux_udp}/README.md)."""

import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import loss
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.nfdump import NfdumpError

FIX = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')


def read(*name):
    with open(os.path.join(FIX, *name)) as handle:
        return handle.read()


def test_exporters_with_sequence_failures():
    exporters = loss.parse_exporters(read('nfdump', 'exporters_sequence_failures.txt'))
    assert [(e['ip'], e['id'], e['sequence_failures'], e['packets'], e['flows']) for e in exporters] == [
        ('127.0.0.2', 7, 1, 8, 80), ('127.0.0.3', 7, 2, 6, 60), ('127.0.0.4', 7, 0, 3, 30)]
    assert loss.failures_by_exporter(exporters) == {'127.0.0.2': 1, '127.0.0.3': 2, '127.0.0.4': 0}


def test_per_exporter_failures_add_up_to_the_file_total_of_nfdump_I():
    total = [line for line in read('nfdump', 'info_sequence_failures.txt').splitlines() if line.startswith('Sequence failures:')]
    exporters = loss.parse_exporters(read('nfdump', 'exporters_sequence_failures.txt'))
    assert total == ['Sequence failures: %d' % sum(loss.failures_by_exporter(exporters).values())]


def test_a_kernel_drop_of_308_datagrams_is_one_failure():
    exporters = loss.parse_exporters(read('nfdump', 'exporters_kernel_drop.txt'))
    assert loss.failures_by_exporter(exporters) == {'127.0.0.5': 1}
    skmem = loss.parse_skmem(read('linux_udp', 'ss_nfcapd_drops.txt'))
    assert skmem['d'] == 308 and skmem['rb'] == 212992 and skmem['r'] == 211968
    assert skmem['r'] // 92 == 2304  # 92 datagrams of 1432 bytes were queued: truesize 2304 each


def test_empty_file_has_no_exporters():
    assert loss.parse_exporters(read('nfdump', 'exporters_empty_file.txt')) == []


def test_unexpected_output_is_an_error():
    with pytest.raises(NfdumpError, match='nfdump -E printed no "Exporters:" heading'):
        loss.parse_exporters('Error opening file: No such file or directory\n')
    with pytest.raises(NfdumpError, match="unexpected nfdump -E line: 'SysID: 1, IP: 10.0.0.1'"):
        loss.parse_exporters('Exporters:\n\nSysID: 1, IP: 10.0.0.1\n')


def test_snmp_udp_counters():
    counters = loss.parse_snmp_udp(read('linux_udp', 'proc_net_snmp.txt'))
    assert counters['RcvbufErrors'] == 308 and counters['InErrors'] == 308
    assert loss.parse_snmp_udp('') == {}


class FakeModule:
    check_mode = False
    run_command_environ_update = {}

    def __init__(self, outputs):
        self.outputs = outputs
        self.calls = []

    def get_bin_path(self, name, required=False):
        return '/usr/bin/' + name

    def run_command(self, argv, environ_update=None, data=None, binary_data=False):
        self.calls.append((argv, environ_update))
        return 0, self.outputs[argv[-1]], ''


def test_sequence_failures_runs_nfdump_E_in_utc():
    module = FakeModule({'/f/nfcapd.202612031115': read('nfdump', 'exporters_sequence_failures.txt')})
    runner = CommandRunner(module)
    assert loss.sequence_failures(runner, '/f/nfcapd.202612031115') == {'127.0.0.2': 1, '127.0.0.3': 2, '127.0.0.4': 0}
    assert runner.commands == ['/usr/bin/nfdump -E /f/nfcapd.202612031115']
    assert module.calls[0][1]['TZ'] == 'UTC'


def test_losses_leave_out_files_without_loss():
    module = FakeModule({'/f/nfcapd.202612031110': read('nfdump', 'exporters_empty_file.txt'),
                         '/f/nfcapd.202612031115': read('nfdump', 'exporters_sequence_failures.txt')})
    found = loss.losses(CommandRunner(module), ['/f/nfcapd.202612031110', '/f/nfcapd.202612031115'])
    assert found == {'/f/nfcapd.202612031115': {'127.0.0.2': 1, '127.0.0.3': 2}}


@pytest.fixture
def utc(monkeypatch):
    import time
    monkeypatch.setenv('TZ', 'UTC')
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_mark_loss_adds_a_field_to_every_slot_and_keeps_silent_slots_with_loss(utc):
    rates = [{'slot': 1796296500, 'start': '2026-12-03T11:15:00Z', 'bps': {'3320': 8}}]
    marked = loss.mark_loss(rates, {'/f/nfcapd.202612031115': {'127.0.0.3': 2},
                                    '/f/nfcapd.202612031120': {'127.0.0.2': 1}}, 300)
    assert marked == [
        {'slot': 1796296500, 'start': '2026-12-03T11:15:00Z', 'bps': {'3320': 8}, 'loss': {'127.0.0.3': 2}},
        {'slot': 1796296800, 'start': '2026-12-03T11:20:00Z', 'bps': {}, 'loss': {'127.0.0.2': 1}}]
    assert loss.mark_loss(rates, {}, 300)[0]['loss'] == {}


def test_an_exporter_without_flows_in_the_file_counts_no_failures():
    # seen on the lab collector: templates arrived from the NAT address, data only from 127.0.0.1
    exporters = loss.parse_exporters(read('nfdump', 'exporters_no_flows_sent.txt'))
    assert [(e['ip'], e['id'], e['sequence_failures'], e['flows']) for e in exporters] == [
        ('10.0.2.2', 0, 0, 0), ('127.0.0.1', 43468, 0, 4)]
    assert loss.failures_by_exporter(exporters) == {'10.0.2.2': 0, '127.0.0.1': 0}
