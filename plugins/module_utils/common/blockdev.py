# -*- coding: utf-8 -*-
# Copyright: isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Block devices and on-disk signatures, from util-linux's JSON output (lsblk, wipefs)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json


class BlockdevError(ValueError):
    """Output of a util-linux tool that is not the JSON it promises."""


def load_json(text, what, error=BlockdevError):
    """A CLI's JSON output; None for no output, ``error`` naming the tool for anything else that is not JSON."""
    text = (text or '').strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise error('%s did not print JSON: %s' % (what, exc))


def parse_lsblk(text):
    """``lsblk --json --bytes ...`` (tree or ``--list``): flat list of devices, each with its ``parent`` name."""
    flat = []

    def walk(devices, parent):
        for device in devices:
            entry = dict((key, value) for key, value in device.items() if key != 'children')
            entry.setdefault('parent', entry.get('pkname', parent))
            flat.append(entry)
            walk(device.get('children') or [], device.get('name'))

    walk((load_json(text, 'lsblk') or {}).get('blockdevices') or [], None)
    return flat


def parse_wipefs(text):
    """``wipefs --no-act --json DEV``: list of signatures (type, offset, uuid, label); no output = none."""
    data = load_json(text, 'wipefs') or {}
    return [{'type': sig.get('type'), 'offset': sig.get('offset'), 'uuid': sig.get('uuid'), 'label': sig.get('label')}
            for sig in data.get('signatures') or []]
