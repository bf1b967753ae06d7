# stockwatch — the index of everything a person can do. `make help` is the table of contents.
# Each area keeps its targets in mk/<area>.mk; this file holds what they share.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARTIFACTS ?= artifacts
# Every area appends its `test-*` target here; `make test` runs them in order.
TEST_TARGETS :=

# say: print what a target is about to do, so a user can follow along.
say = @printf '\033[1;34m==> %s\033[0m\n' "$(1)"
# need: fail fast with an actionable message when a command is missing.
need = @command -v $(1) >/dev/null 2>&1 || { echo "error: '$(1)' is not installed. $(2)" >&2; exit 1; }
# venv: fail fast when `make setup` has not been run.
venv = @test -x $(BIN)/python || { echo "error: no virtualenv at $(VENV); run 'make setup' first." >&2; exit 1; }

include $(sort $(wildcard mk/*.mk))

.PHONY: help setup lock lint fmt test clean

help: ## List every target with one line on what it does, grouped by area
	@awk 'BEGIN {FS = ":.*## "} \
	  FNR == 1 {sub(/^# */, ""); sub(/[:.—].*/, ""); printf "\n\033[1m%s\033[0m\n", $$0} \
	  /^[a-zA-Z0-9_.-]+:.*## / {printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## Create .venv and install the locked development dependencies
	$(call need,$(PYTHON),Install Python 3.11 (Debian: apt-get install python3 python3-venv).)
	$(call say,creating $(VENV) and installing requirements/dev.txt)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@echo "ok: $(VENV) is ready"

lock: ## Re-resolve requirements/*.in into the pinned requirements/*.txt (needs uv)
	$(call need,uv,Install it with: pip install uv)
	$(call say,locking requirements for Python 3.11)
	@cd requirements && uv pip compile --quiet --python-version 3.11 --universal dev.in -o dev.txt
	@cd requirements && for f in backend webui loadgen; do uv pip compile --quiet --python-version 3.11 --universal -c dev.txt $$f.in -o $$f.txt; done

lint: ## ruff lint and format check over all Python code
	$(venv)
	$(call say,ruff check + ruff format --check)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

fmt: ## Apply ruff fixes and formatting
	$(venv)
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

test: lint $(TEST_TARGETS) ## Run every test suite (what CI runs)
	@echo "ok: all test suites passed"

clean: ## Remove caches and test artefacts (keeps .venv)
	$(call say,removing caches and $(ARTIFACTS)/)
	@rm -rf $(ARTIFACTS) .pytest_cache .ruff_cache
	@find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
