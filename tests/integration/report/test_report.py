"""The verification report in a real browser (Debian's chromium, headless, through selenium) and its JUnit
XML against the Jenkins xUnit junit-10 XSD; fed with verifier results built from captured output
(results.py), pve-broken being a node whose md array lost a member.

Run as one stage:  .venv/bin/pytest -q tests/integration/report   (about 15 s)
Artifacts: build/test-artifacts/report/ (index.html, junit.xml, report.png, the playbook's output).
REPORT_UPDATE_DOCS=1 also copies the screenshot to docs/img/report.png.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
import xmlschema

import results
from conftest import ARTIFACTS, COLLECTIONS, REPO
from ansible_collections.isplab.infra.plugins.filter.verify_report import verify_report
from ansible_collections.isplab.infra.plugins.filter.verify_html import verify_html, verify_junit

HOSTS = ['pve-ok', 'pve-broken', 'bridge1', 'collector1', 'monitor1']
XSD = os.path.join(os.path.dirname(__file__), 'junit-10.xsd')


@pytest.fixture(scope='module')
def reports():
    return verify_report(results.CAPABILITIES, results.hostvars(), results.GROUPS, HOSTS)['reports']


@pytest.fixture(scope='module')
def page(reports):
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, 'index.html')
    links = [{'title': 'Traffic engineering (Sankey)', 'href': 'te.html'}]
    with open(path, 'w') as fh:
        fh.write(verify_html(reports, title='isplab verification report', generated='report test', links=links))
    return path


@pytest.fixture(scope='module')
def browser():
    webdriver = pytest.importorskip('selenium.webdriver')
    if not (shutil.which('chromium') and shutil.which('chromedriver')):
        pytest.fail('chromium and chromium-driver are missing: run tests/tools/bootstrap-debian')
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which('chromium')
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu', '--window-size=1280,2000'):
        options.add_argument(arg)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=shutil.which('chromedriver')),
                              options=options)
    yield driver
    driver.quit()


def test_page_renders_failures_first_without_console_errors(page, browser):
    from selenium.webdriver.common.by import By
    browser.get('file://' + page)
    assert browser.title == 'isplab verification report'
    summary = browser.find_element(By.ID, 'summary').text
    assert summary.startswith('17 checks, 2 failed on pve-broken')
    capabilities = browser.find_elements(By.CSS_SELECTOR, 'section.capability')
    assert [c.get_attribute('class') for c in capabilities[:2]] == ['capability fail'] * 2
    first_host = browser.find_element(By.CSS_SELECTOR, 'section.host')
    assert first_host.get_attribute('id') == 'root_raid1-pve-broken'
    first_row = first_host.find_element(By.CSS_SELECTOR, 'tr.fail')
    assert 'md_members_active' in first_row.text and 'not active in /dev/md0: /dev/vdb3' in first_row.text
    # red as the eye sees it, not only a class name
    colour = first_row.find_element(By.TAG_NAME, 'td').value_of_css_property('color')
    assert colour in ('rgba(153, 0, 0, 1)', 'rgb(153, 0, 0)')
    missing = first_host.find_element(By.CSS_SELECTOR, 'g.md-missing')
    assert '1 member missing' in missing.text
    assert missing.find_element(By.TAG_NAME, 'rect').get_attribute('fill') == '#e06666'
    # every picture the facts allow is on the page
    captions = [f.text for f in browser.find_elements(By.TAG_NAME, 'figcaption')]
    for title in ('RAID layout', 'Ceph OSD map', 'Forwarding cross tables', 'Bit rate per AS',
                  'CIFS mounts and dead-peer deadline'):
        assert title in captions
    assert browser.find_elements(By.CSS_SELECTOR, 'g.cell-unwanted rect[fill="#e06666"]')
    assert browser.find_element(By.LINK_TEXT, 'Traffic engineering (Sankey)')
    errors = [e for e in browser.get_log('browser') if e['level'] == 'SEVERE']
    assert errors == []
    shot = os.path.join(ARTIFACTS, 'report.png')
    browser.set_window_size(1280, 1600)
    assert browser.save_screenshot(shot)
    if os.environ.get('REPORT_UPDATE_DOCS') == '1':
        shutil.copy(shot, os.path.join(REPO, 'docs', 'img', 'report.png'))


def test_page_is_self_contained(page):
    text = open(page).read()
    assert '<script' not in text and 'http://' not in text.replace('http://www.w3.org/2000/svg', '')
    assert 'https://' not in text
    assert 'must-not-leak' not in text


def test_junit_validates_against_the_jenkins_schema(reports):
    xml = verify_junit(reports)
    with open(os.path.join(ARTIFACTS, 'junit.xml'), 'w') as fh:
        fh.write(xml)
    schema = xmlschema.XMLSchema(XSD)
    schema.validate(os.path.join(ARTIFACTS, 'junit.xml'))
    data = schema.to_dict(os.path.join(ARTIFACTS, 'junit.xml'))
    assert (data['@tests'], data['@failures']) == ('17', '2')
    first = data['testsuite'][0]['testcase'][0]
    assert (first['@classname'], first['@name']) == ('root_raid1.pve-broken', 'md_members_active')


def test_playbook_writes_the_report_only_when_asked(tmp_path):
    """verify_summary.yml on an inventory whose hosts carry pre-registered results (no connection made)."""
    inventory = {'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
                         'children': {}}}
    hostvars = results.hostvars()
    for group, members in results.GROUPS.items():
        inventory['all']['children'][group] = {'hosts': dict((h, hostvars[h]) for h in members)}
    (tmp_path / 'hosts.json').write_text(json.dumps(inventory))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    argv = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(tmp_path / 'hosts.json'),
            os.path.join(REPO, 'playbooks', 'verify_summary.yml')]
    report_dir = tmp_path / 'report'
    with_dir = subprocess.run(argv + ['-e', 'verify_report_dir=%s' % report_dir], env=env, cwd=REPO,
                              capture_output=True, text=True, check=False)
    with open(os.path.join(ARTIFACTS, 'playbook.log'), 'w') as fh:
        fh.write(with_dir.stdout + with_dir.stderr)
    assert with_dir.returncode == 2, with_dir.stdout[-3000:]  # pve-broken fails its verdict
    assert sorted(os.listdir(report_dir)) == ['ceph_osd.json', 'cifs_mount.json', 'flow_collector.json',
                                              'index.html', 'junit.xml', 'l2_bridge.json', 'root_raid1.json']
    xmlschema.XMLSchema(XSD).validate(str(report_dir / 'junit.xml'))
    assert 'id="root_raid1-pve-broken"' in (report_dir / 'index.html').read_text()
    assert 'must-not-leak' not in (report_dir / 'root_raid1.json').read_text()
    without = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    assert without.returncode == 2
    assert 'changed: [' not in without.stdout  # no directory, no file: nothing of the report in a plain run
