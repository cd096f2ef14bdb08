# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The aggregator program the collector's systemd timer runs (no Ansible on the collector).

python3 -m ansible_collections.isplab.infra.plugins.module_utils.flow_paths.cli --config C.json
    [--stamp YYYYMMDDhhmm | --pending] [--render]
Without --stamp it aggregates every pending stamp. nfdump still runs through CommandRunner (forced C
locale, recorded commands); ``_Host`` gives it the three things it needs from an AnsibleModule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import store
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.rows import RowError
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.tables import TableError, load_config


class CliError(Exception):
    """Something the operator must fix; main() prints it and exits 1."""


class _Host:
    """The part of AnsibleModule that CommandRunner and files.write_text use, on plain subprocess."""

    check_mode = False

    @staticmethod
    def run_command(argv, environ_update=None, data=None, binary_data=False):
        env = dict(os.environ)
        env.update(environ_update or {})
        proc = subprocess.run(argv, input=data, capture_output=True, text=not binary_data, env=env, check=False)
        return proc.returncode, proc.stdout, proc.stderr

    @staticmethod
    def get_bin_path(name, required=False):
        path = shutil.which(name)
        if path is None and required:
            raise CliError('%s is not in PATH (%s); install the nfdump package' % (name, os.environ.get('PATH', '')))
        return path

    @staticmethod
    def atomic_move(src, dest):
        os.replace(src, dest)

    @staticmethod
    def fail_json(**kwargs):
        raise CliError(kwargs.get('msg', 'command failed'))


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='isplab-flow-paths', description='Aggregate nfcapd files into TE path slots.')
    parser.add_argument('--config', required=True, help='the JSON tables the flow_paths role writes')
    which = parser.add_mutually_exclusive_group()
    which.add_argument('--stamp', help='aggregate this nfcapd stamp (YYYYMMDDhhmm) again, also a past one')
    which.add_argument('--pending', action='store_true', help='aggregate every stamp without an up-to-date slot (default)')
    parser.add_argument('--render', action='store_true', help='write <out_dir>/index.html from the last 24 hours')
    return parser.parse_args(argv)


def read_config(path):
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (IOError, OSError) as exc:
        raise CliError('cannot read the config %s: %s' % (path, exc))
    except ValueError as exc:
        raise CliError('the config %s is not JSON: %s' % (path, exc))
    config = load_config(data)
    if not config.out_dir or not config.flow_dirs:
        raise TableError('flow_paths_out_dir and flow_paths_flow_dirs must be set for the aggregator')
    return config


def progress(slot):
    totals = slot['totals']
    mbps = totals['inbound_mbps'] + totals['outbound_mbps'] + totals['transit_mbps']
    return 'slot %s: %d paths, %d problems, %.1f Mbit/s' % (slot['slot'], len(slot['paths']), len(slot['problems']), mbps)


def aggregate(runner, host, config, stamp):
    """(progress line, None) for a slot built and written, (None, reason) when its files cannot be read."""
    try:
        slot = store.build_slot(runner, config, stamp)
    except store.SourceError as exc:
        return None, str(exc)
    except RowError as exc:
        return None, 'nfdump printed something unexpected for stamp %s: %s' % (stamp, exc)
    except CommandError as exc:
        return None, 'nfdump failed for stamp %s: %s' % (stamp, exc)
    store.write_slot(host, config.out_dir, slot)
    return progress(slot), None


def run(args, out=None, err=None):
    """Aggregate, expire, render; the number of stamps that failed (a bad file must not stop the later ones)."""
    out = out or sys.stdout
    err = err or sys.stderr
    config = read_config(args.config)
    host = _Host()
    runner = CommandRunner(host)
    now = time.time()
    if args.stamp:
        if len(args.stamp) != 12 or not args.stamp.isdigit():
            raise CliError('--stamp %s is not an nfcapd stamp like 202612031105 (YYYYMMDDhhmm, UTC)' % args.stamp)
        stamps = [args.stamp]
    else:
        stamps = store.pending_stamps(config, now)
    failed = 0
    for stamp in stamps:
        line, problem = aggregate(runner, host, config, stamp)
        if problem is None:
            out.write(line + '\n')
            out.flush()
        else:
            err.write('flow_paths: %s\n' % problem)
            failed += 1
    store.expire(config.out_dir, config.lifetime_days, now)
    if args.render:
        out.write('page %s\n' % store.write_page(host, config))
    return failed


def main(argv=None):
    """The exit status: 0 when every stamp was aggregated, 1 when the tables or any stamp failed."""
    args = parse_args(argv)
    try:
        failed = run(args)
    except TableError as exc:
        sys.stderr.write('flow_paths: the tables in %s are invalid, nothing was changed: %s\n' % (args.config, exc))
        return 1
    except CliError as exc:
        sys.stderr.write('flow_paths: %s\n' % exc)
        return 1
    return 1 if failed else 0


if __name__ == '__main__':
    raise SystemExit(main())
