"""Fixtures of the flow_paths aggregator tests: the captured nfcapd/nfdump files and their tables."""

import copy
import json
import os

import pytest

FIX = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'flow_paths'))


def fixture_path(name):
    return os.path.join(FIX, name)


def read_fixture(name):
    with open(fixture_path(name)) as handle:
        return handle.read()


@pytest.fixture
def tables():
    """The tables of capture.py's scenario (a fresh copy: tests mutate it)."""
    with open(fixture_path('tables.json')) as handle:
        return copy.deepcopy(json.load(handle))


@pytest.fixture(scope='session')
def scenario():
    """What capture.py sent to the real nfcapd, per leg, in Mbit/s over slot_seconds."""
    with open(fixture_path('scenario.json')) as handle:
        return json.load(handle)
