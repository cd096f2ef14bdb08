"""Fleet benchmark harness tests: .venv/bin/pytest -q -m fleet tests/integration/fleet (3 twins, under 60 s).

The benchmarks themselves (bench_flow_monitor.py, bench_bridges.py) are scripts run by `make bench`.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from fleet_harness import TwinFleet  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line('markers', 'fleet: fleet benchmark harness on a few IOS-XE twins (under 60 s)')


@pytest.fixture
def fleet3(tmp_path):
    fleet = TwinFleet(str(tmp_path / 'twins'), 3, lifetime=180)
    try:
        yield fleet.start()
    finally:
        fleet.stop()
