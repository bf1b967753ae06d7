# Chaos Mesh (install, experiments, Schedules, Workflow) and the load generator.
# KUBECTL, HELM, KUBE_CONTEXT, APP_NAMESPACE, need_kubectl and need_helm come from mk/prelude.mk:
# every call names the kind context, so these targets never touch another cluster.

# Chaos Mesh chart 2.8.3 (released 2026-06-09): the newest release; ../shared/schemas/chaos-mesh
# holds the CRDs of this version, which tests/chaos validates against. Advisories checked 2026-12-07
# (Chaos Mesh's GitHub advisories): GHSA-2gg8-85m5-8r2p (CVE-2025-59358) fixed in 2.7.3; none
# against 2.8.3.
CHAOS_MESH_VERSION := 2.8.3
CHAOS_MESH_NAMESPACE := chaos-mesh
CHAOS_MESH_VALUES := chaos/chaos-mesh-values.yaml
CHAOS_OVERLAY := kustomize/overlays/chaos
CHAOS_EXPERIMENTS := chaos/experiments
# Generated with the Schedules from chaos/schedule.yaml (`make chaos-schedules`).
CHAOS_WORKFLOW_RUN := $(CHAOS_OVERLAY)/scheduled/workflow.yaml
# Experiment kinds users create, fully qualified so an Argo `workflows` never matches. Left out:
# PodHttpChaos, PodIOChaos, PodNetworkChaos and WorkflowNode, which the controller creates and
# removes itself (PodChaos is a user kind and is listed).
CHAOS_RESOURCES := $(addsuffix .chaos-mesh.org,awschaos azurechaos blockchaos dnschaos gcpchaos \
	httpchaos iochaos jvmchaos kernelchaos networkchaos physicalmachinechaos podchaos \
	stresschaos timechaos statuschecks)
CHAOS_DELETE_TIMEOUT ?= 120s
# make chaos-apply NAME=<experiment>; make chaos-mesh-uninstall CRDS=1; make loadgen RATE=...
NAME ?=
CRDS ?=
RATE ?= 5
# `comma` is defined in mk/prelude.mk.
chaos_resource_list = $(subst $(eval) ,$(comma),$(strip $(1)))
# need_chaos_mesh: fail fast when the Chaos Mesh CRDs are not in the cluster.
need_chaos_mesh = @$(KUBECTL) get crd schedules.chaos-mesh.org >/dev/null 2>&1 || { \
	echo "error: Chaos Mesh is not installed in $(KUBE_CONTEXT); run 'make chaos-mesh' first." >&2; exit 1; }

.PHONY: chaos-mesh chaos-mesh-uninstall chaos-deploy chaos-apply chaos-workflow chaos-status \
	chaos-stop chaos-schedules loadgen test-chaos

chaos-mesh: ## Install Chaos Mesh 2.8.3 with Helm (namespace chaos-mesh, dashboard :32333); waits
	$(call need_helm,chaos-mesh,the Chaos Mesh chart)
	$(need_kubectl)
	$(call say,installing Chaos Mesh $(CHAOS_MESH_VERSION) into $(KUBE_CONTEXT) namespace $(CHAOS_MESH_NAMESPACE))
	@helm repo add chaos-mesh https://charts.chaos-mesh.org --force-update >/dev/null
	@helm repo update chaos-mesh
	@$(HELM) upgrade --install chaos-mesh chaos-mesh/chaos-mesh --version $(CHAOS_MESH_VERSION) \
	  --namespace $(CHAOS_MESH_NAMESPACE) --create-namespace -f $(CHAOS_MESH_VALUES) \
	  --wait --timeout 10m
	@$(KUBECTL) -n $(CHAOS_MESH_NAMESPACE) rollout status deployment/chaos-controller-manager --timeout=300s
	@$(KUBECTL) -n $(CHAOS_MESH_NAMESPACE) rollout status daemonset/chaos-daemon --timeout=300s
	@$(KUBECTL) -n $(CHAOS_MESH_NAMESPACE) rollout status deployment/chaos-dashboard --timeout=300s
	@echo "ok: Chaos Mesh is ready; dashboard at http://localhost:32333/"

chaos-stop: ## Pause every Schedule, then delete every Chaos Mesh object in stock-monitoring
	$(need_kubectl)
	$(need_chaos_mesh)
	$(call say,pausing Schedules and deleting all chaos in $(APP_NAMESPACE))
	@# Paused first, so no Schedule starts a new run while the objects are being deleted.
	@schedules=$$($(KUBECTL) -n $(APP_NAMESPACE) get schedules.chaos-mesh.org -o name); \
	if [ -n "$$schedules" ]; then \
	  $(KUBECTL) -n $(APP_NAMESPACE) annotate --overwrite $$schedules experiment.chaos-mesh.org/pause=true; \
	fi
	@# Deleting an experiment makes the controller undo its fault before the object goes.
	@$(KUBECTL) -n $(APP_NAMESPACE) delete --all --ignore-not-found --wait \
	  --timeout=$(CHAOS_DELETE_TIMEOUT) schedules.chaos-mesh.org,workflows.chaos-mesh.org \
	  || { echo "error: Schedules/Workflows not deleted in time; see docs/chaos.md (stuck finalizers)" >&2; exit 1; }
	@$(KUBECTL) -n $(APP_NAMESPACE) delete --all --ignore-not-found --wait \
	  --timeout=$(CHAOS_DELETE_TIMEOUT) $(call chaos_resource_list,$(CHAOS_RESOURCES)) \
	  || { echo "error: experiments not deleted in time; see docs/chaos.md (stuck finalizers)" >&2; exit 1; }
	@echo "ok: no chaos left in $(APP_NAMESPACE)"

chaos-mesh-uninstall: ## Delete all chaos, then the Chaos Mesh release (its CRDs too with CRDS=1)
	$(call need_helm,chaos-mesh-uninstall,the Chaos Mesh release)
	$(need_kubectl)
	@if $(KUBECTL) get crd schedules.chaos-mesh.org >/dev/null 2>&1; then \
	  printf '\033[1;34m==> %s\033[0m\n' "deleting chaos objects in every namespace while the controller can still recover them"; \
	  $(KUBECTL) delete --all --all-namespaces --ignore-not-found --wait --timeout=$(CHAOS_DELETE_TIMEOUT) \
	    schedules.chaos-mesh.org,workflows.chaos-mesh.org; \
	  $(KUBECTL) delete --all --all-namespaces --ignore-not-found --wait --timeout=$(CHAOS_DELETE_TIMEOUT) \
	    $(call chaos_resource_list,$(CHAOS_RESOURCES)); \
	fi
	$(call say,uninstalling the chaos-mesh release)
	@if $(HELM) status chaos-mesh --namespace $(CHAOS_MESH_NAMESPACE) >/dev/null 2>&1; then \
	  $(HELM) uninstall chaos-mesh --namespace $(CHAOS_MESH_NAMESPACE) --wait; \
	else echo "note: no chaos-mesh release in $(KUBE_CONTEXT)"; fi
	@if [ -n "$(CRDS)" ]; then \
	  printf '\033[1;34m==> %s\033[0m\n' "deleting the chaos-mesh.org CRDs (CRDS=$(CRDS))"; \
	  crds=$$($(KUBECTL) get crd -o name | grep '\.chaos-mesh\.org$$' || true); \
	  if [ -n "$$crds" ]; then $(KUBECTL) delete $$crds; fi; \
	else \
	  echo "note: the chaos-mesh.org CRDs stay; 'make chaos-mesh-uninstall CRDS=1' removes them too"; \
	fi
	@$(KUBECTL) delete namespace $(CHAOS_MESH_NAMESPACE) --ignore-not-found
	@echo "ok: Chaos Mesh uninstalled"

chaos-deploy: ## Apply kustomize/overlays/chaos: kind stack + load generator + hourly Schedules
	$(need_kubectl)
	$(need_chaos_mesh)
	$(call say,applying $(CHAOS_OVERLAY) to $(KUBE_CONTEXT) (Schedules only: nothing runs before its minute))
	@$(KUBECTL) apply --server-side --field-manager=stockwatch -k '$(CHAOS_OVERLAY)'
	@for workload in $$($(KUBECTL) -n $(APP_NAMESPACE) get deployment -o name); do \
	  $(KUBECTL) -n $(APP_NAMESPACE) rollout status "$$workload" --timeout=$(ROLLOUT_TIMEOUT) || { \
	    echo "error: $$workload did not become ready; try 'make status' and 'make logs'" >&2; exit 1; }; \
	done
	@echo "ok: chaos lab deployed; 'make chaos-status' shows the Schedules and what they started"

chaos-apply: ## Run one experiment now: make chaos-apply NAME=pod-kill (see chaos/experiments/)
	$(need_kubectl)
	@test -n "$(NAME)" || { echo "error: say which experiment: make chaos-apply NAME=<one of: $(basename $(notdir $(wildcard $(CHAOS_EXPERIMENTS)/*.yaml)))>" >&2; exit 1; }
	@test -f '$(CHAOS_EXPERIMENTS)/$(NAME).yaml' || { echo "error: no experiment $(CHAOS_EXPERIMENTS)/$(NAME).yaml (have: $(basename $(notdir $(wildcard $(CHAOS_EXPERIMENTS)/*.yaml))))" >&2; exit 1; }
	$(need_chaos_mesh)
	$(call say,running $(CHAOS_EXPERIMENTS)/$(NAME).yaml in $(APP_NAMESPACE))
	@# A finished experiment object does not run again: replace it.
	@$(KUBECTL) delete --ignore-not-found --wait --timeout=$(CHAOS_DELETE_TIMEOUT) -f '$(CHAOS_EXPERIMENTS)/$(NAME).yaml'
	@$(KUBECTL) create -f '$(CHAOS_EXPERIMENTS)/$(NAME).yaml'
	@sed -n '/^#/!q; s/^# \{0,1\}//p' '$(CHAOS_EXPERIMENTS)/$(NAME).yaml'
	@echo "follow it: $(KUBECTL) -n $(APP_NAMESPACE) describe -f $(CHAOS_EXPERIMENTS)/$(NAME).yaml"

chaos-workflow: ## Run the Workflow chaos-lab once now (pod-kill, cpu-stress, network-delay in order)
	$(need_kubectl)
	$(need_chaos_mesh)
	$(call say,starting one run of the Workflow chaos-lab in $(APP_NAMESPACE))
	@# generateName: every run is a new Workflow; the hourly Schedules keep running beside it.
	@$(KUBECTL) create -f '$(CHAOS_WORKFLOW_RUN)'
	@echo "ok: started (up to 15 minutes); the Schedules are not paused, so a run started by hand"
	@echo "    can overlap theirs; 'make chaos-status' follows it"

chaos-schedules: ## Regenerate the chaos overlay's Schedules and Workflow from chaos/schedule.yaml
	$(venv)
	$(call say,generating $(CHAOS_OVERLAY)/scheduled from chaos/schedule.yaml and $(CHAOS_EXPERIMENTS))
	@PYTHONPATH=chaos:. $(BIN)/python -m scheduling

chaos-status: ## List Schedules, Workflows and experiments in stock-monitoring
	$(need_kubectl)
	$(need_chaos_mesh)
	@$(KUBECTL) -n $(APP_NAMESPACE) get \
	  schedules.chaos-mesh.org,workflows.chaos-mesh.org,workflownodes.chaos-mesh.org,$(call chaos_resource_list,$(CHAOS_RESOURCES))

loadgen: ## Run the load generator locally against `make dev` (RATE=5 per second per target)
	$(venv)
	$(call say,load generator: $(RATE)/s to http://127.0.0.1:8000 and :8080, metrics on 127.0.0.1:9002)
	@LOADGEN_BACKEND_URL=http://127.0.0.1:8000 LOADGEN_WEBUI_URL=http://127.0.0.1:8080 \
	  LOADGEN_RATE=$(RATE) METRICS_BIND=127.0.0.1:9002 PYTHONPATH=. $(BIN)/python -m loadgen

TEST_TARGETS += test-chaos
test-chaos: ## Chaos experiments, overlay and load generator: schemas, admission rules, timing, rate
	$(venv)
	$(need_kubectl)
	$(call say,tests/chaos and tests/loadgen)
	@PYTHONPATH=chaos:. $(BIN)/python -m pytest -p no:cacheprovider tests/chaos tests/loadgen -q
