# isplab.infra - the two commands a user needs: `make lab` and `make test`.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/build/collections
export STAGE_LOG := $(CURDIR)/build/stages.tsv
STAGE := tests/tools/stage
LABCTL := tests/lab/labctl

# Every role's scenario; `make test` runs all of them, longest first, MOLECULE_LANES at a time.
MOLECULE_SCENARIOS ?= root_raid1 root_raid1_uefi cifs_mount ceph_osd flow_monitor flow_collector flow_paths l2_bridge default
MOLECULE_LANES ?= 2

.PHONY: bench test-quick test-raid-lifecycle test-raid-crash-matrix help bootstrap venv collection lock unit sanity lint molecule test lab lab-down image build docs clean reap

help:
	@echo "make lab       build and boot the lab, converge playbooks/site.yml, verify, write build/lab-report/index.html"
	@echo "make lab-down  stop every lab VM"
	@echo "make test      unit tests, ansible-test sanity, ansible-lint, integration beds, every molecule scenario"
	@echo "make test-quick  the same without the VM scenarios (for iteration)"
	@echo "make bench     benchmarks (TE aggregation and page, collector load, fleet of 50 routers, 4,000 bridge hooks): figures for the docs, not part of make test"
	@echo "make test-raid-lifecycle  root_raid1 on both firmwares with a boot-package upgrade and a disk replacement (about 1 h)"
	@echo "make test-raid-crash-matrix  root_raid1 on both firmwares with a power cut at every phase (75-115 min)"
	@echo "make molecule SCENARIO=name   one molecule scenario"

bootstrap:
	tests/tools/bootstrap-debian

$(VENV)/.stamp: requirements/constraints.txt requirements/requirements.in
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -c requirements/constraints.txt -r requirements/requirements.in
	mkdir -p ~/.ansible/test/cache
	cp tests/sanity/get_pip_shim.py ~/.ansible/test/cache/get_pip_24_2.py
	touch $@

venv: $(VENV)/.stamp

# Makes this working tree importable as isplab.infra (a symlink) for playbooks, lint and molecule.
collection: venv
	mkdir -p build/collections/ansible_collections/isplab
	ln -sfn $(CURDIR) build/collections/ansible_collections/isplab/infra

lock:
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install -q -r requirements/requirements.in
	build/lockenv/bin/pip freeze --exclude pip --exclude setuptools --exclude wheel > requirements/constraints.txt

unit: venv
	$(BIN)/pytest -q -n 2 tests/unit

sanity: venv
	tests/sanity/run.sh --requirements

lint: collection
	$(BIN)/ansible-lint

reap:
	$(LABCTL) reap

image: venv
	$(LABCTL) image

molecule: collection
	$(BIN)/molecule test -s $(SCENARIO)

test:
	rm -f $(STAGE_LOG); mkdir -p build
	rc=0
	stage() { [ $$rc -ne 0 ] || $(STAGE) "$$@" || rc=1; }
	stage bootstrap $(MAKE) --no-print-directory bootstrap venv collection
	stage unit $(MAKE) --no-print-directory unit
	stage sanity $(MAKE) --no-print-directory sanity
	stage ansible-lint $(MAKE) --no-print-directory lint
	stage changelog-lint $(BIN)/antsibull-changelog lint
	stage bridges-testbed $(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile -m bridges tests/integration/bridges
	stage flow-twin $(BIN)/pytest -q -p no:cacheprovider -n 2 -m flow_twin tests/integration/flow
	stage flow-paths $(BIN)/pytest -q -p no:cacheprovider tests/integration/flow_paths
	stage flow-load $(BIN)/pytest -q -p no:cacheprovider tests/integration/flow_load
	stage esp-sync $(BIN)/pytest -q -p no:cacheprovider tests/integration/esp_sync
	stage fleet-harness $(BIN)/pytest -q -p no:cacheprovider -m fleet tests/integration/fleet
	stage pve-twin $(BIN)/pytest -q -p no:cacheprovider tests/integration/pve
	stage report $(BIN)/pytest -q -p no:cacheprovider tests/integration/report
	stage awx-definitions $(BIN)/pytest -q -p no:cacheprovider tests/awx/test_awx_definitions.py tests/awx/test_ee.py
	stage awx-runner $(BIN)/pytest -q -p no:cacheprovider tests/awx/test_job_templates_runner.py
	stage docs $(MAKE) --no-print-directory docs
	stage packaging $(BIN)/pytest -q -p no:cacheprovider tests/packaging
	stage image $(LABCTL) image
	stage molecule tests/tools/molecule-lanes $(MOLECULE_LANES) $(MOLECULE_SCENARIOS)
	$(STAGE) --summary
	exit $$rc

# Figures, not pass/fail: ratios and counts measured side by side in one run (docs/flow_paths.md, docs/flow.md, docs/bridges.md).
bench: collection
	$(BIN)/python tests/integration/flow_paths/bench.py
	$(BIN)/python tests/integration/flow_load/bench.py
	$(BIN)/python tests/integration/fleet/bench_flow_monitor.py
	$(BIN)/python tests/integration/fleet/bench_bridges.py

# The RAID node's later life on both firmwares: a boot-package upgrade with disk 2's boot code wiped, then disk 1
# dead and replaced by a blank disk; and the OSD of a dead disk brought back under its id on the new partition.
# Too long for make test's budget; run before changing root_raid1's boot_sync or replacement code or ceph_osd's
# replacement (results: docs/root_raid1.md "Lifecycle runs", docs/ceph_osd.md).
test-raid-lifecycle: collection
	$(MAKE) --no-print-directory bootstrap image
	ISPLAB_RAID_LIFECYCLE=true tests/tools/molecule-lanes 2 root_raid1 root_raid1_uefi ceph_osd

# A power cut before every phase of the conversion and inside its long phases, BIOS and UEFI; each point boots,
# keeps root and data, and the conversion goes on from it to the end. Rows: build/root_raid1-crash-matrix-*.json,
# table (build/root_raid1-crash-matrix.md) in docs/root_raid1.md "Crash matrix". make test keeps the cut during pvmove (BIOS).
test-raid-crash-matrix: collection
	$(MAKE) --no-print-directory bootstrap image
	rm -f build/root_raid1-crash-matrix-*.json
	rc=0
	ISPLAB_RAID_CRASH_MATRIX=true tests/tools/molecule-lanes 2 root_raid1 root_raid1_uefi || rc=$$?
	$(BIN)/python tests/tools/crash_matrix_table.py build | tee build/root_raid1-crash-matrix.md
	exit $$rc

# Every stage but the VM scenarios: for iteration. CI runs `make test`.
test-quick:
	$(MAKE) --no-print-directory test MOLECULE_SCENARIOS=

lab: collection
	$(MAKE) --no-print-directory bootstrap
	$(BIN)/python tests/lab/lab.py up
	$(BIN)/python tests/lab/lab.py converge-and-report

lab-down:
	$(BIN)/python tests/lab/lab.py down || true
	$(LABCTL) reap

build: venv
	mkdir -p build/dist
	ansible-galaxy collection build --force --output-path build/dist .

docs: collection
	docs/build.sh

clean: lab-down
	rm -rf build
