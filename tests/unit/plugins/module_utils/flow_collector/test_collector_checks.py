"""flow_collector_verify's loss checks on captured ss and nfdump output."""

import os

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import collector_checks as cc
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.loss import parse_skmem

FIX = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')


def read(*name):
    with open(os.path.join(FIX, *name)) as handle:
        return handle.read()


def test_requested_rcvbuf_from_the_command_line():
    assert cc.requested_rcvbuf(['nfcapd', '-D', '-w', '/d', '-B', '5833800', '-e']) == 5833800
    assert cc.requested_rcvbuf(['nfcapd', '-B5833800']) == 5833800
    assert cc.requested_rcvbuf(['nfcapd', '-w', '/d']) is None


def test_drops_at_the_socket_fail_with_the_count():
    checks = CheckList()
    cc.check_socket(checks, {'skmem': parse_skmem(read('linux_udp', 'ss_nfcapd_drops.txt')), 'requested': None}, 39115)
    assert [c['problem'] for c in checks.failed] == [
        "the kernel dropped 308 datagrams at nfcapd's socket since it was opened (receive buffer of 212992 bytes "
        "full): size -B for the real burst (flow_collector_burst_flows)"]


def test_a_capped_buffer_fails():
    checks = CheckList()
    # nfcapd_rcvbuf_capped.log: -B 8000000 with rmem_max 4194304 -> the kernel kept 8388608
    cc.check_socket(checks, {'skmem': {'rb': 8388608, 'd': 0}, 'requested': 8000000}, 9995)
    assert [c['problem'] for c in checks.failed] == [
        'nfcapd asked for -B 8000000 but the socket holds 8388608 bytes (the kernel keeps 2 x -B, so 16000000): '
        'net.core.rmem_max capped it; raise it to at least 8000000 and restart the instance']
    kept = CheckList()
    cc.check_socket(kept, {'skmem': {'rb': 11667600, 'd': 0}, 'requested': 5833800}, 9995)
    assert kept.failed == [] and len(kept.results) == 3


def test_no_socket_is_one_failure():
    checks = CheckList()
    cc.check_socket(checks, {'skmem': None, 'requested': None}, 9995)
    assert [c['problem'] for c in checks.failed] == ['no UDP socket listens on port 9995: is the nfcapd instance running?']


class FakeModule:
    check_mode = False
    run_command_environ_update = {}

    def __init__(self, outputs):
        self.outputs = outputs

    def get_bin_path(self, name, required=False):
        return '/usr/bin/' + name

    def run_command(self, argv, environ_update=None, data=None, binary_data=False):
        return 0, self.outputs[argv[-1]], ''


def test_loss_in_the_newest_files_names_exporter_and_count():
    files = ['/f/nfcapd.202612031100', '/f/nfcapd.202612031105', '/f/nfcapd.202612031110']
    module = FakeModule({files[0]: read('nfdump', 'exporters_kernel_drop.txt'),
                         files[1]: read('nfdump', 'exporters_sequence_failures.txt'),
                         files[2]: read('nfdump', 'exporters_empty_file.txt')})
    checks = CheckList()
    found = cc.check_loss(checks, CommandRunner(module), files, 2)
    assert list(found) == [files[1]]  # the oldest file is not among the newest 2
    assert checks.results[0]['check'] == 'flows lost in the last 2 files'
    assert checks.results[0]['problem'] == (
        'exporter 127.0.0.2: 1 sequence failures (lost export datagrams) in 1 of the last 2 files (nfcapd.202612031105); '
        'exporter 127.0.0.3: 2 sequence failures (lost export datagrams) in 1 of the last 2 files (nfcapd.202612031105)')
    everything = CheckList()
    cc.check_loss(everything, CommandRunner(module), files, 12)
    assert '127.0.0.5: 1 sequence failures' in everything.results[0]['problem']


def test_no_loss_passes():
    module = FakeModule({'/f/nfcapd.202612031110': read('nfdump', 'exporters_empty_file.txt')})
    checks = CheckList()
    assert cc.check_loss(checks, CommandRunner(module), ['/f/nfcapd.202612031110'], 12) == {}
    assert checks.failed == [] and checks.results[0]['check'] == 'flows lost in the last 12 files'
