# Prelude: what every area shares. The Makefile includes it before any mk/<area>.mk, so each
# area file reads only names defined here or in itself.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
MAKEFLAGS += --no-print-directory

# Python and the project virtualenv (created and refreshed by the rule below).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Touched once requirements/dev.txt is installed: the venv is rebuilt when the lock is newer.
VENV_STAMP := $(VENV)/.stamp
ARTIFACTS ?= artifacts
# Every area appends its `test-*` target here; `make test` runs them in order.
TEST_TARGETS :=

# The cluster every kubectl and helm call names, from the command line or the environment
# (`KUBE_CONTEXT=default make deploy` works as well as `make deploy KUBE_CONTEXT=default`).
KIND_CLUSTER ?= stockwatch
KUBE_CONTEXT ?= kind-$(KIND_CLUSTER)
ifeq ($(strip $(KUBE_CONTEXT)),)
# An empty KUBE_CONTEXT would make kubectl fall back to whatever context is current.
override KUBE_CONTEXT := kind-$(KIND_CLUSTER)
endif
ROLLOUT_TIMEOUT ?= 300s
# Not knobs: every call must carry the context, and the namespaces are fixed by the manifests.
KUBECTL := kubectl --context $(KUBE_CONTEXT)
HELM := helm --kube-context $(KUBE_CONTEXT)
APP_NAMESPACE := stock-monitoring
MONITORING_NAMESPACE := monitoring

# Where to get the tools the targets call (also printed by `make tools`).
KUBECTL_INSTALL := https://kubernetes.io/docs/tasks/tools/\#kubectl
KIND_INSTALL := https://kind.sigs.k8s.io/docs/user/quick-start/\#installation
DOCKER_INSTALL := https://docs.docker.com/engine/install/
HELM_INSTALL := https://helm.sh/docs/intro/install/

comma := ,
# say: print what a target is about to do, so a user can follow along.
say = @printf '\033[1;34m==> %s\033[0m\n' "$(1)"
# need: fail fast with an actionable message when a command is missing.
need = @command -v $(1) >/dev/null 2>&1 || { echo "error: '$(1)' is not installed. $(2)" >&2; exit 1; }
need_kubectl = $(call need,kubectl,Install kubectl: $(KUBECTL_INSTALL))
need_kind = $(call need,kind,Install kind: $(KIND_INSTALL))
need_docker = $(call need,docker,Install Docker: $(DOCKER_INSTALL))
# need_helm: fail fast when helm is missing, naming the step ($(1)) that needs it and what for ($(2)).
need_helm = $(call need,helm,'make $(1)' installs $(2) with Helm: $(HELM_INSTALL))
# venv: a recipe line that creates the virtualenv, or refreshes it when the lock changed, so
# every target that runs Python works in a fresh clone.
venv = @$(MAKE) -s -f $(firstword $(MAKEFILE_LIST)) $(VENV_STAMP)

$(VENV_STAMP): requirements/dev.txt
	$(call need,$(PYTHON),Install Python 3.11 (Debian: apt-get install python3 python3-venv).)
	$(call say,$(if $(wildcard $(BIN)/python),refreshing,creating) $(VENV) from requirements/dev.txt)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@touch $@
	@echo "ok: $(VENV) is ready"
