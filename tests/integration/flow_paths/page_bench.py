"""Headless chromium for the traffic-engineering page: the driver the browser test uses, and ``measure`` for
bench.py (the redraw time the page itself records in ``window.lastRedrawMs`` on every slot change).

Debian's chromium and chromedriver (/usr/bin), selenium from .venv; the page is opened from file:// and makes
no request (its Content-Security-Policy forbids them).
"""

import contextlib
import os
import shutil
import statistics

# 288 slots are a day; more steps than that would only repeat the same figures
MAX_STEPS = 288
STEP_LEFT = "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowLeft'})); return window.lastRedrawMs;"


@contextlib.contextmanager
def chrome(width=1400, height=900):
    """A headless chromium session with browser console logging; quit on exit, also after a failure."""
    from selenium import webdriver  # imported here: bench.py imports this module before it needs a browser
    chromium, chromedriver = shutil.which('chromium'), shutil.which('chromedriver')
    if not (chromium and chromedriver):
        raise RuntimeError('chromium and chromium-driver are missing: run tests/tools/bootstrap-debian')
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu', '--window-size=%d,%d' % (width, height)):
        options.add_argument(arg)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def severe_logs(driver):
    """Console messages of level SEVERE since the last call (script errors, refused requests)."""
    return [entry for entry in driver.get_log('browser') if entry['level'] == 'SEVERE']


def measure(html_path):
    """{"html_bytes", "redraw_ms_median", "redraw_ms_max", "steps", "load_ms"} of one page in headless chromium.

    Steps from the latest slot back towards the first with the Left arrow key (the page's own handler) and reads
    the redraw time the page stores after each change: building the slot's SVG plus style and layout.
    """
    with chrome() as driver:
        driver.get('file://' + os.path.abspath(html_path))
        errors = severe_logs(driver)
        if errors:
            raise RuntimeError('the page logged errors in chromium: %s' % errors)
        count = driver.execute_script('return window.flowPaths.slots;')
        load_ms = driver.execute_script("return performance.getEntriesByType('navigation')[0].loadEventEnd;")
        if not count:
            raise RuntimeError('%s holds no slot: nothing to measure' % html_path)
        if count < 2:
            times = [driver.execute_script('window.flowPaths.show(0); return window.lastRedrawMs;')]
        else:
            times = [driver.execute_script(STEP_LEFT) for _step in range(min(count - 1, MAX_STEPS))]
        errors = severe_logs(driver)
        if errors:
            raise RuntimeError('the page logged errors while stepping through slots: %s' % errors)
    return {'html_bytes': os.path.getsize(html_path), 'redraw_ms_median': statistics.median(times),
            'redraw_ms_max': max(times), 'steps': len(times), 'load_ms': load_ms}
