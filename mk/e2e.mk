# End-to-end tests on a live cluster: tests/e2e, not part of `make test`. They test what
# `make deploy` and `make chaos-deploy` applied and never build, load or apply anything.

# The kubectl context to test (empty: the current one), what the cluster cannot run
# (E2E_WITHOUT=grafana,gateway,networkpolicy,chaos-mesh), the front door, and the deadline in
# seconds for workloads to become available and for queries to have data.
E2E_CONTEXT ?=
E2E_WITHOUT ?=
E2E_EDGE_URL ?= http://localhost
E2E_TIMEOUT ?= 300
E2E_DIR := $(ARTIFACTS)/e2e

.PHONY: e2e

e2e: ## End-to-end checks on a live cluster (current context or E2E_CONTEXT; E2E_WITHOUT=...); 1-5 min
	$(venv)
	$(need_kubectl)
	$(call say,e2e against $(or $(E2E_CONTEXT),the current kubectl context)$(if $(E2E_WITHOUT), without $(E2E_WITHOUT)) (report: $(E2E_DIR)/junit.xml))
	@mkdir -p $(E2E_DIR)
	@E2E_CONTEXT='$(E2E_CONTEXT)' E2E_WITHOUT='$(E2E_WITHOUT)' E2E_EDGE_URL='$(E2E_EDGE_URL)' \
	  E2E_TIMEOUT='$(E2E_TIMEOUT)' PYTHONPATH=chaos:. $(BIN)/python -m pytest -p no:cacheprovider \
	  tests/e2e -v --timeout=1800 -o junit_family=xunit1 \
	  --junitxml=$(E2E_DIR)/junit.xml
