"""The rc.d script of roles/l2_bridge ordered among FreeBSD's base rc.d scripts, as rcorder(8) would.

rcorder (sbin/rcorder/rcorder.c): a script runs after every provider of each REQUIRE word and before every
provider of each BEFORE word; a cycle is reported and broken arbitrarily, so here it is an error.
The base system's header lines are a fixture (tests/unit/fixtures/freebsd_rcd/rcorder-headers.txt).
"""

import os
import re

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
FIXTURE = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'freebsd_rcd', 'rcorder-headers.txt')
TEMPLATE = os.path.join(REPO, 'roles', 'l2_bridge', 'templates', 'isplab_ng_bridge.rc.j2')
_HEADER_RE = re.compile(r'^#\s*(PROVIDE|REQUIRE|BEFORE):(.*)$')


class CycleError(ValueError):
    pass


def parse_header(lines):
    header = {'PROVIDE': [], 'REQUIRE': [], 'BEFORE': []}
    for line in lines:
        match = _HEADER_RE.match(line.strip())
        if match:
            header[match.group(1)].extend(match.group(2).split())
    return header


def base_scripts():
    scripts = {}
    name = None
    with open(FIXTURE) as handle:
        for line in handle:
            if line.startswith('== '):
                name = line[3:].strip()
                scripts[name] = []
            elif name is not None:
                scripts[name].append(line)
    return dict((script, parse_header(lines)) for script, lines in scripts.items())


def rcorder(scripts):
    """Scripts in start order; CycleError naming the scripts of a dependency cycle."""
    providers = {}
    for script, header in scripts.items():
        for word in header['PROVIDE']:
            providers.setdefault(word, set()).add(script)
    after = dict((script, set()) for script in scripts)  # script -> scripts that must run first
    for script, header in scripts.items():
        for word in header['REQUIRE']:
            after[script] |= providers.get(word, set()) - {script}
        for word in header['BEFORE']:
            for provider in providers.get(word, set()) - {script}:
                after[provider].add(script)
    order, state = [], {}

    def visit(script, path):
        if state.get(script) == 'done':
            return
        if state.get(script) == 'active':
            raise CycleError('rcorder cycle: %s' % ' -> '.join(path[path.index(script):] + [script]))
        state[script] = 'active'
        for first in sorted(after[script]):
            visit(first, path + [script])
        state[script] = 'done'
        order.append(script)

    for script in sorted(scripts):
        visit(script, [])
    return order


def with_role_script(header_lines):
    scripts = base_scripts()
    scripts['isplab_ng_bridge'] = parse_header(header_lines)
    return scripts


def role_header():
    with open(TEMPLATE) as handle:
        return handle.read().splitlines()


def test_base_fixture_has_no_cycle():
    order = rcorder(base_scripts())
    assert order.index('netif') < order.index('routing') < order.index('NETWORKING')


def test_old_header_is_a_cycle():
    # The header the role shipped before issue 16: NETWORKING itself requires routing.
    with pytest.raises(CycleError, match='NETWORKING'):
        rcorder(with_role_script(['# PROVIDE: isplab_ng_bridge', '# REQUIRE: NETWORKING', '# BEFORE: routing']))


def test_role_script_orders_without_cycle_after_netif_before_routing():
    order = rcorder(with_role_script(role_header()))
    position = order.index('isplab_ng_bridge')
    # The VLAN interfaces the ports use exist after netif; the bridge and its ngeth interfaces exist
    # before routes are installed and before anything that needs NETWORKING.
    assert order.index('netif') < position < order.index('routing') < order.index('NETWORKING')
