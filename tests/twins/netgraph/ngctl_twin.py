# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A test twin of FreeBSD ngctl(8) with ng_bridge, ng_eiface and ng_ether nodes.

NOT FreeBSD: a Python model that keeps the netgraph state in the JSON file named by
$NGCTL_TWIN_STATE, so the isplab.infra.ng_bridge module and its parsers can be exercised end to
end on Linux.  What it models and what not: docs/bridges.md ("The netgraph twin").

Sources followed: sys/netgraph/ng_bridge.c (newhook name rules, first-hook restrictive mode,
learning only on link hooks, flooding in ng_bridge_send_ctx, control messages), ng_bridge.h
(config/stats field names), ng_parse.c (struct text form; default-valued fields are omitted),
usr.sbin/ngctl/{list,show,msg,main}.c (output formats, -f handling).

Twin-only commands (not in FreeBSD): ``twin-iface NAME`` adds an Ethernet interface (with an
ng_ether node once ng_ether is loaded); ``twin-frame IFNAME SRCMAC DSTMAC`` injects a frame sent by the host behind
IFNAME and prints the interfaces that receive it; ``twin-tick SECONDS`` advances the bridge timers.
$NGCTL_TWIN_IFACES (comma separated) seeds interfaces when the state file is created;
$NGCTL_TWIN_KLDS (comma separated) names kernel modules loaded at that time (ng_ether: not by default,
as on a stock FreeBSD).  The kernel side (sysctl, kldload, kldstat) is in kernel_twin.py.

Control replies are limited like ng_socket.c: a reply that does not fit the ngctl socket's receive
buffer (net.graph.recvspace, and per the field notes capped by net.graph.maxdgram; 20 KiB each by
default) is dropped and ngctl reports ENOBUFS.  Reply sizes are the kernel's struct sizes (below).
Exit codes as usr.sbin/ngctl/main.c: 0, EX_USAGE 64 on bad usage, EX_OSERR 71 on a failed command.
"""

import errno
import json
import os
import re
import sys

NG_HOOKSIZ = 32
NG_NODESIZ = 32
NG_TYPESIZ = 32
# sys/netgraph/ng_message.h: struct nodeinfo = name[NG_NODESIZ] + type[NG_TYPESIZ] + ng_ID_t id + u_int32_t hooks;
# struct linkinfo = ourhook[NG_HOOKSIZ] + peerhook[NG_HOOKSIZ] + struct nodeinfo;
# struct ng_mesg header = 4 x u_char/u_int16_t padding word + 5 x u_int32_t + cmdstr[NG_CMDSIZ 32].
NODEINFO_SIZE = NG_NODESIZ + NG_TYPESIZ + 4 + 4
LINKINFO_SIZE = 2 * NG_HOOKSIZ + NODEINFO_SIZE
NG_MESG_HEADER = 4 + 5 * 4 + 32
# ng_socket.c delivers a reply with sbappendaddr(): the sender's struct sockaddr_ng (16 bytes) counts too.
SOCKADDR_NG = 16
EX_USAGE = 64   # sysexits.h, ngctl main.c: CMDRTN_USAGE
EX_OSERR = 71   # sysexits.h, ngctl main.c: CMDRTN_ERROR
# sys/netgraph/ng_socket.c: ngpdg_sendspace (net.graph.maxdgram) and ngpdg_recvspace (net.graph.recvspace).
DEFAULT_SYSCTLS = {'net.graph.maxdgram': 20480, 'net.graph.recvspace': 20480,
                   'net.link.ether.inet.max_age': 1200, 'kern.ipc.maxsockbuf': 2097152}
BRIDGE_DEFAULT_CONF = {'debugLevel': 1, 'loopTimeout': 60, 'maxStaleness': 900, 'minStableAge': 1}
BRIDGE_CONF_FIELDS = ('debugLevel', 'loopTimeout', 'maxStaleness', 'minStableAge')
BRIDGE_CMDS = {'setconfig': 1, 'getconfig': 2, 'reset': 3, 'getstats': 4, 'clrstats': 5,
               'getclrstats': 6, 'gettable': 7, 'setpersistent': 8}
EIFACE_CMDS = {'getifname': 1}
ETHER_CMDS = {'getifname': 1, 'getpromisc': 5, 'setpromisc': 6, 'getautosrc': 7, 'setautosrc': 8}
STATS_FIELDS = ('recvOctets', 'recvPackets', 'recvMulticast', 'recvBroadcast', 'recvUnknown',
                'recvRunts', 'recvInvalid', 'xmitOctets', 'xmitPackets', 'xmitMulticasts',
                'xmitBroadcasts', 'loopDrops', 'loopDetects', 'memoryFailures')
FRAME_LEN = 98  # an ICMP echo request of ping's default size, for the octet counters
BROADCAST = 'ff:ff:ff:ff:ff:ff'


class NgError(Exception):
    def __init__(self, code):
        super().__init__(os.strerror(code))
        self.code = code


def fail(code):
    raise NgError(code)


class Graph:
    def __init__(self, path):
        self.path = path
        if os.path.exists(path):
            with open(path) as handle:
                self.state = json.load(handle)
        else:
            self.state = {'next_id': 1, 'nodes': {}, 'interfaces': [], 'modules': [],
                          'sysctl': dict(DEFAULT_SYSCTLS)}
        self.nodes = self.state['nodes']
        self.by_name = dict((n['name'], nid) for nid, n in self.nodes.items() if n['name'])
        if not os.path.exists(path):
            for module in filter(None, os.environ.get('NGCTL_TWIN_KLDS', '').split(',')):
                self.kldload(module.strip())
            for ifname in filter(None, os.environ.get('NGCTL_TWIN_IFACES', '').split(',')):
                self.add_interface(ifname.strip())

    def save(self):
        tmp = self.path + '.tmp'
        with open(tmp, 'w') as handle:
            json.dump(self.state, handle)
        os.replace(tmp, self.path)

    # -- nodes -------------------------------------------------------------
    def new_node(self, ntype, priv):
        nid = self.state['next_id']
        self.state['next_id'] += 1
        # hooks: insertion ordered (oldest first); shown newest first like netgraph's LIST_INSERT_HEAD
        self.state['nodes'][str(nid)] = {'id': nid, 'name': None, 'type': ntype, 'hooks': {}, 'priv': priv}
        return str(nid)

    # -- kernel: interfaces and modules ----------------------------------------
    def add_interface(self, ifname):
        if ifname in self.state['interfaces']:
            return
        self.state['interfaces'].append(ifname)
        if 'ng_ether' in self.state['modules']:
            self.add_ether(ifname)

    def kldload(self, module):
        """ng_ether's MOD_LOAD attaches a node to every existing interface (ng_ether.c ng_ether_mod_event)."""
        if module in self.state['modules']:
            return False
        self.state['modules'].append(module)
        if module == 'ng_ether':
            for ifname in self.state['interfaces']:
                self.add_ether(ifname)
        return True

    def add_ether(self, ifname):
        nid = self.new_node('ether', {'ifname': ifname, 'promisc': 0, 'autosrc': 1})
        # ng_ether.c ng_ether_sanitize_ifname(): only '.' and ':' become '_'; a name netgraph still refuses
        # (with '[' or ']') leaves the node unnamed (ng_name_node fails).
        name = re.sub(r'[.:]', '_', ifname)
        if not re.search(r'[\[\]]', name):
            self.state['nodes'][nid]['name'] = name
            self.by_name[name] = nid
        return nid

    def reply_limit(self):
        return min(self.state['sysctl']['net.graph.recvspace'], self.state['sysctl']['net.graph.maxdgram'])

    def check_reply(self, payload):
        """ng_socket.c ngs_rcvmsg(): sbappendaddr() fails when the reply does not fit: ENOBUFS."""
        if SOCKADDR_NG + NG_MESG_HEADER + payload > self.reply_limit():
            fail(errno.ENOBUFS)

    def new_eiface(self):
        used = set(n['priv']['unit'] for n in self.nodes.values() if n['type'] == 'eiface')
        unit = 0
        while unit in used:
            unit += 1
        return self.new_node('eiface', {'unit': unit, 'ifname': 'ngeth%d' % unit})

    def new_bridge(self):
        return self.new_node('bridge', {'conf': dict(BRIDGE_DEFAULT_CONF), 'sendUnknown': 1,
                                        'persistent': 0, 'links': {}, 'hosts': {}})

    def remove_node(self, nid):
        node = self.nodes[nid]
        for hook in list(node['hooks']):
            self.disconnect(nid, hook)
        if nid not in self.nodes:
            return
        if node['type'] == 'ether':
            return  # ng_ether revives itself while its interface exists
        if node['name']:
            self.by_name.pop(node['name'], None)
        del self.nodes[nid]

    # -- addressing --------------------------------------------------------
    def resolve(self, path, here):
        if path in ('.', '.:'):
            return here
        match = re.match(r'^(?:\[([0-9a-fA-F]+)\]|([^:\[\]]*)):(.*)$', path)
        if path.startswith('.:'):
            nid, rest = here, path[2:]
        elif match:
            if match.group(1) is not None:
                nid = str(int(match.group(1), 16))
                if nid not in self.nodes:
                    fail(errno.ENOENT)
            else:
                nid = self.by_name.get(match.group(2))
                if nid is None:
                    fail(errno.ENOENT)
            rest = match.group(3)
        else:
            nid, rest = here, path
        for hook in filter(None, rest.split('.')):
            link = self.nodes[nid]['hooks'].get(hook)
            if link is None:
                fail(errno.ENOENT)
            nid = str(link[0])
        return nid

    # -- hooks -------------------------------------------------------------
    def check_newhook(self, nid, hook, peer_nid):
        node = self.nodes[nid]
        if len(hook) >= NG_HOOKSIZ or not hook:
            fail(errno.EINVAL)
        if hook in node['hooks']:
            fail(errno.EEXIST)
        ntype = node['type']
        if ntype == 'bridge':
            self.bridge_newhook_check(hook, nid == peer_nid)
        elif ntype == 'eiface':
            if hook != 'ether':
                fail(errno.EPFNOSUPPORT)
        elif ntype == 'ether':
            if hook not in ('lower', 'upper', 'orphans'):
                fail(errno.EINVAL)

    @staticmethod
    def bridge_newhook_check(name, self_loop):
        """ng_bridge_newhook(): primitive parsing plus comparison with the reconstructed name."""
        prefix = 'uplink' if name[0] == 'u' else 'link'
        if len(name) <= len('link'):
            fail(errno.EINVAL)
        digits = re.match(r'^\s*([+-]?)(\d*)', name[len(prefix):])
        number = int(digits.group(2) or '0') % (1 << 32)
        if digits.group(1) == '-':
            number = (-number) % (1 << 32)
        if '%s%d' % (prefix, number) != name:
            fail(errno.EINVAL)
        if number == 0 and prefix == 'uplink':
            fail(errno.EINVAL)
        if self_loop:
            fail(errno.ELOOP)

    def connect(self, a, hook_a, b, hook_b):
        self.check_newhook(a, hook_a, b)
        self.check_newhook(b, hook_b, a)
        for nid, hook, peer, peer_hook in ((a, hook_a, b, hook_b), (b, hook_b, a, hook_a)):
            self.nodes[nid]['hooks'][hook] = [int(peer), peer_hook]
            if self.nodes[nid]['type'] == 'bridge':
                self.bridge_addlink(self.nodes[nid], hook)

    def bridge_addlink(self, node, hook):
        priv = node['priv']
        uplink = hook.startswith('u')
        if uplink and not priv['links']:
            priv['sendUnknown'] = 0  # the first link is an uplink: restrictive mode
        priv['links'][hook] = {'learnMac': 0 if uplink else 1,
                               'sendUnknown': 1 if uplink else priv['sendUnknown'],
                               'loopCount': 0, 'stats': dict.fromkeys(STATS_FIELDS, 0)}

    def disconnect(self, nid, hook):
        node = self.nodes[nid]
        peer, peer_hook = node['hooks'].pop(hook)
        self._after_disconnect(nid, hook)
        peer = str(peer)
        if peer in self.nodes and peer_hook in self.nodes[peer]['hooks']:
            del self.nodes[peer]['hooks'][peer_hook]
            self._after_disconnect(peer, peer_hook)

    def _after_disconnect(self, nid, hook):
        node = self.nodes.get(nid)
        if node is None or node['type'] != 'bridge':
            return
        priv = node['priv']
        priv['hosts'] = dict((mac, h) for mac, h in priv['hosts'].items() if h['hook'] != hook)
        priv['links'].pop(hook, None)
        if not node['hooks'] and not priv['persistent']:
            if node['name']:
                self.by_name.pop(node['name'], None)
            del self.nodes[nid]

    # -- data path (twin only) ----------------------------------------------
    def frame(self, ifname, src, dst):
        """Frame sent by the host behind ifname; returns the interfaces that receive a copy."""
        src, dst = src.lower(), dst.lower()
        for nid, node in self.nodes.items():
            if node['priv'].get('ifname') == ifname:
                hook = 'ether' if node['type'] == 'eiface' else 'lower'
                break
        else:
            fail(errno.ENXIO)
        link = node['hooks'].get(hook)
        if link is None:
            return []
        out = self.bridge_rcvdata(str(link[0]), link[1], src, dst)
        received = []
        for bridge_nid, out_hook in out:
            peer = self.nodes[bridge_nid]['hooks'][out_hook][0]
            received.append(self.nodes[str(peer)]['priv'].get('ifname', '[%x]' % peer))
        return received

    def bridge_rcvdata(self, nid, hook, src, dst):
        node = self.nodes[nid]
        if node['type'] != 'bridge':
            return []
        priv = node['priv']
        incoming = priv['links'][hook]
        stats = incoming['stats']
        if int(src.split(':')[0], 16) & 1:
            stats['recvInvalid'] += 1
            return []
        if incoming['loopCount']:
            stats['loopDrops'] += 1
            return []
        stats['recvPackets'] += 1
        stats['recvOctets'] += FRAME_LEN
        manycast = 0
        if int(dst.split(':')[0], 16) & 1:
            manycast = 2 if dst == BROADCAST else 1
            stats['recvBroadcast' if manycast == 2 else 'recvMulticast'] += 1
        host = priv['hosts'].get(src)
        if host is not None:
            host['staleness'] = 0
            if host['hook'] != hook:
                if host['age'] < priv['conf']['minStableAge']:
                    incoming['loopCount'] = priv['conf']['loopTimeout']
                    stats['loopDetects'] += 1
                    priv['hosts'] = dict((m, h) for m, h in priv['hosts'].items() if h['hook'] != hook)
                    stats['loopDrops'] += 1
                    return []
                host['hook'] = hook
                host['age'] = 0
        elif incoming['learnMac']:
            priv['hosts'][src] = {'hook': hook, 'age': 0, 'staleness': 0}
        if not manycast:
            host = priv['hosts'].get(dst)
            if host is not None:
                if host['hook'] == hook:
                    return []
                self._count_xmit(priv['links'][host['hook']], 0)
                return [(nid, host['hook'])]
            stats['recvUnknown'] += 1
        out = []
        for out_hook in node['hooks']:
            link = priv['links'][out_hook]
            if out_hook == hook or (not manycast and not link['sendUnknown']):
                continue
            self._count_xmit(link, manycast)
            out.append((nid, out_hook))
        return out

    @staticmethod
    def _count_xmit(link, manycast):
        link['stats']['xmitPackets'] += 1
        link['stats']['xmitOctets'] += FRAME_LEN
        if manycast == 1:
            link['stats']['xmitMulticasts'] += 1
        elif manycast == 2:
            link['stats']['xmitBroadcasts'] += 1

    def tick(self, seconds):
        for node in self.nodes.values():
            if node['type'] != 'bridge':
                continue
            priv = node['priv']
            for _second in range(seconds):
                for mac in list(priv['hosts']):
                    host = priv['hosts'][mac]
                    host['staleness'] += 1
                    if host['staleness'] >= priv['conf']['maxStaleness']:
                        del priv['hosts'][mac]
                    elif host['age'] < 0xffff:
                        host['age'] += 1
                for link in priv['links'].values():
                    if link['loopCount']:
                        link['loopCount'] -= 1


# -- ASCII struct form (ng_parse) ------------------------------------------
def unparse_struct(fields):
    """ng_unparse_composite(): fields equal to their default (0) are left out."""
    parts = ['%s=%s' % (k, v) for k, v in fields if v not in (0, '')]
    return '{ %s }' % ' '.join(parts) if parts else '{}'


def parse_struct(text, names):
    """ng_parse_composite() for a flat struct of integers: unknown field ENOENT, duplicate EALREADY,
    missing fields take the default 0 (not the current value)."""
    text = text.strip()
    if not (text.startswith('{') and text.endswith('}')):
        fail(errno.EINVAL)
    tokens = re.findall(r'[^\s=]+|=', text[1:-1])
    if len(tokens) % 3:
        fail(errno.EINVAL)
    values = {}
    for index in range(0, len(tokens), 3):
        name, equals, value = tokens[index:index + 3]
        if equals != '=' or name == '=' or value == '=':
            fail(errno.EINVAL)
        if name not in names:
            fail(errno.ENOENT)
        if name in values:
            fail(errno.EALREADY)
        try:
            values[name] = int(value, 0)
        except ValueError:
            fail(errno.EINVAL)
    return dict((n, values.get(n, 0)) for n in names)


class Ngctl:
    def __init__(self, graph, out, err):
        self.graph = graph
        self.out = out
        self.err = err
        self.sock = graph.new_node('socket', {})
        name = 'ngctl%d' % os.getpid()
        graph.nodes[self.sock]['name'] = name
        graph.by_name[name] = self.sock

    def close(self):
        if self.sock in self.graph.nodes:
            node = self.graph.nodes[self.sock]
            for hook in list(node['hooks']):
                self.graph.disconnect(self.sock, hook)
            self.graph.by_name.pop(node['name'], None)
            del self.graph.nodes[self.sock]

    def run(self, argv):
        """Returns 0, EX_OSERR (CMDRTN_ERROR) or EX_USAGE (CMDRTN_USAGE), as ngctl main.c maps them."""
        if not argv:
            return 0
        handler = getattr(self, 'cmd_' + argv[0].replace('-', '_'), None)
        if handler is None:
            self.err.write('ngctl: "%s": unknown command\n' % argv[0])
            return EX_OSERR
        try:
            return handler(argv[1:])
        except NgError as exc:
            self.err.write('ngctl: send msg: %s\n' % exc)
            return EX_OSERR
        except UsageError as exc:
            self.err.write('ngctl: usage: %s\n' % exc)
            return EX_USAGE

    def cmd_mkpeer(self, args):
        if len(args) == 3:
            args = ['.'] + args
        if len(args) != 4:
            raise UsageError('mkpeer [path] <type> <hook> <peerhook>')
        path, ntype, hook, peer_hook = args
        src = self.graph.resolve(path, self.sock)
        makers = {'bridge': self.graph.new_bridge, 'eiface': self.graph.new_eiface}
        if ntype not in makers:
            fail(errno.ENXIO if ntype != 'ether' else errno.EOPNOTSUPP)
        new = makers[ntype]()
        try:
            self.graph.connect(src, hook, new, peer_hook)
        except NgError:
            del self.graph.nodes[new]
            raise
        return 0

    def cmd_connect(self, args):
        if len(args) == 3:
            args = ['.'] + args
        if len(args) != 4:
            raise UsageError('connect [path] <relpath> <hook> <peerhook>')
        path, relpath, hook, peer_hook = args
        src = self.graph.resolve(path, self.sock)
        dst = self.graph.resolve(relpath, src)
        self.graph.connect(src, hook, dst, peer_hook)
        return 0

    def cmd_name(self, args):
        if len(args) != 2:
            raise UsageError('name <path> <name>')
        nid = self.graph.resolve(args[0], self.sock)
        name = args[1]
        if not name or len(name) >= NG_NODESIZ or re.search(r'[.:\[\]]', name):
            fail(errno.EINVAL)
        if name in self.graph.by_name:
            fail(errno.EADDRINUSE)
        node = self.graph.nodes[nid]
        if node['name']:
            self.graph.by_name.pop(node['name'], None)
        node['name'] = name
        self.graph.by_name[name] = nid
        return 0

    def cmd_rmhook(self, args):
        if len(args) == 1:
            args = ['.'] + args
        if len(args) != 2:
            raise UsageError('rmhook [path] <hook>')
        nid = self.graph.resolve(args[0], self.sock)
        if args[1] not in self.graph.nodes[nid]['hooks']:
            fail(errno.ENOENT)
        self.graph.disconnect(nid, args[1])
        return 0

    def cmd_shutdown(self, args):
        if len(args) != 1:
            raise UsageError('shutdown <path>')
        self.graph.remove_node(self.graph.resolve(args[0], self.sock))
        return 0

    def _header(self, node):
        return '  Name: %-15s Type: %-15s ID: %08x   Num hooks: %d\n' % (
            node['name'] or '<unnamed>', node['type'], node['id'], len(node['hooks']))

    def cmd_list(self, args):
        named = '-n' in args
        hooks = '-l' in args
        nodes = [n for n in self.graph.nodes.values() if n['name'] or not named]
        # NGM_LISTNODES / NGM_LISTNAMES reply: struct namelist = u_int32_t numnames + N x struct nodeinfo.
        self.graph.check_reply(4 + len(nodes) * NODEINFO_SIZE)
        self.out.write('There are %d total %snodes:\n' % (len(nodes), 'named ' if named else ''))
        for node in nodes:
            if hooks:
                self._show(node, True)
            else:
                self.out.write(self._header(node))
        return 0

    def cmd_ls(self, args):
        return self.cmd_list(args)

    def cmd_show(self, args):
        no_hooks = '-n' in args
        args = [a for a in args if a != '-n']
        if len(args) != 1:
            raise UsageError('show [-n] <path>')
        self._show(self.graph.nodes[self.graph.resolve(args[0], self.sock)], not no_hooks)
        return 0

    def _show(self, node, with_hooks):
        fmt = '  %-15s %-15s %-12s %-15s %-15s\n'
        # NGM_LISTHOOKS reply: struct hooklist = struct nodeinfo + N x struct linkinfo (~136 bytes a hook);
        # show -n sends NGM_NODEINFO: one struct nodeinfo.
        self.graph.check_reply(NODEINFO_SIZE + (len(node['hooks']) * LINKINFO_SIZE if with_hooks else 0))
        self.out.write(self._header(node))
        if with_hooks and node['hooks']:
            self.out.write(fmt % ('Local hook', 'Peer name', 'Peer type', 'Peer ID', 'Peer hook'))
            self.out.write(fmt % ('----------', '---------', '---------', '-------', '---------'))
            for hook in reversed(list(node['hooks'])):
                peer_id, peer_hook = node['hooks'][hook]
                peer = self.graph.nodes[str(peer_id)]
                self.out.write(fmt % (hook, peer['name'] or '<unnamed>', peer['type'],
                                      '%08x' % peer['id'], peer_hook))

    def cmd_msg(self, args):
        if len(args) < 2:
            raise UsageError('msg path command [args ... ]')
        nid = self.graph.resolve(args[0], self.sock)
        node = self.graph.nodes[nid]
        cmd, arg = args[1], ' '.join(args[2:])
        table = {'bridge': BRIDGE_CMDS, 'eiface': EIFACE_CMDS, 'ether': ETHER_CMDS}.get(node['type'], {})
        if cmd not in table:
            fail(errno.ENOSYS)
        response = getattr(self, 'msg_%s_%s' % (node['type'], cmd))(node, arg)
        if response is not None:
            self.out.write('Rec\'d response "%s" (%d) from "[%x]:":\n' % (cmd, table[cmd], node['id']))
            self.out.write('Args:\t%s\n' % response if response else 'No arguments\n')
        return 0

    def msg_bridge_setconfig(self, node, arg):
        node['priv']['conf'] = parse_struct(arg, BRIDGE_CONF_FIELDS)

    def msg_bridge_getconfig(self, node, arg):
        conf = node['priv']['conf']
        return unparse_struct([(f, conf[f]) for f in BRIDGE_CONF_FIELDS])

    def msg_bridge_reset(self, node, arg):
        node['priv']['hosts'] = {}
        for link in node['priv']['links'].values():
            link['loopCount'] = 0
            link['stats'] = dict.fromkeys(STATS_FIELDS, 0)

    def _stats_link(self, node, arg):
        try:
            number = int(arg.strip(), 0)
        except ValueError:
            fail(errno.EINVAL)
        hook = ('uplink%d' % -number) if number < 0 else ('link%d' % number)
        link = node['priv']['links'].get(hook)
        if link is None:
            fail(errno.ENOTCONN)
        return link

    def msg_bridge_getstats(self, node, arg):
        stats = self._stats_link(node, arg)['stats']
        return unparse_struct([(f, stats[f]) for f in STATS_FIELDS])

    def msg_bridge_clrstats(self, node, arg):
        self._stats_link(node, arg)['stats'] = dict.fromkeys(STATS_FIELDS, 0)

    def msg_bridge_getclrstats(self, node, arg):
        text = self.msg_bridge_getstats(node, arg)
        self.msg_bridge_clrstats(node, arg)
        return text

    def msg_bridge_gettable(self, node, arg):
        hosts = node['priv']['hosts']
        entries = ' '.join(unparse_struct([('addr', mac), ('age', h['age']), ('staleness', h['staleness']),
                                           ('hook', '"%s"' % h['hook'])]) for mac, h in hosts.items())
        return unparse_struct([('numHosts', len(hosts)), ('hosts', '[ %s ]' % entries if hosts else '')])

    def msg_bridge_setpersistent(self, node, arg):
        node['priv']['persistent'] = 1

    def msg_eiface_getifname(self, node, arg):
        return '"%s"' % node['priv']['ifname']

    def msg_ether_getifname(self, node, arg):
        return '"%s"' % node['priv']['ifname']

    def msg_ether_getpromisc(self, node, arg):
        return str(node['priv']['promisc'])

    def msg_ether_setpromisc(self, node, arg):
        node['priv']['promisc'] = int(arg or '0', 0)

    def msg_ether_getautosrc(self, node, arg):
        return str(node['priv']['autosrc'])

    def msg_ether_setautosrc(self, node, arg):
        node['priv']['autosrc'] = int(arg or '0', 0)

    def cmd_twin_iface(self, args):
        for name in args:
            self.graph.add_interface(name)
        return 0

    def cmd_twin_frame(self, args):
        if len(args) != 3:
            raise UsageError('twin-frame <ifname> <srcmac> <dstmac>')
        for ifname in self.graph.frame(*args):
            self.out.write(ifname + '\n')
        return 0

    def cmd_twin_tick(self, args):
        self.graph.tick(int(args[0]))
        return 0


class UsageError(Exception):
    pass


def main(argv):
    state = os.environ.get('NGCTL_TWIN_STATE')
    if not state:
        sys.stderr.write('ngctl (twin): set NGCTL_TWIN_STATE to the state file\n')
        return 2
    args = list(argv)
    batch = None
    while args and args[0].startswith('-') and args[0] != '-':
        opt = args.pop(0)
        if opt == '-f':
            batch = args.pop(0)
        elif opt in ('-d',):
            continue
        elif opt == '-n':
            args.pop(0)
        else:
            sys.stderr.write('usage: ngctl [-d] [-f file] [-n name] [command ...]\n')
            return EX_USAGE
    graph = Graph(state)
    # libnetgraph NgMkSockNode() loads ng_socket when it is missing; its socket buffers are reserved with
    # soreserve(), which fails (ENOBUFS) above sb_max_adj = kern.ipc.maxsockbuf * MCLBYTES / (MSIZE + MCLBYTES).
    graph.kldload('ng_socket')
    sysctls = graph.state['sysctl']
    sb_max_adj = sysctls['kern.ipc.maxsockbuf'] * 2048 // 2304
    if max(sysctls['net.graph.recvspace'], sysctls['net.graph.maxdgram']) > sb_max_adj:
        sys.stderr.write('ngctl: can\'t create node: %s\n' % os.strerror(errno.ENOBUFS))
        graph.save()
        return EX_OSERR
    ngctl = Ngctl(graph, sys.stdout, sys.stderr)
    rc = 0
    try:
        if batch is not None:
            handle = sys.stdin if batch == '-' else open(batch)
            for number, line in enumerate(handle, 1):
                if line.startswith('#'):
                    continue
                rc = ngctl.run(line.split())
                if rc != 0:
                    sys.stderr.write('ngctl: line %d: error in file\n' % number)
                    break
        elif args:
            rc = ngctl.run(args)
        else:
            sys.stderr.write('ngctl (twin): interactive mode is not modelled\n')
            rc = EX_USAGE
    finally:
        ngctl.close()
        graph.save()
    return rc


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
