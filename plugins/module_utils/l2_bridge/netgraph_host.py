# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a FreeBSD host needs before an ng_bridge can be read and built, and the record of its mode.

* Kernel modules: ng_ether nodes exist only after ``kldload ng_ether`` (ng_ether.c attaches a node to
  every interface on MOD_LOAD).  ng_socket owns the ``net.graph.*`` sysctls.  Both go into
  loader.conf, so they are in the kernel before rc.d/sysctl applies sysctl.conf and before the rc.d
  script replays the bridge.
* Reply size: ng_socket.c drops a control reply that does not fit the ngctl socket's receive buffer
  (``net.graph.recvspace``, messages capped by ``net.graph.maxdgram``; 20 KiB each by default) and
  ngctl prints ENOBUFS.  ``ngctl show`` of a bridge answers struct hooklist (struct nodeinfo, 72 bytes,
  plus struct linkinfo, 136 bytes, per hook: NG_HOOKSIZ/NG_NODESIZ/NG_TYPESIZ 32, ng_message.h) and
  ``ngctl list`` struct namelist (72 bytes per node), so 4,000 hooks need about 540 KiB.
* Mode record: ng_bridge decides restrictive mode once, when an uplink is connected to a bridge
  without links (ng_bridge.c ng_bridge_newhook(), priv->sendUnknown), and no message reads it back.
  The module records the mode of the bridge it builds, keyed by the node ID; the rc.d script renews
  the record after it rebuilds the bridge at boot.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text, update_text
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import mode_name
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.netgraph import (
    observed_mode, parse_config, parse_list, parse_show)

KERNEL_MODULES = ('ng_socket', 'ng_ether')
BUFFER_SYSCTLS = ('net.graph.recvspace', 'net.graph.maxdgram')
DEFAULT_BUFFER = 20480  # ng_socket.c ngpdg_recvspace / ngpdg_sendspace
DEFAULT_MAXSOCKBUF = 2097152  # kern.ipc.maxsockbuf default (sys/kern/uipc_sockbuf.c SB_MAX)
NODEINFO_BYTES = 72
LINKINFO_BYTES = 136
# struct sockaddr_ng of the sender (16) + struct ng_mesg header (56) travel with every reply.
REPLY_OVERHEAD = 16 + 56
# Nodes beyond interfaces and ports (bridges, sockets, other graphs) the list reply must also hold.
NODE_SLACK = 64
ENOBUFS_TEXT = 'No buffer space available'
_RECORD_RE = re.compile(r'^(?P<id>[0-9a-f]{8}) (?P<mode>restrictive|classic) (?P<first>\S+)\s*$')


class GraphUnreadable(Exception):
    """An ngctl reply was dropped because it does not fit the socket buffer."""


def reply_bytes(hooks, nodes):
    """Largest reply the module reads: ``ngctl show`` (hooklist) or ``ngctl list`` (namelist)."""
    return REPLY_OVERHEAD + max(NODEINFO_BYTES + hooks * LINKINFO_BYTES, 4 + nodes * NODEINFO_BYTES)


def buffer_target(hooks, nodes):
    """Buffer size to set: the reply plus a quarter for growth, in 64 KiB steps, never below the default."""
    needed = reply_bytes(hooks, nodes)
    return max(DEFAULT_BUFFER, (needed + needed // 4 + 65535) // 65536 * 65536)


def socket_limit(maxsockbuf):
    """soreserve() refuses buffers above sb_max_adj = maxsockbuf * MCLBYTES / (MSIZE + MCLBYTES)."""
    return maxsockbuf * 2048 // (256 + 2048)


def set_conf_line(text, key, value):
    """sysctl.conf / loader.conf text with ``key=value`` set once (other lines for key dropped)."""
    lines = [line for line in text.splitlines() if not re.match(r'^\s*%s\s*=' % re.escape(key), line)]
    return '\n'.join(lines + ['%s=%s' % (key, value)]) + '\n'


def persist(module, tracker, path, settings):
    """Set every (key, value) in a key=value boot file; diff and check mode through update_text."""
    before = read_text(path)
    after = before
    for key, value in settings:
        if re.search(r'^\s*%s\s*=\s*%s\s*$' % (re.escape(key), re.escape(value)), after, re.M) is None:
            after = set_conf_line(after, key, value)
    if after != before:
        tracker.add(path, before, after)
        update_text(module, path, after)
    return after != before


def ensure_modules(runner, tracker, loader_conf):
    """Load ng_socket and ng_ether now and at boot; returns the modules that are (or would be) loaded now."""
    loaded = []
    for name in KERNEL_MODULES:
        if runner.run(['kldstat', '-q', '-m', name], expected_rc=None).rc != 0:
            runner.run_or_fail(['kldload', '-n', name], changes=True)
            loaded.append(name)
    persisted = persist(runner.module, tracker, loader_conf, [('%s_load' % n, '"YES"') for n in KERNEL_MODULES])
    return dict(loaded=loaded, loader_conf_changed=persisted)


def read_sysctls(runner, names):
    """{name: int} of the names the kernel knows (FreeBSD sysctl -n prints known ones, one a line)."""
    values = {}
    for name in names:
        result = runner.run(['sysctl', '-n', name], expected_rc=None)
        if result.rc == 0 and result.stdout.strip().isdigit():
            values[name] = int(result.stdout.strip())
    return values


def ensure_buffers(runner, tracker, sysctl_conf, name, ports):
    """Raise net.graph.recvspace/maxdgram (now and in sysctl.conf) so the bridge and the node list fit."""
    shown = runner.run(['ngctl', 'show', '-n', '%s:' % name], expected_rc=None)
    hooks = parse_show(shown.stdout)['num_hooks'] if shown.rc == 0 else 0
    values = read_sysctls(runner, BUFFER_SYSCTLS + ('kern.ipc.maxsockbuf', 'net.link.generic.system.ifcount'))
    interfaces = values.get('net.link.generic.system.ifcount', 0)
    target = buffer_target(max(hooks, ports), interfaces + ports + NODE_SLACK)
    limit = socket_limit(values.get('kern.ipc.maxsockbuf', DEFAULT_MAXSOCKBUF))
    if target > limit:
        runner.module.fail_json(
            msg='bridge %s: %d hooks and %d interfaces need net.graph.recvspace %d, above what kern.ipc.maxsockbuf '
                'allows (%d): raise kern.ipc.maxsockbuf first' % (name, max(hooks, ports), interfaces, target, limit),
            commands=runner.commands)
    current = dict((key, values.get(key, DEFAULT_BUFFER)) for key in BUFFER_SYSCTLS)
    wanted = dict((key, max(current[key], target)) for key in BUFFER_SYSCTLS)
    if wanted != current:
        runner.run_or_fail(['sysctl'] + ['%s=%d' % item for item in sorted(wanted.items())], changes=True)
        tracker.add('sysctl', current, wanted)
    persisted = persist(runner.module, tracker, sysctl_conf, [(k, str(v)) for k, v in sorted(wanted.items())])
    return dict(buffers_before=current, buffers=wanted, sysctl_conf_changed=persisted,
                pending=wanted != current and runner.module.check_mode)


def _read(runner, argv):
    result = runner.run(argv, expected_rc=None)
    if result.rc != 0 and ENOBUFS_TEXT in result.stderr:
        raise GraphUnreadable('%s: the reply does not fit net.graph.recvspace/maxdgram (ng_socket drops it: %s)'
                              % (' '.join(argv), result.stderr.strip()))
    if result.rc != 0:
        runner.module.fail_json(msg='%s exited with %d: %s' % (' '.join(argv), result.rc, result.stderr.strip()),
                                commands=runner.commands, rc=result.rc, stderr=result.stderr)
    return result.stdout


def read_graph(runner, name):
    """(existing node names, parse_show() of the node or None, its config or None when it is no bridge).

    Raises GraphUnreadable when a reply is too large for the socket buffer.
    """
    nodes = parse_list(_read(runner, ['ngctl', 'list']))
    existing = set(n['name'] for n in nodes if n['name'])
    if name not in existing:
        return existing, None, None
    observed = parse_show(_read(runner, ['ngctl', 'show', '%s:' % name]))
    if observed['type'] != 'bridge':
        return existing, observed, None
    return existing, observed, parse_config(_read(runner, ['ngctl', 'msg', '%s:' % name, 'getconfig']))


def record_path(state_dir, name):
    return os.path.join(state_dir, '%s.mode' % name)


def bridge_mode(observed, state_dir):
    """(mode, source, first hook) of a live bridge: its record when the record is of this node (same ID),
    else inferred from the oldest connected hook, which is wrong once the first hook was disconnected."""
    if observed is None or not observed['hooks']:
        return None, None, None
    match = _RECORD_RE.match(read_text(record_path(state_dir, observed['name'])).strip())
    if match and match.group('id') == observed['id']:
        return match.group('mode'), 'record', match.group('first')
    return observed_mode(observed['hooks']), 'oldest hook', observed['hooks'][-1]['hook']


def record_line(model, first_hook, node_id):
    return '%s %s %s\n' % (node_id, mode_name(model['restrictive']), first_hook)


def write_record(runner, state_dir, model, first_hook):
    """After building the bridge: record its mode under the new node's ID."""
    if runner.module.check_mode:
        return
    shown = parse_show(runner.run_or_fail(['ngctl', 'show', '-n', '%s:' % model['name']]).stdout)
    update_text(runner.module, record_path(state_dir, model['name']), record_line(model, first_hook, shown['id']))
