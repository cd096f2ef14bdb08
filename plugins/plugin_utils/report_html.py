# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verification report: one self-contained HTML page and JUnit XML from the reports of verify_report.

Input: the ``reports`` list of the ``isplab.infra.verify_report`` filter (``{capability, verdict, details:
{host: {msg, failed_checks, checks, facts}}}``), the same shape as the ``<capability>.json`` files.
Failures come first everywhere: capabilities, hosts and checks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import xml.etree.ElementTree as ET
from html import escape

from ansible_collections.isplab.infra.plugins.plugin_utils.report_svg import pictures

CSS = """body{font-family:sans-serif;max-width:80em;margin:2em auto;color:#222}
h2{border-bottom:2px solid #ccc}table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .8em;text-align:left;
border-bottom:1px solid #ddd;vertical-align:top}.verdict.pass,.summary.pass{background:#c8f7c5}
.verdict.fail,.summary.fail,tr.fail{background:#f7c5c5}section.fail{border-left:6px solid #e06666;padding-left:.8em}
.verdict{padding:.1em .5em;border-radius:.3em;font-size:85%}tr.fail td{color:#900}pre{background:#f6f6f6;
padding:.5em;overflow:auto;max-height:30em}.summary{font-size:120%;padding:.5em;border-radius:.3em}
figure{margin:.5em 0}figcaption{font-weight:bold}"""


def _failed(entry):
    return bool(entry.get('failed_checks'))


def _sorted_checks(entry):
    checks = entry.get('checks') or []
    failed = entry.get('failed_checks') or []
    # a verifier that could not run has failed_checks but no checks: show those
    names = set(c.get('check') for c in checks)
    checks = checks + [c for c in failed if c.get('check') not in names]
    return sorted(checks, key=lambda c: bool(c.get('ok')))


def ordered(reports):
    """[(report, [(host, entry)])]: failed capabilities first, and failed hosts first within each."""
    out = []
    for report in sorted(reports, key=lambda r: r.get('verdict') != 'fail'):
        details = report.get('details') or {}
        hosts = sorted(details.items(), key=lambda he: not _failed(he[1]))
        out.append((report, hosts))
    return out


def summary(reports):
    """(checks, failed, failed hosts, all hosts) over every report."""
    total, failed, bad_hosts, hosts = 0, 0, [], []
    for _report, entries in ordered(reports):
        for host, entry in entries:
            checks = _sorted_checks(entry)
            total += len(checks)
            failed += len([c for c in checks if not c.get('ok')])
            if host not in hosts:
                hosts.append(host)
            if _failed(entry) and host not in bad_hosts:
                bad_hosts.append(host)
    return total, failed, bad_hosts, hosts


def _verdict(ok):
    return '<span class="verdict %s">%s</span>' % ('pass' if ok else 'fail', 'PASS' if ok else 'FAIL')


def _check_row(check):
    ok = bool(check.get('ok'))
    facts = check.get('details')
    folded = ('<details><summary>facts</summary><pre>%s</pre></details>'
              % escape(json.dumps(facts, indent=2, sort_keys=True, default=str))) if facts else ''
    return '<tr class="%s"><td>%s</td><td>%s</td><td>%s%s</td></tr>' % (
        'pass' if ok else 'fail', escape(str(check.get('check', '?'))), _verdict(ok),
        escape(str(check.get('problem', ''))) if not ok else '', folded)


def _host_section(capability, host, entry):
    rows = ''.join(_check_row(c) for c in _sorted_checks(entry))
    figures = ''.join('<figure><figcaption>%s</figcaption>%s</figure>' % (escape(title), svg)
                      for title, svg in pictures(entry.get('facts')))
    facts = entry.get('facts')
    folded = ('<details><summary>everything the verifier returned</summary><pre>%s</pre></details>'
              % escape(json.dumps(facts, indent=2, sort_keys=True, default=str))) if facts else ''
    return ('<section class="host %s" id="%s-%s"><h3>%s %s</h3><p>%s</p>'
            '<table><tr><th>check</th><th>verdict</th><th>problem</th></tr>%s</table>%s%s</section>'
            % ('fail' if _failed(entry) else 'pass', escape(capability), escape(host), escape(host),
               _verdict(not _failed(entry)), escape(str(entry.get('msg', ''))), rows, figures, folded))


def _timings(steps):
    if not steps:
        return ''
    rows = ''.join('<tr class="%s"><td>%s</td><td>%s</td><td>%s s</td><td>%s</td></tr>' % (
        'pass' if s.get('rc') == 0 else 'fail', escape(s.get('name', '')),
        'ok' if s.get('rc') == 0 else 'failed (rc=%s)' % s.get('rc'), escape(str(s.get('seconds', ''))),
        '<a href="%s">%s</a>' % (escape(s['log'], True), escape(s['log'])) if s.get('log') else '') for s in steps)
    return ('<h2>Steps</h2><table id="timings"><tr><th>step</th><th>result</th><th>time</th><th>log</th></tr>%s</table>'
            % rows)


def render_html(reports, title='Verification report', generated='', steps=None, links=None, absent=None):
    """The page. ``steps``: [{name, rc, seconds, log}] shown on top (the lab's timings); ``links``:
    [{title, href}] (e.g. the traffic-engineering page); ``absent``: {capability: why} for sections not run."""
    total, failed, bad_hosts, hosts = summary(reports)
    where = ' on ' + ', '.join(bad_hosts) if bad_hosts else ''
    line = '%d checks, %d failed%s; %d hosts' % (total, failed, where, len(hosts))
    sections = []
    for report, entries in ordered(reports):
        cap = str(report.get('capability'))
        sections.append('<section class="capability %s" id="%s"><h2>%s %s</h2>%s</section>' % (
            'fail' if report.get('verdict') == 'fail' else 'pass', escape(cap), escape(cap),
            _verdict(report.get('verdict') != 'fail'), ''.join(_host_section(cap, h, e) for h, e in entries)))
    for cap, why in sorted((absent or {}).items()):
        sections.append('<section class="capability absent"><h2>%s <span class="verdict">NOT RUN</span></h2>'
                        '<p>%s</p></section>' % (escape(cap), escape(why)))
    link_list = ''.join('<li><a href="%s">%s</a></li>' % (escape(l['href'], True), escape(l['title']))
                        for l in links or [])
    return ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style></head>'
            '<body><h1>%s</h1><p class="summary %s" id="summary">%s</p><p>%s</p>%s%s%s</body></html>\n'
            % (escape(title), CSS, escape(title), 'fail' if failed else 'pass', escape(line), escape(generated),
               '<ul id="links">%s</ul>' % link_list if link_list else '', _timings(steps), ''.join(sections)))


def render_junit(reports, name='isplab.infra verify'):
    """JUnit XML (Jenkins/Ant dialect): one testsuite per capability, one testcase per host and check."""
    root = ET.Element('testsuites', name=name)
    all_tests = all_failures = 0
    for report, entries in ordered(reports):
        cap = str(report.get('capability'))
        suite = ET.SubElement(root, 'testsuite', name=cap)
        tests = failures = 0
        for host, entry in entries:
            for check in _sorted_checks(entry):
                tests += 1
                case = ET.SubElement(suite, 'testcase', name=str(check.get('check', '?')),
                                     classname='%s.%s' % (cap, host), time='0')
                if not check.get('ok'):
                    failures += 1
                    failure = ET.SubElement(case, 'failure', message=str(check.get('problem', '')), type='check')
                    failure.text = json.dumps(check.get('details') or {}, sort_keys=True, default=str)
        suite.set('tests', str(tests))
        suite.set('failures', str(failures))
        suite.set('errors', '0')
        suite.set('skipped', '0')
        all_tests += tests
        all_failures += failures
    root.set('tests', str(all_tests))
    root.set('failures', str(all_failures))
    root.set('errors', '0')
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='unicode') + '\n'
