"""PVE API twin: an HTTPS server on 127.0.0.1 answering the endpoints pve_verify uses.

Run:  python -m tests.twins.pve_api.server --token-file token.json --control control.json
          --tls-dir DIR --port-file port [--lifetime 900] [--parent-pid PID] [--pid-file F]

``token.json`` (mode 0600) holds {"user": "root@pam", "token_id": "isplab", "secret": "..."}:
the secret never goes on the command line.  ``control.json`` is read on every request:
{"snapshot": DIR, "quorate": true, "extra_nodes": [{"name": "pve2", "online": true}],
 "privsep": 1, "acl": [{"path": "/", "token": "root@pam!isplab", "roles": ["PVEAuditor"], "propagate": 1}],
 "standalone": false, "ceph": true, "osd_tree_empty": false};
DIR holds outputs captured on a real Ceph node (see model.py).  The token is privilege-separated
unless "privsep" is 0, as `pveum user token add` makes it: without an "acl" entry for it
(or for its user, with privsep 0) the endpoints answer 403 (access.py).  The server writes a fresh
self-signed CA and server certificate into ``--tls-dir`` (``ca.pem`` is what clients
verify against) and exits after ``--lifetime`` seconds, on SIGTERM/SIGINT, or when
``--parent-pid`` dies.
"""

import argparse
import datetime
import hmac
import ipaddress
import json
import os
import re
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from . import access, model


def make_tls(directory):
    """A throw-away CA and a server certificate for 127.0.0.1 in ``directory``; returns (ca, cert, key) paths."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'isplab PVE twin CA')])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False,
                                            encipher_only=False, decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, '127.0.0.1')]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1')),
                                                        x509.DNSName('localhost')]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = tuple(os.path.join(directory, name) for name in ('ca.pem', 'server.pem', 'server.key'))
    with open(paths[0], 'wb') as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with os.fdopen(os.open(paths[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return paths


class Twin:
    """Routing and auth, independent of the HTTP plumbing (pytest drives it in-process too)."""

    # (path, answer, privileges on '/', any of them suffices): the `permissions` blocks of pve-manager
    # PVE/API2/Cluster.pm (status), PVE/API2/Cluster/Ceph.pm and PVE/API2/Ceph.pm (status),
    # PVE/API2/Ceph/OSD.pm (index), PVE/API2/Disks.pm (list); see docs/ceph.md.
    AUDIT_ANY = (('Sys.Audit', 'Datastore.Audit'), True)
    ROUTES = [
        (re.compile(r'^/api2/json/cluster/status$'), 'cluster_status', ('Sys.Audit',), False),
        (re.compile(r'^/api2/json/cluster/ceph/status$'), 'ceph_status') + AUDIT_ANY,
        (re.compile(r'^/api2/json/nodes/(?P<node>[^/]+)/ceph/status$'), 'ceph_status') + AUDIT_ANY,
        (re.compile(r'^/api2/json/nodes/(?P<node>[^/]+)/ceph/osd$'), 'ceph_osd') + AUDIT_ANY,
        (re.compile(r'^/api2/json/nodes/(?P<node>[^/]+)/disks/list$'), 'disks_list', ('Sys.Audit',), False),
    ]

    def __init__(self, token, control_path):
        self.token = token
        self.expected_auth = 'PVEAPIToken=%s!%s=%s' % (token['user'], token['token_id'], token['secret'])
        self.control_path = control_path
        self.requests = []

    def _control(self):
        with open(self.control_path) as handle:
            control = json.load(handle)
        snap = model.load_snapshot(control['snapshot'])
        if not control.get('ceph', True):
            snap['lvm_list'] = {}
        return control, snap

    def _refusal(self, control, snap, name, node, privs, any_of):
        """(status, reason) when PVE would not answer 200, in pveproxy's order: proxy, permission, handler."""
        if node is not None and node != snap['hostname']:
            if any(n['name'] == node and not n.get('online') for n in control.get('extra_nodes', [])):
                # pveproxy proxies /nodes/{node}/ to that node; AnyEvent::HTTP reports a failed connect as 595.
                return 595, 'No route to host'
            return 595, 'no such cluster node \'%s\'' % node
        reason = access.check(self.token['user'], self.token['token_id'], control.get('privsep', 1),
                              control.get('acl', []), '/', privs, any_of)
        if reason:
            return 403, reason
        if name in ('ceph_status', 'ceph_osd') and not control.get('ceph', True):
            # PVE::Ceph::Tools::check_ceph_inited, called first by both handlers
            return 500, 'pveceph configuration not initialized'
        if name == 'ceph_osd' and (control.get('osd_tree_empty') or not snap['osd_tree'].get('nodes')):
            # PVE/API2/Ceph/OSD.pm index: die "no tree nodes found\n" when `osd df tree` has no nodes
            return 500, 'no tree nodes found'
        return None

    def handle(self, method, raw_path, headers):
        """Returns (status, reason, body dict)."""
        url = urlparse(raw_path)
        self.requests.append((method, url.path))
        auth = headers.get('Authorization') or ''
        if not hmac.compare_digest(auth.encode(), self.expected_auth.encode()):
            # pveproxy answers a bad or missing token with 401 and no data.
            return 401, 'authentication failure', {'data': None}
        if method != 'GET':
            return 501, 'method %s not implemented by the twin' % method, {'data': None}
        for pattern, name, privs, any_of in self.ROUTES:
            match = pattern.match(url.path)
            if match:
                break
        else:
            return 501, 'Method \'GET %s\' not implemented' % url.path, {'data': None}
        control, snap = self._control()
        node = match.groupdict().get('node')
        refusal = self._refusal(control, snap, name, node, privs, any_of)
        if refusal:
            # PVE's JSON formatter sends the message in the status line only; the body is {"data": null}.
            return refusal[0], refusal[1], {'data': None}
        query = parse_qs(url.query)
        if name == 'cluster_status':
            data = (model.standalone_status(snap['hostname']) if control.get('standalone') else
                    model.cluster_status(snap['hostname'], quorate=control.get('quorate', True),
                                         extra_nodes=control.get('extra_nodes', [])))
        elif name == 'ceph_status':
            data = snap['status']
        elif name == 'ceph_osd':
            data = model.osd_index(snap)
        else:
            include = query.get('include-partitions', ['0'])[0] in ('1', 'true')
            data = model.disks_list(snap, include_partitions=include)
        return 200, 'OK', {'data': data}


def make_handler(twin):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def _answer(self):
            status, reason, body = twin.handle(self.command, self.path, self.headers)
            payload = json.dumps(body).encode()
            self.send_response(status, reason)
            self.send_header('Content-Type', 'application/json;charset=UTF-8')
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _answer
        do_POST = _answer

        def log_message(self, fmt, *args):
            # Never echo headers: the Authorization header carries the token secret.
            sys.stderr.write('twin: %s %s\n' % (self.command, urlparse(self.path).path))

    return Handler


def serve(twin, tls_dir, port=0):
    """Starts the HTTPS server in a thread; returns (server, port, ca_path)."""
    ca, cert, key = make_tls(tls_dir)
    server = ThreadingHTTPServer(('127.0.0.1', port), make_handler(twin))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2}, daemon=True)
    thread.start()
    return server, server.server_address[1], ca


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--token-file', required=True)
    parser.add_argument('--control', required=True)
    parser.add_argument('--tls-dir', required=True)
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--port-file')
    parser.add_argument('--lifetime', type=float, default=900.0)
    parser.add_argument('--parent-pid', type=int)
    parser.add_argument('--pid-file', help='written at start, removed at exit (cleanup by pid, never by name)')
    args = parser.parse_args(argv)
    with open(args.token_file) as handle:
        token = json.load(handle)
    if args.pid_file:
        with open(args.pid_file, 'w') as handle:
            handle.write('%d\n' % os.getpid())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server, port, ca = serve(Twin(token, args.control), args.tls_dir, args.port)
    if args.port_file:
        with open(args.port_file + '.tmp', 'w') as handle:
            handle.write('%d\n' % port)
        os.replace(args.port_file + '.tmp', args.port_file)
    sys.stdout.write('listening on https://127.0.0.1:%d (CA %s)\n' % (port, ca))
    sys.stdout.flush()
    deadline = time.monotonic() + args.lifetime
    while not stop.is_set() and time.monotonic() < deadline:
        if args.parent_pid and not _alive(args.parent_pid):
            break
        stop.wait(0.5)
    server.shutdown()
    server.server_close()
    if args.pid_file and os.path.exists(args.pid_file):
        os.unlink(args.pid_file)
    return 0


if __name__ == '__main__':
    sys.exit(main())
