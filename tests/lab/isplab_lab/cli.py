"""labctl: command-line interface of the lab harness (see docs/dev/lab-harness.md)."""

import argparse
import json
import os
import subprocess

from isplab_lab import image, vm
from isplab_lab.common import LabError, log


def _load_spec(path=None, text=None):
    if text is not None:
        data = json.loads(text)
    else:
        with open(path) as fh:
            raw = fh.read()
        if path.endswith(('.yml', '.yaml')):
            import yaml  # only the venv has PyYAML; JSON specs need nothing
            data = yaml.safe_load(raw)
        else:
            data = json.loads(raw)
    if isinstance(data, dict):
        data = data.get('platforms') or data.get('vms') or []
    if not isinstance(data, list) or not all(isinstance(p, dict) and 'name' in p for p in data):
        raise LabError('spec must be a list of VMs with a name each (molecule platforms format)')
    return data


def _write_yaml(path, data):
    # JSON is valid YAML: no PyYAML needed outside the venv.
    with open(path, 'w') as fh:
        json.dump(data, fh, indent=2)
        fh.write('\n')


def cmd_image(args):
    cached = os.path.exists(image.image_paths()['manifest']) and not args.rebuild
    paths = image.ensure_image(force=args.rebuild)
    log('base image %s %s' % (paths['key'], 'reused from cache' if cached else 'built'))
    if args.prune:
        image.prune_other_images()
    print(json.dumps(paths, indent=2))


def cmd_up(args):
    lab = vm.Lab(args.state)
    spec = _load_spec(args.spec, args.spec_json)
    lab.define(spec)
    names = [p['name'] for p in spec]
    started = []
    try:
        for name in names:
            lab.start(name)
            started.append(name)
        lab.wait_ssh(names)
    except BaseException:
        # An interrupted or failed boot must not leave VMs behind.
        for name in started:
            lab.poweroff(name)
        raise
    _write_outputs(lab, args)


def _write_outputs(lab, args):
    _write_yaml(os.path.join(lab.dir, 'inventory.yml'), lab.inventory())
    if getattr(args, 'instance_config', None):
        _write_yaml(args.instance_config, lab.instance_config())
    log('inventory: %s' % os.path.join(lab.dir, 'inventory.yml'))


def cmd_down(args):
    lab = vm.Lab(args.state)
    names = sorted(lab.vms)
    lab.destroy()
    log('lab %s down (%s)' % (args.state, ', '.join(names) or 'nothing was running'))


def cmd_poweroff(args):
    lab = vm.Lab(args.state)
    lab.vm(args.vm)
    if not lab.poweroff(args.vm):
        log('%s was not running' % args.vm)


def cmd_boot(args):
    lab = vm.Lab(args.state)
    entry = lab.vm(args.vm)
    lab.poweroff(args.vm)
    if args.boot:
        entry['boot'] = args.boot
    if args.firmware:
        entry['firmware'] = args.firmware
    if args.disks is not None:
        wanted = [d for d in args.disks.split(',') if d]
        known = [d['name'] for d in entry['disks']]
        unknown = [d for d in wanted if d not in known]
        if unknown:
            raise LabError('%s has no disk(s) %s (known: %s)' % (args.vm, ', '.join(unknown), ', '.join(known)))
        entry['attached_disks'] = wanted
    elif args.all_disks:
        entry['attached_disks'] = [d['name'] for d in entry['disks']]
    lab.save()
    lab.start(args.vm)
    if not args.no_wait:
        try:
            lab.wait_ssh([args.vm])
        except BaseException:
            lab.poweroff(args.vm)
            raise


def cmd_ssh(args):
    lab = vm.Lab(args.state)
    lab.vm(args.vm)
    command = args.command[1:] if args.command[:1] == ['--'] else args.command
    return subprocess.call(lab.ssh_base(args.vm) + command)


def cmd_status(args):
    lab = vm.Lab(args.state)
    for name, entry in sorted(lab.vms.items()):
        pid = lab.pid(name)
        print('%-12s %-8s pid=%-8s ssh=127.0.0.1:%s boot=%s firmware=%s disks=%s' % (
            name, 'running' if pid else 'stopped', pid or '-', entry['ssh_port'], entry['boot'],
            entry['firmware'], ','.join(entry['attached_disks'])))


def cmd_reap(args):
    vm.reap()


def build_parser():
    parser = argparse.ArgumentParser(prog='labctl', description='isplab qemu lab harness (test-only)')
    sub = parser.add_subparsers(dest='command_name', required=True)

    p = sub.add_parser('image', help='build or reuse the cached base image')
    p.add_argument('--rebuild', action='store_true')
    p.add_argument('--prune', action='store_true', help='delete images of other recipes')
    p.set_defaults(func=cmd_image)

    p = sub.add_parser('up', help='boot the VMs of a spec and wait for ssh')
    p.add_argument('--state', required=True)
    p.add_argument('--spec')
    p.add_argument('--spec-json')
    p.add_argument('--instance-config')
    p.set_defaults(func=cmd_up)

    p = sub.add_parser('down', help='power off every VM of a state dir and delete its disks')
    p.add_argument('--state', required=True)
    p.set_defaults(func=cmd_down)

    p = sub.add_parser('poweroff', help='hard power-off of one VM')
    p.add_argument('--state', required=True)
    p.add_argument('vm')
    p.set_defaults(func=cmd_poweroff)

    p = sub.add_parser('boot', help='(re)boot one VM, optionally from disk and with a subset of its disks')
    p.add_argument('--state', required=True)
    p.add_argument('vm')
    p.add_argument('--boot', choices=['kernel', 'disk'])
    p.add_argument('--firmware', choices=['bios', 'uefi'])
    p.add_argument('--disks', help='comma-separated disk names to attach, in boot order')
    p.add_argument('--all-disks', action='store_true', help='attach every declared disk again')
    p.add_argument('--no-wait', action='store_true')
    p.set_defaults(func=cmd_boot)

    p = sub.add_parser('ssh', help='run a command in a VM')
    p.add_argument('--state', required=True)
    p.add_argument('vm')
    p.add_argument('command', nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_ssh)

    p = sub.add_parser('status', help='list the VMs of a state dir')
    p.add_argument('--state', required=True)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser('reap', help='kill every qemu this harness started on this machine')
    p.set_defaults(func=cmd_reap)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.func is cmd_up and args.spec is None and args.spec_json is None:
        build_parser().error('up needs --spec or --spec-json')
    try:
        return args.func(args) or 0
    except LabError as exc:
        log('error: %s' % exc)
        return 2
    except KeyboardInterrupt:
        log('interrupted')
        return 130
