#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: cifs_mount
short_description: Manage one CIFS/SMB3 mount (fstab entry and live mount), remounting when options change
version_added: "0.1.0"
description:
  - Writes the fstab entry of a CIFS mount that references a credentials file (never a password),
    mounts it, and unmounts and mounts it again when the live options differ from the declaration.
  - The kernel applies C(echo_interval), C(vers) and C(hard)/C(soft) per connection and tree
    connection; C(mount -o remount) keeps the old values, so a changed mount is unmounted and mounted.
    A busy mount point makes the umount fail with a message naming the changed options.
  - The declaration is validated before anything changes (SMB3 only, echo_interval 1-600,
    absolute paths, no password or managed setting in O(extra_options)).
  - The module never reads the credentials file; write it beforehand (mode 0600, owner root),
    for example with M(ansible.builtin.template) and C(no_log).
author: isplab.infra contributors (@isplab)
options:
  path:
    description: Absolute mount point.
    type: path
    required: true
  server:
    description: SMB server name or address.
    type: str
  share:
    description: Share name on O(server).
    type: str
  credentials_file:
    description:
      - Absolute path of the mount.cifs credentials file (C(username=), C(password=), C(domain=)).
      - Must be mode 0600 and owned by root when it exists; required to exist when O(state=mounted).
    type: path
  version:
    description: SMB dialect (C(vers=)). Only SMB3 dialects; C(3) lets the kernel pick the highest.
    type: str
    default: "3.1.1"
    choices: ["3", "3.0", "3.02", "3.1.1"]
  echo_interval:
    description:
      - Seconds between echo requests. The client declares the server dead after 3 (kernels
        with upstream f2caf901c1b7) or 2 intervals without a response.
      - Must be 1-600; older kernels silently used 60 for other values, newer ones refuse the mount.
    type: int
    default: 60
  uid:
    description: Owner of the files (numeric).
    type: int
  gid:
    description: Group of the files (numeric).
    type: int
  file_mode:
    description: Permission bits of files, octal like C(0644).
    type: str
  dir_mode:
    description: Permission bits of directories, octal like C(0755).
    type: str
  hard:
    description: C(hard) (retry until the server answers) instead of C(soft).
    type: bool
    default: false
  netdev:
    description: Add C(_netdev) so the mount waits for the network at boot.
    type: bool
    default: true
  automount:
    description:
      - Mount on first access through a systemd automount unit (C(x-systemd.automount)).
      - The module starts the automount unit; the cifs mount appears on the first access.
    type: bool
    default: false
  extra_options:
    description:
      - Further mount options, one per item (for example C(nobrl), C(cache=none)).
      - Options that carry a password or that this module sets are refused.
    type: list
    elements: str
    default: []
  force_remount:
    description: Unmount and mount even when the options match, e.g. after the credentials changed.
    type: bool
    default: false
  state:
    description:
      - V(mounted) writes fstab and mounts (or starts the automount unit).
      - V(present) writes fstab only. V(absent) unmounts and removes the fstab entry.
    type: str
    default: mounted
    choices: [mounted, present, absent]
  validate_only:
    description:
      - Only validate the declaration and return; reads nothing from the host, so it can run on the
        controller (C(delegate_to=localhost)) for every mount before any host changes.
    type: bool
    default: false
  fstab:
    description: The fstab file to manage (tests use another file).
    type: path
    default: /etc/fstab
attributes:
  check_mode:
    support: full
    description: Validates and plans (fstab, umount/mount, automount) without changing anything.
  diff_mode:
    support: full
    description: The fstab entry, the compared live options and whether the share is mounted.
  platform:
    platforms: posix
    support: full
    description: Linux with the cifs kernel client and cifs-utils (mount.cifs).
notes:
  - Remounting is umount followed by mount, so open files on the mount make it fail.
seealso:
  - module: isplab.infra.cifs_mount_verify
'''

EXAMPLES = r'''
- name: Mount the backup share with a 30 s echo interval
  isplab.infra.cifs_mount:
    path: /srv/backup
    server: files.example.net
    share: backup
    credentials_file: /etc/cifs-credentials/srv-backup
    version: "3.1.1"
    echo_interval: 30
    uid: 1000
    gid: 1000
    file_mode: "0640"
    dir_mode: "0750"
    hard: true

- name: Remove the mount and its fstab entry
  isplab.infra.cifs_mount:
    path: /srv/backup
    state: absent
'''

RETURN = r'''
fstab_line:
  description: The fstab entry as written (references the credentials file, never a password).
  type: str
  returned: when state is not absent
  sample: //files.example.net/backup /srv/backup cifs credentials=/etc/cifs-credentials/srv-backup,vers=3.1.1,echo_interval=30,soft,_netdev 0 0
live_options:
  description: Options of the live mount before the module acted (empty when it was not mounted).
  type: dict
  returned: always
  sample: {"vers": "3.1.1", "echo_interval": "60", "soft": null}
remount_reasons:
  description: Why the mount was (or, in check mode, would be) unmounted and mounted again.
  type: list
  elements: str
  returned: always
  sample: ["echo_interval: declared 30, live 60"]
actions:
  description: Planned steps in order (mkdir, write_fstab, stop_automount, umount, daemon_reload, mount, start_automount).
  type: list
  elements: str
  returned: always
commands:
  description: Commands run (or, in check mode, planned).
  type: list
  elements: str
  returned: always
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount import host
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.declaration import (
    DEFAULT_ECHO_INTERVAL, DEFAULT_VERSION, SMB3_VERSIONS)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            server=dict(type='str'),
            share=dict(type='str'),
            credentials_file=dict(type='path'),
            version=dict(type='str', default=DEFAULT_VERSION, choices=list(SMB3_VERSIONS)),
            echo_interval=dict(type='int', default=DEFAULT_ECHO_INTERVAL),
            uid=dict(type='int'),
            gid=dict(type='int'),
            file_mode=dict(type='str'),
            dir_mode=dict(type='str'),
            hard=dict(type='bool', default=False),
            netdev=dict(type='bool', default=True),
            automount=dict(type='bool', default=False),
            extra_options=dict(type='list', elements='str', default=[]),
            force_remount=dict(type='bool', default=False),
            state=dict(type='str', default='mounted', choices=['mounted', 'present', 'absent']),
            fstab=dict(type='path', default='/etc/fstab'),
            validate_only=dict(type='bool', default=False),
        ),
        required_if=[('state', 'mounted', ('server', 'share', 'credentials_file')),
                     ('state', 'present', ('server', 'share', 'credentials_file'))],
        supports_check_mode=True,
    )
    host.run(module)


if __name__ == '__main__':
    main()
