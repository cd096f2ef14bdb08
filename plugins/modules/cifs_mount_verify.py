#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: cifs_mount_verify
short_description: Check live CIFS mounts against their declaration and report how fast a dead server is detected
version_added: "0.1.0"
description:
  - Reads C(/proc/self/mounts) and C(/proc/fs/cifs/DebugData) and checks, per declared mount, that it is
    mounted from the declared share, that the live C(echo_interval) and options match, and that the
    negotiated dialect is SMB3.
  - Reports the reconnect C(Instance) counter of the connection, the kernel's dead-server multiplier
    (3 with upstream fix f2caf901c1b7, 2 before) and the resulting detection time.
  - Changes nothing. For O(mounts[].automount=true) it lists the mount point first, which triggers the
    systemd automount.
author: isplab.infra contributors (@isplab)
options:
  mounts:
    description: The declared mounts.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Mount point.
        type: path
        required: true
      server:
        description: Expected server (compared with the mount source).
        type: str
      share:
        description: Expected share.
        type: str
      version:
        description: Expected C(vers=); V(3) or omitted accepts any SMB3 dialect.
        type: str
        choices: ["3", "3.0", "3.02", "3.1.1"]
      echo_interval:
        description: Expected echo interval in seconds.
        type: int
        default: 60
      uid:
        description: Expected C(uid=).
        type: int
      gid:
        description: Expected C(gid=).
        type: int
      file_mode:
        description: Expected C(file_mode=) (octal).
        type: str
      dir_mode:
        description: Expected C(dir_mode=) (octal).
        type: str
      hard:
        description: Expected C(hard) (true) or C(soft) (false); omitted accepts either.
        type: bool
      automount:
        description: The mount is a systemd automount; access it before checking.
        type: bool
        default: false
  max_detection_seconds:
    description: Fail when the client may take longer than this to declare a dead server (worst case, see RV(mounts[].detection_latest_seconds)).
    type: int
  max_reconnects:
    description: Fail when a connection reconnected more often than this since it was established.
    type: int
  dead_server_multiplier:
    description:
      - Override the multiplier derived from the kernel version, for vendor kernels that carry the fix
        under an older version number.
    type: int
    choices: [2, 3]
extends_documentation_fragment:
  - isplab.infra.attributes.verifier
attributes:
  platform:
    platforms: posix
    support: full
    description: Linux with the cifs kernel client; reading DebugData needs root.
'''

EXAMPLES = r'''
- name: Verify the backup mount and that a dead server is noticed within 3 minutes
  isplab.infra.cifs_mount_verify:
    mounts:
      - path: /srv/backup
        server: files.example.net
        share: backup
        version: "3.1.1"
        echo_interval: 60
        hard: true
    max_detection_seconds: 190
'''

RETURN = r'''
kernel:
  description: The running kernel and the dead-server multiplier derived from it.
  type: dict
  returned: always
  sample: {"release": "6.1.0-27-amd64", "upstream_version": "6.1.115", "version_source": "uname -v (Debian)",
           "multiplier": 3, "reason": "6.1.115 >= 5.3 (fix f2caf901c1b7 is in mainline since 5.3)"}
mounts:
  description: Per declared mount, what the kernel shows.
  type: list
  elements: dict
  returned: always
  contains:
    path: {description: Mount point., type: str}
    mounted: {description: A cifs mount is at the path., type: bool}
    source: {description: Live mount source., type: str}
    live_options: {description: Live options from /proc/mounts (flags map to null)., type: dict}
    echo_interval: {description: Live echo interval (s)., type: int}
    connection_id: {description: DebugData ConnectionId of the connection the figures come from., type: str}
    connection_ambiguous:
      description: Several connections carry this share with the same dialect; the one with the highest Instance is reported.
      type: bool
    dialect: {description: Negotiated dialect (e.g. 3.1.1)., type: str}
    instance: {description: Reconnect Instance counter of the connection (1 = never reconnected)., type: int}
    reconnects: {description: Instance - 1., type: int}
    multiplier: {description: Dead-server multiplier., type: int}
    detection_seconds: {description: "multiplier x echo_interval: the deadline the kernel logs.", type: int}
    detection_latest_seconds:
      description: The deadline rounded up to the next 7 s socket read timeout, when the check actually runs.
      type: int
checks:
  description: Every check with C(ok) and, when failed, C(problem).
  type: list
  elements: dict
  returned: always
failed_checks:
  description: The failed checks.
  type: list
  elements: dict
  returned: always
commands:
  description: Commands run (none; the module reads /proc only).
  type: list
  elements: str
  returned: always
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount import verifier
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.declaration import (
    DEFAULT_ECHO_INTERVAL, SMB3_VERSIONS)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            mounts=dict(type='list', elements='dict', required=True, options=dict(
                path=dict(type='path', required=True),
                server=dict(type='str'),
                share=dict(type='str'),
                version=dict(type='str', choices=list(SMB3_VERSIONS)),
                echo_interval=dict(type='int', default=DEFAULT_ECHO_INTERVAL),
                uid=dict(type='int'),
                gid=dict(type='int'),
                file_mode=dict(type='str'),
                dir_mode=dict(type='str'),
                hard=dict(type='bool'),
                automount=dict(type='bool', default=False),
            )),
            max_detection_seconds=dict(type='int'),
            max_reconnects=dict(type='int'),
            dead_server_multiplier=dict(type='int', choices=[2, 3]),
            fail_on_error=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    verifier.run(module)


if __name__ == '__main__':
    main()
