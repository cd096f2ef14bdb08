"""IOS-XE twin: an SSH server on 127.0.0.1 that netmiko's cisco_xe driver can drive, plus a NetFlow exporter.

Run:  python -m tests.twins.ios_xe.server --credentials creds.json --port-file port
        [--startup-config FILE] [--traffic traffic.json] [--scale 600] [--lifetime 900]
        [--network default|FILE --router NAME [--collector 127.0.0.1:9995]] [--export-source 127.0.0.12]

``creds.json`` (mode 0600) holds {"username", "password", "secret"}: secrets never
go on the command line.  The server exits by itself after ``--lifetime``
seconds, on SIGTERM/SIGINT, or when the parent given by ``--parent-pid`` dies.
"""

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time

import paramiko

from .cli import RouterState
from .exporter import ExporterThread, Simulation
from .shell import Session, load_config_text


class _Auth(paramiko.ServerInterface):
    def __init__(self, creds):
        self.creds = creds
        self.shell = threading.Event()

    def get_allowed_auths(self, username):
        return 'password'

    def check_auth_password(self, username, password):
        if username == self.creds['username'] and password == self.creds['password']:
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == 'session' else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, *args):
        return True

    def check_channel_shell_request(self, channel):
        self.shell.set()
        return True


def _out(chan, text):
    chan.sendall(text.replace('\r\n', '\n').replace('\n', '\r\n').encode())


def serve_connection(sock, host_key, creds, state, saver, stop):
    transport = paramiko.Transport(sock)
    transport.add_server_key(host_key)
    auth = _Auth(creds)
    try:
        transport.start_server(server=auth)
        chan = transport.accept(20)
        if chan is None or not auth.shell.wait(10):
            return
        session = Session(state, creds.get('secret', ''), saver=saver)
        _out(chan, '\n' + session.prompt())
        buf = ''
        last_cr = False
        chan.settimeout(1.0)
        while not stop.is_set() and not session.closed:
            try:
                data = chan.recv(4096)
            except socket.timeout:
                continue
            if not data:
                break
            for ch in data.decode('utf-8', 'replace'):
                if ch == '\n' and last_cr:
                    last_cr = False
                    continue
                last_cr = ch == '\r'
                if ch in '\r\n':
                    _out(chan, '\n')
                    output = session.handle(buf)
                    buf = ''
                    if session.closed:
                        break
                    _out(chan, output + session.prompt())
                elif ch == '\x1a':  # Ctrl-Z
                    session.handle('end')
                    _out(chan, '\n' + session.prompt())
                else:
                    buf += ch
                    if session.awaiting != 'enable-password':
                        _out(chan, ch)
    except (paramiko.SSHException, EOFError, OSError):
        pass
    finally:
        transport.close()


def load_config(state, path):
    """Apply a startup-config file leniently; refused lines are reported on stderr."""
    with open(path) as handle:
        load_config_text(state, handle.read(),
                         warn=lambda line, reply: sys.stderr.write('startup-config: %s -> %s\n' % (line, reply)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--credentials', required=True)
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--port-file')
    parser.add_argument('--hostname', default='R1')
    parser.add_argument('--startup-config')
    parser.add_argument('--save-to', help='file `write memory` writes the running config to')
    parser.add_argument('--traffic', help='JSON list of {src_as, dst_as, input, output, bps[, packet_size, family]}')
    parser.add_argument('--scale', type=float, default=600.0, help='simulated seconds per real second')
    parser.add_argument('--step', type=int, default=10, help='simulated seconds per simulation step')
    parser.add_argument('--origin', type=int, help='unix time of simulated second 0 (default: now, floored to 1800 s)')
    parser.add_argument('--lifetime', type=float, default=900.0)
    parser.add_argument('--record-lock', choices=['attached', 'referenced'], default='attached',
                        help='when a record may not change: its monitor is attached, or any monitor references it')
    parser.add_argument('--export-source', help='127.0.0.0/8 address the exporter sends from (the router address '
                        'a collector stores); default: the --router exporter of --network, else any')
    parser.add_argument('--network', help="network description (JSON/YAML, 'default' = te_network.yml): with --router "
                        'it gives the interface table, the traffic and (unless --startup-config) the startup-config')
    parser.add_argument('--router', help='which router of --network this twin is')
    parser.add_argument('--collector', default='127.0.0.1:9995', help='HOST:PORT the --network startup-config exports to')
    parser.add_argument('--parent-pid', type=int)
    parser.add_argument('--pid-file', help='written at start, removed at exit (for cleanup by pid, never by name)')
    args = parser.parse_args(argv)

    with open(args.credentials) as handle:
        creds = json.load(handle)
    if args.pid_file:
        with open(args.pid_file, 'w') as handle:
            handle.write('%d\n' % os.getpid())
    traffic = []
    export_source = args.export_source
    if args.network:
        if not args.router:
            parser.error('--network needs --router')
        from . import network
        net = network.load(None if args.network == 'default' else args.network)
        if not any(r['name'] == args.router for r in net['routers']):
            parser.error('router %s is not in %s' % (args.router, args.network))
        host, _sep, port = args.collector.rpartition(':')
        state = RouterState(args.router, network.interface_table(net, args.router))
        if not args.startup_config:
            load_config_text(state, network.startup_config(net, args.router, (host, int(port))))
        traffic = network.traffic(net, args.router)
        export_source = export_source or [r for r in net['routers'] if r['name'] == args.router][0]['exporter']
    else:
        state = RouterState(args.hostname)
    state.record_lock = args.record_lock
    if args.startup_config:
        load_config(state, args.startup_config)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def saver():
        if args.save_to:
            tmp = args.save_to + '.tmp'
            with open(tmp, 'w') as handle:
                handle.write('\n'.join(state.running_config()) + '\n')
            os.replace(tmp, args.save_to)

    if args.traffic:
        with open(args.traffic) as handle:
            traffic = json.load(handle)
    origin = args.origin if args.origin is not None else int(time.time()) // 1800 * 1800
    exporter = ExporterThread(Simulation(state, traffic, origin, step=args.step), args.scale, stop, source=export_source)
    exporter.start()

    host_key = paramiko.RSAKey.generate(2048)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', args.port))
    listener.listen(8)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    if args.port_file:
        with open(args.port_file + '.tmp', 'w') as handle:
            handle.write('%d\n' % port)
        os.replace(args.port_file + '.tmp', args.port_file)
    sys.stdout.write('listening on 127.0.0.1:%d\n' % port)
    sys.stdout.flush()

    deadline = time.monotonic() + args.lifetime
    while not stop.is_set() and time.monotonic() < deadline:
        if args.parent_pid and not _alive(args.parent_pid):
            break
        try:
            conn, _addr = listener.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve_connection, args=(conn, host_key, creds, state, saver, stop),
                         daemon=True).start()
    stop.set()
    listener.close()
    exporter.join(5)
    if args.pid_file and os.path.exists(args.pid_file):
        os.unlink(args.pid_file)
    return 0


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


if __name__ == '__main__':
    sys.exit(main())
