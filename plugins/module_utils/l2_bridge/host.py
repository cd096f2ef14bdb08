# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading and changing the live bridge state on the host, for the bridge modules and their verifiers.

Parsing and planning stay pure in netgraph.py and linux.py; this file is the part that runs commands.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.linux import parse_bridge_links, parse_ip_links

# FreeBSD's net.link.ether.inet.max_age default, used where the sysctl cannot be read.
FREEBSD_ARP_MAX_AGE = 1200


def read_arp_max_age(runner, given):
    """(ARP lifetime in s, where it came from): the parameter, the sysctl or FreeBSD's default."""
    if given is not None:
        return given, 'parameter'
    if runner.binary('sysctl', required=False) is None:
        return FREEBSD_ARP_MAX_AGE, 'FreeBSD default'
    result = runner.run(['sysctl', '-n', 'net.link.ether.inet.max_age'], expected_rc=None)
    if result.rc == 0 and result.stdout.strip().isdigit():
        return int(result.stdout.strip()), 'sysctl'
    return FREEBSD_ARP_MAX_AGE, 'FreeBSD default'


def apply_batch(runner, lines):
    """Feed the lines to one ``ngctl -f -``: one process however many hooks change."""
    if not lines:
        return
    runner.run_or_fail(['ngctl', '-f', '-'], changes=True, data='\n'.join(lines))
    runner.commands.extend('  ' + line for line in lines)


def ns_argv(argv, netns):
    """``ip``/``bridge`` argv inside the namespace (``-n``), or unchanged for the host namespace."""
    return [argv[0]] + (['-n', netns] if netns else []) + argv[1:]


def read_links(runner, netns):
    """(``ip -j -d link show`` parsed, ``bridge -d -j link show`` parsed)."""
    links = parse_ip_links(runner.run_or_fail(ns_argv(['ip', '-j', '-d', 'link', 'show'], netns)).stdout)
    ports = parse_bridge_links(runner.run_or_fail(ns_argv(['bridge', '-d', '-j', 'link', 'show'], netns)).stdout)
    return links, ports
