# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verdict of every verifier that ran, from the ``<role>_verify_result`` each role registers.

One place decides what counts as a failure, so the summary play, its JSON files and its failure
message cannot disagree (before, each verify playbook computed its own verdict in Jinja).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

NO_RESULT = ('no result: the %s verifier did not run on this host (it failed before checking, or its play '
             'skipped the host); rerun that verify playbook with --limit on this host and -v to see why')
# What the verifiers return next to their checks (each module's RETURN), kept for the report's pictures.
# A list of names, not "everything else": a result also holds invocation (module arguments, secrets included).
FACT_KEYS = ('md', 'sync', 'pvs', 'partition_types', 'firmware', 'osds', 'pve', 'kernel', 'mounts', 'modes', 'mode',
             'hooks', 'first_hook', 'config', 'ports', 'templates', 'cells', 'summary', 'unwanted', 'missing',
             'series')


def _host_entry(result):
    """(entry for the report, failed check names) of one registered verifier result; None if not run."""
    if not isinstance(result, dict) or result.get('skipped'):
        return None
    failed = result.get('failed_checks')
    if failed is None:
        # The verifier task itself failed (bad argument, unreachable API): that is a failed check too.
        failed = [{'check': 'verifier', 'ok': False, 'problem': result.get('msg', 'failed without message')}] \
            if result.get('failed') else []
    entry = {'msg': result.get('msg', ''), 'failed_checks': failed, 'checks': result.get('checks', []),
             'facts': dict((key, result[key]) for key in FACT_KEYS if key in result)}
    return entry, ['%s: %s' % (c.get('check', '?'), c.get('problem', '')) if isinstance(c, dict) else str(c)
                   for c in failed]


def verify_report(capabilities, hostvars, groups, hosts):
    """Reports of the capabilities whose verifier ran on ``hosts``, and the failed checks per host.

    ``capabilities`` is the table of verify_summary.yml: ``[{name, groups, role}]``; the result of host H
    for capability C is ``hostvars[H][C.role + '_verify_result']``. A capability ran when at least one of
    its hosts has a result; its hosts without one then fail (they were meant to be checked).
    """
    if not isinstance(capabilities, list):
        raise AnsibleFilterError('verify_report: expected the capability table (a list), got %r' % (capabilities,))
    reports, failures = [], {}
    for cap in capabilities:
        try:
            name, role, cap_groups = cap['name'], cap['role'], cap['groups']
        except (KeyError, TypeError):
            raise AnsibleFilterError('verify_report: every capability needs name, role and groups; got %r' % (cap,))
        members = set()
        for group in cap_groups:
            members.update(groups.get(group, []))
        cap_hosts = [h for h in hosts if h in members]
        entries = {}
        for host in cap_hosts:
            host_vars = hostvars[host] if host in hostvars else {}
            var = role + '_verify_result'
            entries[host] = _host_entry(host_vars[var] if var in host_vars else None)
        if all(entry is None for entry in entries.values()):
            continue
        details, verdict = {}, 'pass'
        for host in cap_hosts:
            if entries[host] is None:
                problem = NO_RESULT % name
                entries[host] = ({'msg': problem, 'failed_checks': [{'check': 'result', 'ok': False, 'problem': problem}],
                                  'checks': [], 'facts': {}}, ['result: ' + problem])
            details[host], failed = entries[host]
            if failed:
                verdict = 'fail'
                failures.setdefault(host, []).extend('%s: %s' % (name, f) for f in failed)
        reports.append({'capability': name, 'verdict': verdict, 'details': details})
    return {'reports': reports, 'failures': failures}


class FilterModule(object):
    def filters(self):
        return {'verify_report': verify_report}
