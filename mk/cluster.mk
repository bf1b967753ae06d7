# Local Kubernetes: a kind cluster with a Gateway API front door (NGINX Gateway Fabric), the
# stack from kustomize/overlays/kind. Every kubectl and helm call names the cluster context, so
# these targets never touch another cluster.

# KUBE_CONTEXT, KUBECTL, HELM, the namespaces and the need_* checks come from mk/prelude.mk.
KIND_CONFIG ?= kind/cluster.yaml
KIND_OVERLAY := kustomize/overlays/kind
# Pins: kind release whose node image kind/cluster.yaml uses (v0.33.0, released at the end of
# August 2026); Gateway API CRDs, standard channel (v1.6.3, released 2026-10-06; the CRDs are the
# v1.6.1 ones tests/deploy validates against, see docs/kubernetes.md); NGINX Gateway Fabric chart
# (2.7.2, released 2026-09-15). Advisories checked for each on 2026-12-07: see docs/kubernetes.md,
# Pins (none found against these releases).
KIND_VERSION := v0.33.0
GATEWAY_API_VERSION := v1.6.3
GATEWAY_API_CRDS := https://github.com/kubernetes-sigs/gateway-api/releases/download/$(GATEWAY_API_VERSION)/standard-install.yaml
NGF_VERSION := 2.7.2
NGF_CHART := oci://ghcr.io/nginx/charts/nginx-gateway-fabric
NGF_RELEASE := ngf
NGF_NAMESPACE := nginx-gateway
NGF_VALUES := kind/nginx-gateway-fabric-values.yaml
# The Gateway of kustomize/components/gateway and the GatewayClass the chart creates.
GATEWAY_NAMESPACE := gateway
GATEWAY_NAME := stockwatch
GATEWAY_CLASS := nginx
# `make up` runs these steps in order; the ones that need helm are named when helm is missing.
UP_STEPS = tools cluster gateway images deploy $(if $(CHAOS),chaos-mesh chaos-deploy) urls
HELM_STEPS := gateway chaos-mesh
helm_needed_by = $(filter $(HELM_STEPS),$(UP_STEPS))
# logs: which app (backend, webui, loadgen; empty = all) and whether to follow.
SVC ?=
FOLLOW ?=
# need_cluster: fail fast when the kind cluster is not there (or not answering).
need_cluster = @$(KUBECTL) get --raw /readyz --request-timeout=5s >/dev/null 2>&1 || { \
  echo "error: no cluster answers at context $(KUBE_CONTEXT); run 'make cluster' (or 'make up')." >&2; exit 1; }
# need_gateway_api: fail fast when the Gateway API CRDs are not installed.
need_gateway_api = @$(KUBECTL) get crd gateways.gateway.networking.k8s.io httproutes.gateway.networking.k8s.io \
  >/dev/null 2>&1 || { echo "error: the Gateway API CRDs are not installed in $(KUBE_CONTEXT); run 'make gateway' first." >&2; exit 1; }

.PHONY: tools cluster gateway deploy up urls status logs down ingress test-deploy

tools: ## Check docker, kind, kubectl (and helm, for the steps that use it); say how to get what is missing
	$(call say,checking the tools make up needs)
	@missing=0; \
	check() { if command -v "$$1" >/dev/null 2>&1; then echo "  ok: $$1$${3:+ ($$3)}"; \
	  else echo "  missing: $$1 -> $$2" >&2; missing=1; fi; }; \
	check docker "$(DOCKER_INSTALL) (or Docker Desktop)"; \
	check kind "$(KIND_INSTALL) ($(KIND_VERSION), e.g. go install sigs.k8s.io/kind@$(KIND_VERSION))"; \
	check kubectl "$(KUBECTL_INSTALL) (v1.35 to v1.37: within one minor of the cluster's v1.36)"; \
	helm_for=; for step in $(helm_needed_by); do case $$step in \
	  gateway) chart="NGINX Gateway Fabric chart";; chaos-mesh) chart="Chaos Mesh chart";; esac; \
	  helm_for="$${helm_for:+$$helm_for and }'make $$step' ($$chart)"; done; \
	if [ -n "$$helm_for" ]; then check helm "needed by $$helm_for: $(HELM_INSTALL)" "for $$helm_for"; fi; \
	if command -v kind >/dev/null 2>&1 && ! kind version 2>/dev/null | grep -q '$(KIND_VERSION) '; then \
	  echo "  warning: $$(kind version 2>/dev/null); $(KIND_CONFIG) pins node images built for kind $(KIND_VERSION)" >&2; fi; \
	if [ $$missing -eq 0 ] && ! docker info >/dev/null 2>&1; then \
	  echo "  docker is installed but its daemon does not answer: start Docker (or add yourself to the docker group)" >&2; missing=1; fi; \
	if [ $$missing -ne 0 ]; then echo "error: install what is missing above, then re-run 'make up'." >&2; exit 1; fi

cluster: ## Create the kind cluster (1 control-plane + 2 workers) unless it exists
	$(need_kind)
	$(need_docker)
	@if kind get clusters 2>/dev/null | grep -qx '$(KIND_CLUSTER)'; then \
	  echo "ok: kind cluster '$(KIND_CLUSTER)' already exists"; \
	else \
	  printf '\033[1;34m==> %s\033[0m\n' "creating kind cluster '$(KIND_CLUSTER)' from $(KIND_CONFIG)"; \
	  kind create cluster --name '$(KIND_CLUSTER)' --config '$(KIND_CONFIG)' --wait 180s; \
	fi

gateway: ## Install the Gateway API CRDs and NGINX Gateway Fabric (pinned); wait until its GatewayClass is accepted
	$(need_kubectl)
	$(call need_helm,gateway,the NGINX Gateway Fabric chart)
	$(need_cluster)
	$(call say,installing the Gateway API $(GATEWAY_API_VERSION) CRDs (standard channel) into $(KUBE_CONTEXT))
	@# Server-side: the CRDs are too large for the annotation client-side apply keeps.
	@$(KUBECTL) apply --server-side -f '$(GATEWAY_API_CRDS)'
	@$(KUBECTL) wait --for=condition=Established --timeout=60s \
	  crd/gatewayclasses.gateway.networking.k8s.io crd/gateways.gateway.networking.k8s.io \
	  crd/httproutes.gateway.networking.k8s.io crd/referencegrants.gateway.networking.k8s.io
	$(call say,installing NGINX Gateway Fabric $(NGF_VERSION) into namespace $(NGF_NAMESPACE))
	@$(HELM) upgrade --install $(NGF_RELEASE) $(NGF_CHART) --version $(NGF_VERSION) \
	  --namespace $(NGF_NAMESPACE) --create-namespace -f $(NGF_VALUES) --wait --timeout 5m
	@$(KUBECTL) wait --for=condition=Accepted --timeout=$(ROLLOUT_TIMEOUT) gatewayclass/$(GATEWAY_CLASS)
	@echo "ok: GatewayClass $(GATEWAY_CLASS) accepted; 'make deploy' creates the Gateway"

deploy: ## Apply kustomize/overlays/kind, wait for every rollout and until the Gateway is Programmed
	$(need_kubectl)
	$(need_cluster)
	$(need_gateway_api)
	$(call say,applying $(KIND_OVERLAY) to $(KUBE_CONTEXT))
	@$(KUBECTL) apply --server-side --field-manager=stockwatch -k '$(KIND_OVERLAY)'
	@for ns in $(APP_NAMESPACE) $(MONITORING_NAMESPACE); do \
	  for workload in $$($(KUBECTL) -n $$ns get deployment,statefulset,daemonset -o name); do \
	    $(KUBECTL) -n $$ns rollout status "$$workload" --timeout=$(ROLLOUT_TIMEOUT) || { \
	      echo "error: $$ns/$$workload did not become ready; try 'make status' and 'make logs'" >&2; exit 1; }; \
	  done; \
	done
	$(call say,waiting until Gateway $(GATEWAY_NAMESPACE)/$(GATEWAY_NAME) is Programmed)
	@$(KUBECTL) -n $(GATEWAY_NAMESPACE) wait gateway/$(GATEWAY_NAME) --for=condition=Programmed \
	  --timeout=$(ROLLOUT_TIMEOUT) || { \
	  echo "error: the Gateway is not Programmed; see '$(KUBECTL) -n $(GATEWAY_NAMESPACE) describe gateway $(GATEWAY_NAME)'" >&2; \
	  echo "       and the controller: '$(KUBECTL) -n $(NGF_NAMESPACE) logs deployment/$(NGF_RELEASE)-nginx-gateway-fabric'" >&2; exit 1; }

up: ## Everything from nothing: tools, cluster, gateway, images, deploy (CHAOS=1: + Chaos Mesh and the lab); prints the URLs
	@# One sub-make per step keeps the order even under `make -j`.
	@for step in $(UP_STEPS); do \
	  $(MAKE) $$step; \
	done

urls: ## Print where the dashboard, API, Grafana and Prometheus answer
	@echo "stockwatch is up:"
	@echo "  dashboard   http://localhost/              (NodePort: http://localhost:30080/)"
	@echo "  API         http://localhost/api/v1/quotes"
	@echo "  Grafana     http://localhost/grafana/      (NodePort: http://localhost:30300/grafana/)"
	@echo "  Prometheus  http://localhost/prometheus/   (NodePort: http://localhost:30090/prometheus/)"

status: ## Show nodes, workloads, Services, the Gateway and its HTTPRoutes
	$(need_kubectl)
	$(need_cluster)
	@$(KUBECTL) get nodes -o wide
	@for ns in $(APP_NAMESPACE) $(MONITORING_NAMESPACE); do \
	  printf '\n\033[1m%s\033[0m\n' "$$ns"; \
	  $(KUBECTL) -n $$ns get deployment,statefulset,daemonset,pod,service -o wide; \
	done
	@printf '\n\033[1m%s\033[0m\n' "front door ($(GATEWAY_NAMESPACE), $(NGF_NAMESPACE))"
	@if $(KUBECTL) get crd gateways.gateway.networking.k8s.io >/dev/null 2>&1; then \
	  $(KUBECTL) -n $(GATEWAY_NAMESPACE) get gateway,deployment,pod,service -o wide; \
	  $(KUBECTL) get httproutes.gateway.networking.k8s.io --all-namespaces; \
	  $(KUBECTL) -n $(NGF_NAMESPACE) get deployment,pod; \
	else echo "no Gateway API CRDs: run 'make gateway'"; fi

logs: ## Recent logs of the app pods (SVC=backend|webui|loadgen to pick one, FOLLOW=1 to follow)
	$(need_kubectl)
	$(need_cluster)
	@$(KUBECTL) -n $(APP_NAMESPACE) logs --prefix --all-containers --tail=100 --max-log-requests=10 \
	  $(if $(FOLLOW),--follow) \
	  --selector='app.kubernetes.io/part-of=stockwatch$(if $(SVC),$(comma)app.kubernetes.io/name=$(SVC))'

down: ## Delete the kind cluster and everything in it
	$(need_kind)
	$(call say,deleting kind cluster '$(KIND_CLUSTER)')
	@kind delete cluster --name '$(KIND_CLUSTER)'

# Not in `make help`: the ingress-nginx step is gone; say where it went instead of "No rule".
ingress:
	@echo "error: ingress-nginx is retired upstream and no longer installed; the front door is the Gateway API:" >&2
	@echo "       'make gateway' (then 'make deploy'), or 'make up'. See docs/kubernetes.md, 'Moving from the Ingress'." >&2
	@exit 1

TEST_TARGETS += test-deploy
test-deploy: ## Render every overlay and check it: strict schemas, policies, cross-references
	$(venv)
	$(need_kubectl)
	$(call say,tests/deploy: rendered manifests, kind config and cluster targets)
	@PYTHONPATH=. $(BIN)/python -m pytest tests/deploy -q
