"""`make lab`: boot the lab of inventories/lab, converge site.yml, run verify.yml, write the HTML report.

The lab baseline (tests/lab/lab_base.yml before site.yml, tests/lab/verify_lab.yml after verify.yml)
is run from here: the shipped playbooks carry no lab plumbing.

Test-only orchestration around tests/lab/labctl; not part of the built collection.
"""

import argparse
import datetime
import json
import os
import secrets
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATE = os.path.join(REPO, 'build', 'lab')
REPORT = os.path.join(REPO, 'build', 'lab-report')
LABCTL = os.path.join(REPO, 'tests', 'lab', 'labctl')
LAB_INVENTORY = os.path.join(REPO, 'inventories', 'lab', 'hosts.yml')
LAB_SPEC = os.path.join(REPO, 'inventories', 'lab', 'lab-vms.yml')
LAB_VARS = os.path.join(STATE, 'lab-vars.yml')
TWIN_DIR = os.path.join(STATE, 'twin')
PVE_TWIN_DIR = os.path.join(STATE, 'pve-twin')
TE_TWIN_DIR = os.path.join(STATE, 'te-twins')
# The three edge routers of the traffic-engineering view (tests/twins/ios_xe/te_network.yml); each exports to
# its own nfcapd instance on lab-flows (guest ports of inventories/lab/lab-vms.yml, idents of group_vars).
TE_ROUTER_PORTS = (('rudo5', 9996), ('rudo6', 9997), ('rudo8', 9998))
# The twin serves as lab router for at most this long, then exits by itself.
TWIN_LIFETIME = 6 * 3600

# The lab's page is the report playbooks/verify_summary.yml writes (plugins/plugin_utils/report_html.py),
# rendered again here with the step timings on top; the collection is importable from build/collections.
sys.path.insert(0, os.path.join(REPO, 'build', 'collections'))

# One report section per capability, in the order of playbooks/site.yml. The key names the JSON file
# playbooks/verify_summary.yml writes (its capability table); 'lab' is written here from verify_lab.yml.
CAPABILITIES = [
    ('lab', 'Lab VMs (baseline)', 'tests/lab/verify_lab.yml'),
    ('root_raid1', 'Proxmox root LVM on mdadm RAID1', 'playbooks/verify_root_raid1.yml'),
    ('ceph_osd', 'Ceph OSDs and PVE API health', 'playbooks/verify_ceph.yml'),
    ('l2_bridge', 'Bridges with uplink ports (netgraph and Linux)', 'playbooks/verify_l2_bridge.yml'),
    ('flow_monitor', 'IOS-XE Flexible NetFlow', 'playbooks/verify_flow.yml'),
    ('flow_collector', 'nfcapd collector', 'playbooks/verify_flow.yml'),
    ('flow_paths', 'Traffic-engineering view', 'playbooks/verify_flow_paths.yml'),
    ('cifs_mount', 'CIFS mounts', 'playbooks/verify_cifs.yml'),
]


def _run(argv, log_name):
    os.makedirs(REPORT, exist_ok=True)
    log_path = os.path.join(REPORT, log_name)
    print('==> %s' % ' '.join(argv), flush=True)
    started = time.time()
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
        rc = proc.wait()
    return rc, round(time.time() - started, 1), log_path


def _write_private(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as fh:
        json.dump(data, fh, indent=2)


def _spawn_twin(twin_dir, module, args, what):
    """Start a twin server from tests/twins in its own session; return the port it reports."""
    _stop_twin(twin_dir)
    port_file = os.path.join(twin_dir, 'port')
    if os.path.exists(port_file):
        os.unlink(port_file)
    log_path = os.path.join(twin_dir, 'twin.log')
    with open(log_path, 'w') as log:
        subprocess.Popen([sys.executable, '-m', module, '--port-file', port_file,
                          '--pid-file', os.path.join(twin_dir, 'pid'), '--lifetime', str(TWIN_LIFETIME)] + args,
                         cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as fh:
                port = fh.read().strip()
            if port:
                return int(port)
        time.sleep(0.2)
    raise SystemExit('the %s did not start; see %s' % (what, log_path))


def _stop_twin(twin_dir):
    try:
        pid = int(open(os.path.join(twin_dir, 'pid')).read().strip())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        pass


def _start_router_twin():
    """The IOS-XE twin (tests/twins/ios_xe) plays the lab router on 127.0.0.1."""
    creds = {'username': 'lab', 'password': secrets.token_urlsafe(16), 'secret': secrets.token_urlsafe(16)}
    _write_private(os.path.join(TWIN_DIR, 'creds.json'), creds)
    port = _spawn_twin(TWIN_DIR, 'tests.twins.ios_xe.server',
                       ['--credentials', os.path.join(TWIN_DIR, 'creds.json'),
                        '--save-to', os.path.join(TWIN_DIR, 'startup-config')], 'IOS-XE twin')
    return creds, port


def _start_te_twins(hosts):
    """The TE network's router twins, exporting in real time to lab-flows; returns the flow_paths tables.

    Behind qemu's user network every datagram reaches the VM from the same gateway address (10.0.2.2), so each
    router exports to its own nfcapd instance and the tables find the router by the instance's ident.
    """
    sys.path.insert(0, REPO)
    from tests.twins.ios_xe import network
    net = network.load(None)
    creds = {'username': 'lab', 'password': secrets.token_urlsafe(16), 'secret': secrets.token_urlsafe(16)}
    for router, guest_port in TE_ROUTER_PORTS:
        twin_dir = os.path.join(TE_TWIN_DIR, router)
        _write_private(os.path.join(twin_dir, 'creds.json'), creds)
        host_port = hosts['lab-flows']['lab_forwards']['udp_%d' % guest_port]
        _spawn_twin(twin_dir, 'tests.twins.ios_xe.server',
                    ['--credentials', os.path.join(twin_dir, 'creds.json'), '--network', 'default', '--router', router,
                     '--collector', '127.0.0.1:%d' % host_port, '--scale', '1',
                     # qemu's user network rewrites only 127.0.0.1 to its host alias 10.0.2.2; a datagram from
                     # the network's own 127.0.0.1x addresses would reach the guest with a loopback source,
                     # which Linux drops as martian
                     '--export-source', '127.0.0.1'], 'TE router twin ' + router)
    tables = network.tables(net)
    routers = [dict((k, v) for k, v in r.items() if k != 'exporter') for r in tables['flow_paths_routers']]
    for router in routers:
        router['ident'] = router['name']
    return {'flow_paths_routers': routers, 'flow_paths_networks': tables['flow_paths_networks'],
            'flow_paths_flow_dirs': [{'ident': name, 'dir': '/var/cache/nfdump/%s' % name}
                                     for name, _port in TE_ROUTER_PORTS]}


def _start_pve_twin():
    """The PVE API twin (tests/twins/pve_api) answers for the PVE node from its real cluster's snapshot."""
    os.makedirs(os.path.join(PVE_TWIN_DIR, 'tls'), mode=0o700, exist_ok=True)
    _write_private(os.path.join(PVE_TWIN_DIR, 'control.json'),
                   {'snapshot': os.path.join(PVE_TWIN_DIR, 'snapshot'), 'quorate': True,
                    # Like a real PVE token: privilege-separated, so it reads only what this ACL grants.
                    'acl': [{'path': '/', 'token': 'root@pam!lab', 'roles': ['PVEAuditor'], 'propagate': 0}]})
    return _spawn_twin(PVE_TWIN_DIR, 'tests.twins.pve_api.server',
                       ['--token-file', os.path.join(PVE_TWIN_DIR, 'token.json'),
                        '--control', os.path.join(PVE_TWIN_DIR, 'control.json'),
                        '--tls-dir', os.path.join(PVE_TWIN_DIR, 'tls')], 'PVE API twin')


def cmd_up(_args):
    subprocess.run([LABCTL, 'image'], check=True)
    subprocess.run([LABCTL, 'up', '--state', STATE, '--spec', LAB_SPEC], check=True)
    with open(os.path.join(STATE, 'inventory.yml')) as fh:
        hosts = json.load(fh)['all']['hosts']
    creds, port = _start_router_twin()
    te_tables = _start_te_twins(hosts)
    cifs_password = secrets.token_urlsafe(16)
    pve_token = {'user': 'root@pam', 'token_id': 'lab', 'secret': secrets.token_hex(16)}
    _write_private(os.path.join(PVE_TWIN_DIR, 'token.json'), pve_token)
    # Extra vars from a 0600 file: secrets stay off command lines and out of the repository.
    _write_private(LAB_VARS, {
        'lab_twin_port': port, 'lab_twin_username': creds['username'],
        'lab_twin_password': creds['password'], 'lab_twin_secret': creds['secret'],
        'lab_flows_udp_port': hosts['lab-flows']['lab_forwards']['udp_9995'],
        'lab_cifs_password': cifs_password, 'cifs_test_password': cifs_password,
        'lab_pve_api_token_secret': pve_token['secret'],
        # the PVE node's prepare reboots it from disk through the harness
        'lab_labctl': LABCTL, 'lab_state_dir': STATE,
        # generated from tests/twins/ios_xe/te_network.yml, the one description of the TE routers
        **te_tables,
    })


def cmd_down(_args):
    _stop_twin(TWIN_DIR)
    _stop_twin(PVE_TWIN_DIR)
    for router, _port in TE_ROUTER_PORTS:
        _stop_twin(os.path.join(TE_TWIN_DIR, router))
    subprocess.run([LABCTL, 'down', '--state', STATE], check=False)


def _playbook(name, extra=None):
    argv = [os.path.join(sys.prefix, 'bin', 'ansible-playbook'), '-i', LAB_INVENTORY,
            '-i', os.path.join(STATE, 'inventory.yml'), '-e', '@' + LAB_VARS, name]
    for key, value in (extra or {}).items():
        argv += ['-e', '%s=%s' % (key, value)]
    return argv


# (playbook, log file, report line, extra vars) in order: lab plumbing around the user's site.yml.
CONVERGE_STEPS = [
    ('tests/lab/prepare.yml', 'prepare.log', 'prepare the lab (tests/lab/prepare.yml)', None),
    ('tests/lab/lab_base.yml', 'lab-base.log', 'lab baseline (tests/lab/lab_base.yml)', None),
    # The PVE API twin answers from a snapshot of the cluster site.yml builds, so it cannot run yet: during the
    # converge ceph_osd checks its OSDs on the node itself (no token); verify.yml then checks through the API.
    ('playbooks/site.yml', 'site.log', 'converge playbooks/site.yml', {'pve_api_token_secret': ''}),
    ('tests/lab/pve_snapshot.yml', 'pve-snapshot.log',
     'capture the Ceph cluster for the PVE API twin (tests/lab/pve_snapshot.yml)', None),
]


def cmd_converge_and_report(_args):
    data_dir = os.path.join(REPORT, 'data')
    os.makedirs(data_dir, exist_ok=True)
    for stale in os.listdir(data_dir):
        os.unlink(os.path.join(data_dir, stale))
    steps = []
    # Each step runs only when the ones before it succeeded; the verifiers below run whatever happened.
    rc = 0
    for playbook, log_name, title, extra in CONVERGE_STEPS:
        if rc == 0:
            rc, secs, log = _run(_playbook(playbook, extra), log_name)
            steps.append((title, rc, secs, log))
    if rc == 0:
        _start_pve_twin()
    rc_v, secs, log = _run(_playbook('playbooks/verify.yml', {'verify_report_dir': data_dir}), 'verify.log')
    steps.append(('verify playbooks/verify.yml', rc_v, secs, log))
    rc_l, secs, log = _run(_playbook('tests/lab/verify_lab.yml', {'lab_report_dir': REPORT}), 'verify-lab.log')
    steps.append(('verify the lab baseline (tests/lab/verify_lab.yml)', rc_l, secs, log))
    write_lab_verdict(data_dir, rc_l, log)
    rc_v = rc_v or rc_l
    path = write_report(data_dir, steps)
    print('lab report: %s' % path)
    return 0 if rc == 0 and rc_v == 0 else 1


def write_lab_verdict(data_dir, rc, log):
    """lab.json in the shape verify_summary.yml writes: the lab baseline is not a capability of the collection."""
    problem = 'tests/lab/verify_lab.yml failed (rc=%d); see %s' % (rc, os.path.relpath(log, REPORT))
    check = {'check': 'verify_lab', 'ok': rc == 0}
    if rc:
        check['problem'] = problem
    with open(os.path.join(data_dir, 'lab.json'), 'w') as fh:
        json.dump({'capability': 'lab', 'verdict': 'pass' if rc == 0 else 'fail',
                   'details': {'lab': {'msg': problem if rc else 'the lab baseline holds', 'checks': [check],
                                       'failed_checks': [check] if rc else [], 'facts': {}}}}, fh, indent=2)


def write_report(data_dir, steps):
    """build/lab-report/index.html and junit.xml: the shared report, the lab's steps and timings on top."""
    from ansible_collections.isplab.infra.plugins.plugin_utils.report_html import render_html, render_junit
    reports, absent = [], {}
    for key, title, playbook in CAPABILITIES:
        path = os.path.join(data_dir, key + '.json')
        if os.path.exists(path):
            with open(path) as fh:
                reports.append(json.load(fh))
        else:
            absent[key] = '%s: %s.' % (title, 'its verifier did not run against any lab host'
                                       if os.path.exists(os.path.join(REPO, playbook))
                                       else 'this capability is not in the lab yet')
    timings = [{'name': name, 'rc': rc, 'seconds': secs, 'log': os.path.relpath(log, REPORT)}
               for name, rc, secs, log in steps]
    links = [{'title': 'Traffic-engineering view (flow_paths page of lab-flows)', 'href': 'flow_paths.html'}] \
        if os.path.exists(os.path.join(REPORT, 'flow_paths.html')) else None
    page = render_html(reports, title='isplab lab report', steps=timings, absent=absent, links=links,
                       generated='Generated %s by make lab.' % datetime.datetime.now().strftime('%Y-%m-%d %H:%M:%S'))
    os.makedirs(REPORT, exist_ok=True)
    with open(os.path.join(REPORT, 'junit.xml'), 'w') as fh:
        fh.write(render_junit(reports, name='isplab lab'))
    out = os.path.join(REPORT, 'index.html')
    with open(out, 'w') as fh:
        fh.write(page)
    return out


# The production-shaped inventory (inventories/example) pointed at the running lab: example host -> lab host.
EXAMPLE_TO_LAB = {'pve01.example.net': 'lab-pve', 'flows01.example.net': 'lab-flows',
                  'mon01.example.net': 'lab-cifs', 'edge01.example.net': None}


def cmd_example_report(_args):
    """Run playbooks/verify.yml with inventories/example, its hosts pointed at the lab: the report of a production run.

    Only the connection details and the role variables of the lab are added (an inventory overlay with the lab's
    group_vars); the example's hosts and groups stay as they are, so its other hosts are left out with --limit.
    """
    with open(os.path.join(STATE, 'inventory.yml')) as fh:
        lab_hosts = json.load(fh)['all']['hosts']
    overlay_dir = os.path.join(STATE, 'example-overlay')
    os.makedirs(overlay_dir, exist_ok=True)
    hosts = {}
    for example, lab in EXAMPLE_TO_LAB.items():
        # edge01 is the IOS-XE twin: modules run on the controller and open their own SSH session to it.
        hosts[example] = dict(lab_hosts[lab]) if lab else {
            'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
    # As in production, the PVE node's own name differs from its inventory name.
    hosts['pve01.example.net']['pve_node_name'] = 'lab-pve'
    with open(os.path.join(overlay_dir, 'hosts.yml'), 'w') as fh:
        json.dump({'all': {'hosts': hosts}}, fh, indent=2)
    group_vars = os.path.join(overlay_dir, 'group_vars')
    if not os.path.lexists(group_vars):
        os.symlink(os.path.join(REPO, 'inventories', 'lab', 'group_vars'), group_vars)
    report_dir = os.path.join(REPO, 'build', 'example-report')
    os.makedirs(report_dir, exist_ok=True)
    argv = [os.path.join(sys.prefix, 'bin', 'ansible-playbook'), '-i', os.path.join(REPO, 'inventories', 'example', 'hosts.yml'),
            '-i', os.path.join(overlay_dir, 'hosts.yml'), '-e', '@' + LAB_VARS, '-e', 'verify_report_dir=' + report_dir,
            '--limit', ','.join(sorted(EXAMPLE_TO_LAB)), 'playbooks/verify.yml']
    rc, secs, _log = _run(argv, 'example-verify.log')
    print('example report: %s (verify.yml rc=%d, %d s)' % (os.path.join(report_dir, 'index.html'), rc, secs))
    return rc


def main():
    parser = argparse.ArgumentParser(prog='lab.py')
    sub = parser.add_subparsers(dest='cmd', required=True)
    sub.add_parser('up').set_defaults(func=cmd_up)
    sub.add_parser('down').set_defaults(func=cmd_down)
    sub.add_parser('converge-and-report').set_defaults(func=cmd_converge_and_report)
    sub.add_parser('example-report').set_defaults(func=cmd_example_report)
    args = parser.parse_args()
    return args.func(args) or 0


if __name__ == '__main__':
    sys.exit(main())
