"""Starts, waits for, powers off and reaps qemu VMs described by a lab spec."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time

from isplab_lab import image
from isplab_lab.common import MARKER, RUN_REGISTRY, CACHE, LabError, free_port, log

OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd'
OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd'
# Read-only seed disks: the base rootfs as built, or shrunk to its used size plus headroom.
SEED_SOURCES = ('base', 'base-min')
SSH_OPTS = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
            '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=5']
BOOT_MARKER = '===== isplab: start'
# SeaBIOS after its boot order is exhausted; OVMF's boot manager with no loadable option
FIRMWARE_DEAD_ENDS = ('No bootable device.', 'No bootable option or device was found')
SSH_TIMEOUT = int(os.environ.get('ISPLAB_SSH_TIMEOUT', '600'))
DEFAULTS = {'memory': 1024, 'cpus': 1, 'boot': 'kernel', 'firmware': 'bios', 'disks': [], 'links': [],
            'forwards': []}


# ---------------------------------------------------------------- acceleration

def accel():
    """KVM when a guest really boots with it here (it hangs on some hosts), TCG otherwise."""
    forced = os.environ.get('ISPLAB_ACCEL')
    if forced in ('kvm', 'tcg'):
        return forced
    try:
        with open('/proc/sys/kernel/random/boot_id') as fh:
            boot_id = fh.read().strip()
    except OSError:
        boot_id = 'unknown'
    cache = os.path.join(CACHE, 'accel.json')
    try:
        with open(cache) as fh:
            known = json.load(fh)
        if known.get('boot_id') == boot_id:
            return known['accel']
    except (OSError, ValueError, KeyError):
        pass
    result = _probe_kvm()
    os.makedirs(CACHE, exist_ok=True)
    with open(cache, 'w') as fh:
        json.dump({'boot_id': boot_id, 'accel': result}, fh)
    return result


def _probe_kvm(timeout=15):
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        log('no usable /dev/kvm: using TCG')
        return 'tcg'
    img = image.ensure_image()
    log('probing KVM (a guest kernel must reach its panic within %ds)' % timeout)
    console = os.path.join(CACHE, 'kvm-probe.log')
    cmd = ['qemu-system-x86_64', '-name', MARKER + ':kvm-probe', '-machine', 'pc', '-accel', 'kvm',
           '-m', '256', '-nodefaults', '-display', 'none', '-no-reboot', '-serial', 'file:' + console,
           '-kernel', img['kernel'], '-append', 'console=ttyS0 panic=-1 root=/dev/nonexistent']
    try:
        subprocess.run(cmd, timeout=timeout, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        log('KVM guest did not finish booting in %ds: using TCG' % timeout)
        return 'tcg'
    with open(console, errors='replace') as fh:
        booted = 'Kernel panic' in fh.read()
    log('KVM works' if booted else 'KVM guest printed nothing: using TCG')
    return 'kvm' if booted else 'tcg'


# ---------------------------------------------------------------- state

class Lab:
    """One state directory: the VMs of a molecule scenario or of `make lab`."""

    def __init__(self, state_dir):
        self.dir = os.path.abspath(state_dir)
        self.file = os.path.join(self.dir, 'lab.json')
        self.vms = {}
        if os.path.exists(self.file):
            with open(self.file) as fh:
                self.vms = json.load(fh)['vms']

    def save(self):
        os.makedirs(self.dir, exist_ok=True)
        tmp = self.file + '.tmp'
        with open(tmp, 'w') as fh:
            json.dump({'vms': self.vms}, fh, indent=2)
        os.replace(tmp, self.file)

    def vm_dir(self, name):
        return os.path.join(self.dir, name)

    def vm(self, name):
        if name not in self.vms:
            raise LabError('no VM %r in %s (known: %s)' % (name, self.dir, ', '.join(sorted(self.vms)) or 'none'))
        return self.vms[name]

    # ---------------------------------------------------------- define

    def define(self, spec):
        names = [p['name'] for p in spec]
        if len(set(names)) != len(names):
            raise LabError('duplicate VM names in spec: %s' % names)
        link_ports = {}
        for entry in spec:
            vm = dict(DEFAULTS)
            vm.update(entry)
            name = vm['name']
            if name in self.vms:
                continue
            if vm['boot'] not in ('kernel', 'disk'):
                raise LabError('%s: boot must be kernel or disk, not %r' % (name, vm['boot']))
            if vm['firmware'] not in ('bios', 'uefi'):
                raise LabError('%s: firmware must be bios or uefi, not %r' % (name, vm['firmware']))
            for disk in vm['disks']:
                if disk.get('interface', 'virtio') not in ('virtio', 'nvme'):
                    raise LabError('%s: disk %s interface must be virtio or nvme, not %r'
                                   % (name, disk['name'], disk['interface']))
                if disk.get('logical_block_size') not in (None, 512, 4096):
                    raise LabError('%s: disk %s logical_block_size must be 512 or 4096, not %r'
                                   % (name, disk['name'], disk['logical_block_size']))
                if len(disk['name']) > 20:
                    raise LabError('%s: disk name %r longer than the 20-character virtio serial'
                                   % (name, disk['name']))
            vm['ssh_port'] = free_port()
            vm['forward_ports'] = dict(('%s_%s' % (f.get('proto', 'tcp'), f['guest']),
                                        free_port(socket.SOCK_DGRAM if f.get('proto') == 'udp'
                                                  else socket.SOCK_STREAM))
                                       for f in vm['forwards'])
            for link in vm['links']:
                key = tuple(sorted((name, link['peer']))) + (link['name'],)
                link_ports.setdefault(key, {})[name] = free_port(socket.SOCK_DGRAM)
            vm['attached_disks'] = [d['name'] for d in vm['disks']]
            self.vms[name] = vm
        for (a, b, link_name), ports in link_ports.items():
            if set(ports) != {a, b}:
                raise LabError('link %s between %s and %s must be declared on both VMs' % (link_name, a, b))
            for me, peer in ((a, b), (b, a)):
                for link in self.vms[me]['links']:
                    if link['name'] == link_name and link['peer'] == peer:
                        link['local_port'] = ports[me]
                        link['peer_port'] = ports[peer]
        self.save()

    # ---------------------------------------------------------- qemu

    def _prepare_files(self, name):
        vm = self.vm(name)
        d = self.vm_dir(name)
        os.makedirs(d, exist_ok=True)
        key = os.path.join(d, 'id_ed25519')
        if not os.path.exists(key):
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'isplab-' + name, '-f', key],
                           check=True)
        img = image.ensure_image()
        vm['image_key'] = img['key']
        root = os.path.join(d, 'root.qcow2')
        if not os.path.exists(root):
            subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', img['rootfs'], root],
                           check=True)
        for disk in vm['disks']:
            if disk.get('source') in SEED_SOURCES:
                continue
            path = os.path.join(d, 'disk-%s.raw' % disk['name'])
            if not os.path.exists(path):
                subprocess.run(['truncate', '-s', str(disk.get('size', '4G')), path], check=True)
        if vm['firmware'] == 'uefi':
            vars_path = os.path.join(d, 'OVMF_VARS.fd')
            if not os.path.exists(vars_path):
                shutil.copy(OVMF_VARS, vars_path)
        return img

    def qemu_command(self, name):
        vm = self.vm(name)
        d = self.vm_dir(name)
        img = self._prepare_files(name)
        mode = accel()
        cmd = ['qemu-system-x86_64', '-name', '%s:%s:%s' % (MARKER, self.dir, name),
               # graphics=off: SeaBIOS copies its text console (boot messages, GRUB's rescue prompt) to the serial log
               '-machine', 'pc,graphics=off', '-accel', mode, '-m', str(vm['memory']), '-smp', str(vm['cpus']),
               '-nodefaults', '-display', 'none', '-no-reboot', '-vga', 'none',
               '-chardev', 'file,id=console,path=%s,append=on' % os.path.join(d, 'serial.log'),
               '-serial', 'chardev:console',
               '-monitor', 'unix:%s,server=on,wait=off' % os.path.join(d, 'monitor.sock'),
               '-pidfile', os.path.join(d, 'qemu.pid'), '-daemonize',
               '-fw_cfg', 'name=opt/isplab/authorized_keys,file=%s' % os.path.join(d, 'id_ed25519.pub'),
               '-fw_cfg', 'name=opt/isplab/hostname,string=%s' % name,
               '-object', 'rng-random,id=rng0,filename=/dev/urandom',
               '-device', 'virtio-rng-pci,rng=rng0']
        cmd += ['-cpu', 'max'] if mode == 'tcg' else []
        if vm['firmware'] == 'uefi':
            cmd += ['-drive', 'if=pflash,format=raw,unit=0,readonly=on,file=%s' % OVMF_CODE,
                    '-drive', 'if=pflash,format=raw,unit=1,file=%s' % os.path.join(d, 'OVMF_VARS.fd')]
        if vm['boot'] == 'kernel':
            cmd += ['-kernel', img['kernel'], '-initrd', img['initrd'],
                    '-append', 'root=/dev/disk/by-id/virtio-isplab-root rw ' + _cmdline()]
            cmd += _disk_args('isplab-root', os.path.join(d, 'root.qcow2'), 'qcow2')
        by_name = dict((disk['name'], disk) for disk in vm['disks'])
        for index, disk_name in enumerate(vm['attached_disks']):
            disk = by_name[disk_name]
            if disk.get('source') == 'base':
                cmd += _disk_args(disk_name, img['rootfs'], 'raw', readonly=True)
                continue
            if disk.get('source') == 'base-min':
                cmd += _disk_args(disk_name, image.ensure_minimal_rootfs(img), 'raw', readonly=True)
                continue
            bootindex = index + 1 if vm['boot'] == 'disk' else None
            cmd += _disk_args(disk_name, os.path.join(d, 'disk-%s.raw' % disk_name), 'raw', bootindex=bootindex,
                              interface=disk.get('interface', 'virtio'),
                              logical_block_size=disk.get('logical_block_size'))
        fwd = 'hostfwd=tcp:127.0.0.1:%d-:22' % vm['ssh_port']
        for f in vm['forwards']:
            proto = f.get('proto', 'tcp')
            host_port = vm['forward_ports']['%s_%s' % (proto, f['guest'])]
            fwd += ',hostfwd=%s:127.0.0.1:%d-:%d' % (proto, host_port, f['guest'])
        cmd += ['-netdev', 'user,id=net0,' + fwd, '-device', 'virtio-net-pci,netdev=net0,mac=%s' % _mac(name, 0)]
        for index, link in enumerate(vm['links'], start=1):
            cmd += ['-netdev', 'socket,id=link%d,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d'
                    % (index, link['peer_port'], link['local_port']),
                    '-device', 'virtio-net-pci,netdev=link%d,mac=%s' % (index, _mac(name, index))]
        return cmd

    def start(self, name):
        running = self.pid(name)
        if running:
            log('%s already running (pid %s)' % (name, running))
            return
        d = self.vm_dir(name)
        cmd = self.qemu_command(name)
        with open(os.path.join(d, 'serial.log'), 'a') as fh:
            fh.write('\n' + BOOT_MARKER + ' %s (%s, disks %s) =====\n'
                     % (time.strftime('%H:%M:%S'), self.vms[name]['boot'], ','.join(self.vms[name]['attached_disks'])))
        with open(os.path.join(d, 'qemu-command.txt'), 'w') as fh:
            fh.write(' '.join(cmd) + '\n')
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise LabError('qemu for %s failed to start: %s' % (name, proc.stderr.strip()))
        pid = self.pid(name)
        if not pid:
            raise LabError('qemu for %s exited right after start; see %s' % (name, os.path.join(d, 'serial.log')))
        _register(pid, self.dir, name)
        self.vms[name]['started'] = time.time()
        self.save()
        log('%s started (pid %s, %s, ssh 127.0.0.1:%s)' % (name, pid, accel(), self.vms[name]['ssh_port']))

    def pid(self, name):
        try:
            with open(os.path.join(self.vm_dir(name), 'qemu.pid')) as fh:
                pid = int(fh.read().strip())
        except (OSError, ValueError):
            return None
        return pid if _is_ours(pid, self.dir, name) else None

    def poweroff(self, name):
        """Pull the plug: the guest gets no shutdown; qemu itself exits cleanly so disk files stay consistent."""
        pid = self.pid(name)
        if not pid:
            return False
        sock_path = os.path.join(self.vm_dir(name), 'monitor.sock')
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(5)
                s.connect(sock_path)
                s.sendall(b'quit\n')
                time.sleep(0.2)
        except OSError:
            pass
        _wait_gone(pid, 10) or _kill(pid)
        _unregister(pid)
        log('%s powered off' % name)
        return True

    def ssh_base(self, name):
        vm = self.vm(name)
        return ['ssh'] + SSH_OPTS + ['-i', os.path.join(self.vm_dir(name), 'id_ed25519'),
                                     '-p', str(vm['ssh_port']), 'root@127.0.0.1']

    def wait_ssh(self, names, timeout=SSH_TIMEOUT):
        started = time.time()
        pending = list(names)
        last_report = 0
        while pending:
            for name in list(pending):
                if not self.pid(name):
                    raise LabError('%s died while booting; console tail:\n%s' % (name, self.console_tail(name)))
                dead_end = self.firmware_dead_end(name)
                if dead_end:
                    raise LabError('%s: the firmware found nothing to boot (%r); SeaBIOS boots only the first disk of '
                                   'the boot order. Console tail:\n%s' % (name, dead_end, self.console_tail(name)))
                probe = subprocess.run(self.ssh_base(name) + ['true'], stdin=subprocess.DEVNULL,
                                       capture_output=True, timeout=30, check=False)
                if probe.returncode == 0:
                    log('%s: ssh up after %.0fs' % (name, time.time() - started))
                    pending.remove(name)
            elapsed = time.time() - started
            if pending and elapsed > timeout:
                raise LabError('ssh did not come up in %ds on %s; console tail:\n%s'
                               % (timeout, ', '.join(pending), self.console_tail(pending[0])))
            if pending and elapsed - last_report >= 10:
                last_report = elapsed
                log('waiting for ssh on %s (%.0fs/%ds) console: %s'
                    % (', '.join(pending), elapsed, timeout, self.console_tail(pending[0], 1).strip()[:100]))
            if pending:
                time.sleep(2)

    def firmware_dead_end(self, name):
        """The firmware's give-up line of the current boot, if any: the guest then idles forever (QEMU's
        reboot-timeout is off), so waiting for ssh is pointless."""
        try:
            with open(os.path.join(self.vm_dir(name), 'serial.log'), errors='replace') as fh:
                this_boot = fh.read().rsplit(BOOT_MARKER, 1)[-1]
        except OSError:
            return None
        return next((line for line in FIRMWARE_DEAD_ENDS if line in this_boot), None)

    def console_tail(self, name, lines=15):
        try:
            with open(os.path.join(self.vm_dir(name), 'serial.log'), errors='replace') as fh:
                return ''.join(fh.readlines()[-lines:])
        except OSError:
            return '(no console log)'

    # ---------------------------------------------------------- outputs

    def inventory(self):
        hosts = {}
        for name, vm in sorted(self.vms.items()):
            hosts[name] = {
                'ansible_host': '127.0.0.1',
                'ansible_port': vm['ssh_port'],
                'ansible_user': 'root',
                'ansible_ssh_private_key_file': os.path.join(self.vm_dir(name), 'id_ed25519'),
                'ansible_ssh_common_args': ' '.join(SSH_OPTS[:-2]),
                'ansible_python_interpreter': '/usr/bin/python3',
                'lab_forwards': vm['forward_ports'],
                'lab_disks': dict((d['name'], '/dev/disk/by-id/virtio-' + d['name']) for d in vm['disks']),
            }
        return {'all': {'hosts': hosts}}

    def instance_config(self):
        return [{'instance': name, 'address': '127.0.0.1', 'user': 'root', 'port': vm['ssh_port'],
                 'identity_file': os.path.join(self.vm_dir(name), 'id_ed25519')}
                for name, vm in sorted(self.vms.items())]

    def destroy(self):
        for name in list(self.vms):
            self.poweroff(name)
            d = self.vm_dir(name)
            for entry in os.listdir(d) if os.path.isdir(d) else []:
                if entry.endswith(('.raw', '.qcow2', '.fd')):
                    os.unlink(os.path.join(d, entry))
        if os.path.exists(self.file):
            os.unlink(self.file)
        self.vms = {}


def _cmdline():
    from isplab_lab import recipe
    return recipe.KERNEL_CMDLINE


def _disk_args(serial, path, fmt, readonly=False, bootindex=None, interface='virtio', logical_block_size=None):
    """One disk: virtio-blk (by-id virtio-<serial>) or an NVMe controller (by-id nvme-QEMU_NVMe_Ctrl_<serial>,
    partitions nvme0n1p3); a logical block size other than 512 makes a 4Kn disk."""
    drive = 'file=%s,format=%s,if=none,id=drive-%s,cache=unsafe,discard=unmap' % (path, fmt, serial)
    if readonly:
        drive += ',readonly=on'
    model = {'virtio': 'virtio-blk-pci', 'nvme': 'nvme'}[interface]
    device = '%s,drive=drive-%s,serial=%s' % (model, serial, serial)
    if logical_block_size:
        device += ',logical_block_size=%d,physical_block_size=%d' % (logical_block_size, logical_block_size)
    if bootindex:
        device += ',bootindex=%d' % bootindex
    return ['-drive', drive, '-device', device]


def _mac(name, index):
    digest = sum(ord(c) * (i + 1) for i, c in enumerate(name)) & 0xffff
    return '52:54:00:%02x:%02x:%02x' % (digest >> 8, digest & 0xff, index)


# ---------------------------------------------------------------- registry and reaping

def _cmdline_of(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as fh:
            return fh.read().split(b'\0')
    except OSError:
        return []


def _is_ours(pid, state_dir=None, name=None):
    args = [a.decode(errors='replace') for a in _cmdline_of(pid)]
    if '-name' not in args:
        return False
    label = args[args.index('-name') + 1]
    if not label.startswith(MARKER + ':'):
        return False
    return state_dir is None or label == '%s:%s:%s' % (MARKER, state_dir, name)


def _register(pid, state_dir, name):
    os.makedirs(RUN_REGISTRY, exist_ok=True)
    with open(os.path.join(RUN_REGISTRY, '%d.json' % pid), 'w') as fh:
        json.dump({'pid': pid, 'state': state_dir, 'vm': name, 'started': time.time()}, fh)


def _unregister(pid):
    try:
        os.unlink(os.path.join(RUN_REGISTRY, '%d.json' % pid))
    except OSError:
        pass


def _wait_gone(pid, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not os.path.exists('/proc/%d' % pid):
            return True
        time.sleep(0.2)
    return not os.path.exists('/proc/%d' % pid)


def _kill(pid):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        if _wait_gone(pid, 5):
            return True
    return False


def reap():
    """Kills every qemu this harness started on the machine: registered PIDs and any stray with our -name."""
    killed = []
    candidates = set()
    if os.path.isdir(RUN_REGISTRY):
        for entry in os.listdir(RUN_REGISTRY):
            if entry.endswith('.json'):
                try:
                    candidates.add(int(entry[:-5]))
                except ValueError:
                    pass
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            candidates.add(int(entry))
    for pid in sorted(candidates):
        if _is_ours(pid):
            _kill(pid)
            killed.append(pid)
        _unregister(pid)
    log('reaped %d qemu process(es)%s' % (len(killed), (': ' + ', '.join(map(str, killed))) if killed else ''))
    return killed
