# The only entry points. `make demo` deploys the demo stack on local test hosts; `make test`
# runs every gate. Both set up everything they need on a fresh machine, reusing what exists.
SHELL := /bin/bash
VENV := .venv/bin
# Longest first, so the two job slots finish together (fresh-clone run of 2026-12-01: backup
# 1212 s, stack 837, prosody 437, postgres-prosody 329, modules 311, certbot 304, prometheus 273,
# the others 42-215). That run's order (stack backup prosody certbot, then by name) left one slot
# idle for the last 4 minutes while prometheus ran; in this order the same figures end ~80 s sooner.
LONGEST := backup stack prosody postgres-prosody modules certbot prometheus
SCENARIOS ?= $(LONGEST) $(filter-out $(LONGEST),$(shell ls -d molecule/*/molecule.yml 2>/dev/null | cut -d/ -f2))
export PATH := $(CURDIR)/$(VENV):$(PATH)

.PHONY: demo test bootstrap testbed lint docs sanity unit molecule build tarball clean clean-all bench-load

bootstrap:
	@scripts/bootstrap.sh

testbed:
	@scripts/testbed.sh ensure

demo:
	@$(MAKE) --no-print-directory -j2 bootstrap testbed
	@scripts/demo.sh

# The set-up runs two at a time (the venv beside the test bed: one after another, one core of two
# was busy for minutes). Then the gates, two at a time at nice 19, beside the scenarios, which
# leave the cores idle a tenth of their time (scripts/test-all.sh says why and how); its last two
# lines sum up the gates and the scenarios.
GATES := sanity lint docs unit build
test:
	@$(MAKE) --no-print-directory -j2 bootstrap testbed
	@scripts/test-all.sh $(GATES)

lint: bootstrap
	@echo "== ansible-lint (production profile) =="
	@ansible-lint --profile production --offline
	@antsibull-changelog lint
	@echo "== antsibull-docs lint (modules, filters, roles: schema, markup, references) =="
	@antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs dependent \
	  --disallow-unknown-collection-refs .
	@python scripts/fqcn-check.py

# The documentation site (antsibull-docs + Sphinx, offline, no warning allowed): artifacts/docs/html.
docs: bootstrap
	@echo "== documentation site =="
	@scripts/docs.sh

sanity: bootstrap
	@echo "== ansible-test sanity =="
	@scripts/sanity.sh

unit: bootstrap
	@echo "== unit tests =="
	@python -m pytest -q tests/unit

build: bootstrap
	@echo "== collection build and install, execution environment =="
	@scripts/build-check.sh

# The built tarball installed by the lowest ansible-core of meta/runtime.yml alone, next to only
# galaxy.yml's dependencies, converging TARBALL_SCENARIO from that install. `make molecule` runs
# TARBALL_SCENARIO this way (instead of its usual run), so `make test` proves it without a second run.
export TARBALL_SCENARIO ?= coturn
tarball: bootstrap testbed
	@echo "== tarball: $(TARBALL_SCENARIO) converged from the installed collection, oldest ansible-core =="
	@scripts/tarball-check.sh converge $(TARBALL_SCENARIO)

# Scenarios run MOLECULE_JOBS at a time (most of their time is spent waiting on apt, systemd and
# the network, not on the 2 cores); each keeps its own log under artifacts/molecule/.
MOLECULE_JOBS ?= 2
molecule: bootstrap testbed
	@echo "== molecule: $(SCENARIOS) ($(MOLECULE_JOBS) at a time) =="
	@scripts/molecule-all.sh $(MOLECULE_JOBS) $(SCENARIOS)

# The load benchmark (bench/load.py; never part of `make test`): Debian's Tsung on this machine
# against our Prosody and Debian's stock one on two throwaway test hosts. BENCH_LOAD_ARGS passes
# options, e.g. BENCH_LOAD_ARGS="--users 2000"; figures and Tsung's logs in artifacts/bench/load/.
bench-load: bootstrap testbed
	@command -v tsung >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tsung >/dev/null; }
	@python bench/load.py $(BENCH_LOAD_ARGS)

clean:
	@scripts/testbed.sh clean
	@rm -rf .venv .cache artifacts

# Also the machine's venvs (scripts/lib/cached-venv.sh), which every checkout here shares.
clean-all:
	@scripts/testbed.sh clean --all
	@rm -rf .venv .cache artifacts "$${XMPP_STACK_CACHE:-/var/cache/xmpp-stack}/venvs"
