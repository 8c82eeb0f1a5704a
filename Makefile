# The only entry points. `make demo` deploys the demo stack on local test hosts; `make test`
# runs every gate. Both set up everything they need on a fresh machine, reusing what exists.
SHELL := /bin/bash
VENV := .venv/bin
SCENARIOS ?= $(shell ls -d molecule/*/molecule.yml 2>/dev/null | cut -d/ -f2)
export PATH := $(CURDIR)/$(VENV):$(PATH)

.PHONY: demo test bootstrap testbed lint sanity unit molecule build clean clean-all

bootstrap:
	@scripts/bootstrap.sh

testbed:
	@scripts/testbed.sh ensure

demo: bootstrap testbed
	@scripts/demo.sh

test: bootstrap testbed lint sanity unit build molecule
	@echo "== every gate passed =="

lint: bootstrap
	@echo "== ansible-lint (production profile) =="
	@ansible-lint --profile production --offline
	@antsibull-changelog lint

sanity: bootstrap
	@echo "== ansible-test sanity =="
	@scripts/sanity.sh

unit: bootstrap
	@echo "== unit tests =="
	@python -m pytest -q tests/unit

build: bootstrap
	@echo "== collection build and install =="
	@scripts/build-check.sh

molecule: bootstrap testbed
	@set -e; for s in $(SCENARIOS); do echo "== molecule $$s =="; scripts/molecule-scenario.sh $$s; done

clean:
	@scripts/testbed.sh clean
	@rm -rf .venv .cache artifacts

clean-all:
	@scripts/testbed.sh clean --all
	@rm -rf .venv .cache artifacts
