# Local Kubernetes: a kind cluster with ingress-nginx, the stack from kustomize/overlays/kind.
# Every kubectl call names the kind context, so these targets never touch another cluster.

KIND_CLUSTER ?= stockwatch
KIND_CONFIG := kind/cluster.yaml
KUBE_CONTEXT := kind-$(KIND_CLUSTER)
KUBECTL := kubectl --context $(KUBE_CONTEXT)
KIND_OVERLAY := kustomize/overlays/kind
APP_NAMESPACE := stock-monitoring
MONITORING_NAMESPACE := monitoring
ROLLOUT_TIMEOUT ?= 300s
# ingress-nginx's manifest for kind, pinned to a released controller (supports Kubernetes 1.32).
INGRESS_NGINX_VERSION := controller-v1.13.3
INGRESS_NGINX_MANIFEST := https://raw.githubusercontent.com/kubernetes/ingress-nginx/$(INGRESS_NGINX_VERSION)/deploy/static/provider/kind/deploy.yaml
# logs: which app (backend, webui, loadgen; empty = all) and whether to follow.
SVC ?=
FOLLOW ?=
comma := ,
# need_kubectl: fail fast, with where to get it, when kubectl is missing (shared with mk/chaos.mk).
need_kubectl = $(call need,kubectl,Install kubectl: https://kubernetes.io/docs/tasks/tools/#kubectl)
# need_cluster: fail fast when the kind cluster is not there (or not answering).
need_cluster = @$(KUBECTL) get --raw /readyz --request-timeout=5s >/dev/null 2>&1 || { \
  echo "error: no cluster answers at context $(KUBE_CONTEXT); run 'make cluster' (or 'make up')." >&2; exit 1; }

.PHONY: tools cluster ingress deploy up urls status logs down test-deploy

tools: ## Check docker, kind, kubectl and helm are installed (and say how to get what is missing)
	$(call say,checking the tools make up needs)
	@missing=0; \
	check() { if command -v "$$1" >/dev/null 2>&1; then echo "  ok: $$1"; \
	  else echo "  missing: $$1 -> $$2" >&2; missing=1; fi; }; \
	check docker "https://docs.docker.com/engine/install/ (or Docker Desktop)"; \
	check kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation (v0.30.0, e.g. go install sigs.k8s.io/kind@v0.30.0)"; \
	check kubectl "https://kubernetes.io/docs/tasks/tools/#kubectl (v1.32 or newer)"; \
	check helm "https://helm.sh/docs/intro/install/ (v3)"; \
	if [ $$missing -eq 0 ] && ! docker info >/dev/null 2>&1; then \
	  echo "  docker is installed but its daemon does not answer: start Docker (or add yourself to the docker group)" >&2; missing=1; fi; \
	if [ $$missing -ne 0 ]; then echo "error: install what is missing above, then re-run 'make up'." >&2; exit 1; fi

cluster: ## Create the kind cluster (1 control-plane + 2 workers) unless it exists
	$(call need,kind,Install kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation)
	$(call need,docker,Install Docker: https://docs.docker.com/engine/install/)
	@if kind get clusters 2>/dev/null | grep -qx '$(KIND_CLUSTER)'; then \
	  echo "ok: kind cluster '$(KIND_CLUSTER)' already exists"; \
	else \
	  printf '\033[1;34m==> %s\033[0m\n' "creating kind cluster '$(KIND_CLUSTER)' from $(KIND_CONFIG)"; \
	  kind create cluster --name '$(KIND_CLUSTER)' --config '$(KIND_CONFIG)' --wait 180s; \
	fi

ingress: ## Install ingress-nginx (pinned release, kind flavour) and wait until it is ready
	$(need_kubectl)
	$(need_cluster)
	$(call say,installing ingress-nginx $(INGRESS_NGINX_VERSION) into $(KUBE_CONTEXT))
	@$(KUBECTL) apply -f '$(INGRESS_NGINX_MANIFEST)'
	@$(KUBECTL) -n ingress-nginx rollout status deployment/ingress-nginx-controller --timeout=$(ROLLOUT_TIMEOUT)
	@$(KUBECTL) -n ingress-nginx wait pod --for=condition=Ready \
	  --selector=app.kubernetes.io/component=controller --timeout=$(ROLLOUT_TIMEOUT)

deploy: ## Apply kustomize/overlays/kind and wait until every rollout in both namespaces is done
	$(need_kubectl)
	$(need_cluster)
	$(call say,applying $(KIND_OVERLAY) to $(KUBE_CONTEXT))
	@# The ingress-nginx admission webhook can refuse Ingresses for a few seconds after the
	@# controller turns ready; retry a bounded number of times instead of failing `make up`.
	@for attempt in 1 2 3 4 5 6; do \
	  if $(KUBECTL) apply --server-side --field-manager=stockwatch -k '$(KIND_OVERLAY)'; then break; fi; \
	  if [ $$attempt -eq 6 ]; then echo "error: applying $(KIND_OVERLAY) kept failing (see above)" >&2; exit 1; fi; \
	  echo "apply failed (attempt $$attempt of 6); retrying in 10s"; sleep 10; \
	done
	@for ns in $(APP_NAMESPACE) $(MONITORING_NAMESPACE); do \
	  for workload in $$($(KUBECTL) -n $$ns get deployment,statefulset,daemonset -o name); do \
	    $(KUBECTL) -n $$ns rollout status "$$workload" --timeout=$(ROLLOUT_TIMEOUT) || { \
	      echo "error: $$ns/$$workload did not become ready; try 'make status' and 'make logs'" >&2; exit 1; }; \
	  done; \
	done

up: ## Everything from nothing: tools, cluster, ingress, images, deploy (CHAOS=1: + Chaos Mesh and the lab); prints the URLs
	@# One sub-make per step keeps the order even under `make -j`.
	@for step in tools cluster ingress images deploy $(if $(CHAOS),chaos-mesh chaos-deploy) urls; do \
	  $(MAKE) $$step; \
	done

urls: ## Print where the dashboard, API, Grafana and Prometheus answer
	@echo "stockwatch is up:"
	@echo "  dashboard   http://localhost/              (NodePort: http://localhost:30080/)"
	@echo "  API         http://localhost/api/v1/quotes"
	@echo "  Grafana     http://localhost/grafana/      (NodePort: http://localhost:30300/grafana/)"
	@echo "  Prometheus  http://localhost/prometheus/   (NodePort: http://localhost:30090/prometheus/)"

status: ## Show nodes, workloads, Services and Ingresses of the stack
	$(need_kubectl)
	$(need_cluster)
	@$(KUBECTL) get nodes -o wide
	@for ns in $(APP_NAMESPACE) $(MONITORING_NAMESPACE); do \
	  printf '\n\033[1m%s\033[0m\n' "$$ns"; \
	  $(KUBECTL) -n $$ns get deployment,statefulset,daemonset,pod,service,ingress -o wide; \
	done

logs: ## Recent logs of the app pods (SVC=backend|webui|loadgen to pick one, FOLLOW=1 to follow)
	$(need_kubectl)
	$(need_cluster)
	@$(KUBECTL) -n $(APP_NAMESPACE) logs --prefix --all-containers --tail=100 --max-log-requests=10 \
	  $(if $(FOLLOW),--follow) \
	  --selector='app.kubernetes.io/part-of=stockwatch$(if $(SVC),$(comma)app.kubernetes.io/name=$(SVC))'

down: ## Delete the kind cluster and everything in it
	$(call need,kind,Install kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation)
	$(call say,deleting kind cluster '$(KIND_CLUSTER)')
	@kind delete cluster --name '$(KIND_CLUSTER)'

TEST_TARGETS += test-deploy
test-deploy: ## Render every overlay and check it: strict schemas, policies, cross-references
	$(venv)
	$(call need,kubectl,kubectl renders the kustomize trees: https://kubernetes.io/docs/tasks/tools/#kubectl)
	$(call say,tests/deploy: rendered manifests, kind config and cluster targets)
	@PYTHONPATH=. $(BIN)/python -m pytest tests/deploy -q
