#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: flow_paths_install
short_description: Install the flow_paths aggregator's code for the collector's timer, in one module run
description:
  - Writes below O(lib_dir) exactly the collection's module_utils files that
    C(python3 -m ansible_collections.isplab.infra.plugins.module_utils.flow_paths.cli) loads (the cli and what it
    imports, found from the imports themselves), with the C(__init__.py) package markers, so the timer runs with
    C(PYTHONPATH=lib_dir) on the standard library alone.
  - The sources come from this module's own payload, so the installed code is the code of the collection version
    that runs the play. Only files whose content, mode or owner differ are written (atomically); files C(0644),
    directories C(0755), both C(root:root).
  - C(.py) files left in the collection's package directories below O(lib_dir) that the cli no longer needs
    (from an older layout) are removed.
  - Fails before writing anything when the aggregator imports Ansible or anything outside the standard library.
  - The isplab.infra.flow_paths role runs it in its C(install) concern; see docs/flow_paths.md.
version_added: "0.1.0"
author: isplab.infra contributors (@isplab)
options:
  lib_dir:
    description: Directory the timer's C(PYTHONPATH) points at (the role's C(flow_paths_lib_dir)); created when missing.
    type: path
    required: true
attributes:
  check_mode:
    support: full
    description: Reports which files and directories would be written or removed; changes nothing.
  diff_mode:
    support: full
    description: One line per installed file (first 12 hex digits of its SHA-256, mode, uid:gid) before and after, not the sources.
  platform:
    support: full
    platforms: [posix]
    description: The collector host; needs root to own the files as root.
'''

EXAMPLES = r'''
- name: Install the aggregator's code for the timer
  isplab.infra.flow_paths_install:
    lib_dir: /usr/local/lib/isplab-flow-paths
  become: true
'''

RETURN = r'''
files:
  description: Every file the cli needs, relative to O(lib_dir).
  returned: always
  type: list
  elements: str
  sample: [ansible_collections/__init__.py, ansible_collections/isplab/infra/plugins/module_utils/flow_paths/cli.py]
files_changed:
  description: Files and directories (ending in C(/); C(./) is O(lib_dir)) written or fixed, or that would be in check mode.
  returned: always
  type: list
  elements: str
  sample: [ansible_collections/isplab/infra/plugins/module_utils/flow_paths/store.py]
files_removed:
  description: Stale C(.py) files removed (or that would be) from the collection's package directories.
  returned: always
  type: list
  elements: str
  sample: [ansible_collections/isplab/infra/plugins/module_utils/common/checks.py]
commands:
  description: Commands run; always empty, the module runs no command.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import cli, install

# The files must not be writable by the timer's unprivileged user.
OWNER = (0, 0)


def main():
    module = AnsibleModule(argument_spec=dict(lib_dir=dict(type='path', required=True)), supports_check_mode=True)
    lib_dir = module.params['lib_dir']
    try:
        # cli is imported above so that AnsiballZ ships it and everything it imports
        files = install.required_files(entry=cli.__name__)
    except install.InstallError as exc:
        module.fail_json(msg=str(exc), commands=[])
    changes = install.pending(lib_dir, files, OWNER)
    removals = install.stale(lib_dir, files)
    tracker = DiffTracker()
    tracker.add('files', install.listing(lib_dir, list(files) + removals), install.planned_listing(files, OWNER))
    if (changes or removals) and not module.check_mode:
        try:
            install.apply(module, lib_dir, files, changes, removals, OWNER)
        except (IOError, OSError) as exc:
            module.fail_json(msg='cannot install the aggregator below %s: %s; run the task as root (become: true) '
                                 'on a writable file system' % (lib_dir, exc), commands=[], files_changed=changes)
    result = dict(changed=bool(changes or removals), files=sorted(files), files_changed=changes,
                  files_removed=removals, commands=[])
    if module._diff:
        result['diff'] = tracker.diff()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
