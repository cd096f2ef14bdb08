# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verification report people and CI systems read: HTML page and JUnit XML (playbooks/verify_summary.yml).

The page is drawn in Python (plugins/plugin_utils/report_html.py) rather than a Jinja template so that
tests/lab/lab.py renders the very same page, with its step timings, outside Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.isplab.infra.plugins.plugin_utils.report_html import render_html, render_junit


def _reports(reports, name):
    if not isinstance(reports, list) or not all(isinstance(r, dict) and 'capability' in r for r in reports):
        raise AnsibleFilterError('%s: expected the reports of isplab.infra.verify_report (a list of '
                                 '{capability, verdict, details}), got %r' % (name, reports))
    return reports


def verify_html(reports, title='Verification report', generated='', links=None):
    """One self-contained HTML page (inline CSS and SVG, no script)."""
    return render_html(_reports(reports, 'verify_html'), title=title, generated=generated, links=links or [])


def verify_junit(reports, name='isplab.infra verify'):
    """JUnit XML: a testsuite per capability, a testcase per host and check."""
    return render_junit(_reports(reports, 'verify_junit'), name=name)


class FilterModule(object):
    def filters(self):
        return {'verify_html': verify_html, 'verify_junit': verify_junit}
