# Observability: Prometheus config and rules, the generated Grafana dashboard, Docker Compose.

DASHBOARD_GENERATOR := grafana/dashboard.py
# COMPOSE=podman-compose runs the same file under Podman (podman-compose 1.x).
COMPOSE ?= docker compose
need_compose = $(call need,$(firstword $(COMPOSE)),Install Docker with the compose plugin (https://docs.docker.com/compose/install/) or podman-compose and set COMPOSE=podman-compose.)

.PHONY: dashboards compose-up compose-down test-monitoring

dashboards: ## Regenerate grafana/dashboards/stockwatch.json from grafana/dashboard.py
	$(venv)
	$(call say,generating the Grafana dashboard from $(DASHBOARD_GENERATOR))
	@PYTHONPATH=. $(BIN)/python -m grafana.dashboard

compose-up: ## Run backend, webui, Prometheus and Grafana under Docker Compose or COMPOSE=podman-compose (no Kubernetes)
	$(need_compose)
	$(call say,building and starting compose.yaml; Grafana on http://localhost:3000/grafana/)
	@$(COMPOSE) up --build --detach --wait
	@echo "webui       http://localhost:8080/"
	@echo "backend     http://localhost:8000/api/v1/quotes"
	@echo "prometheus  http://localhost:9090/prometheus/"
	@echo "grafana     http://localhost:3000/grafana/"

compose-down: ## Stop and remove the compose stack
	$(need_compose)
	$(call say,stopping compose.yaml)
	@$(COMPOSE) down --remove-orphans

TEST_TARGETS += test-monitoring
test-monitoring: ## promtool config/rules checks and unit tests, every dashboard query on a live Prometheus
	$(venv)
	$(call need,promtool,Install it (Debian): apt-get install prometheus)
	$(call need,prometheus,Install it (Debian): apt-get install prometheus)
	$(call need,prometheus-node-exporter,Install it (Debian): apt-get install prometheus-node-exporter)
	$(need_kubectl)
	$(call say,tests/monitoring: Prometheus config and rules + dashboard queries + compose.yaml)
	@PYTHONPATH=. $(BIN)/python -m pytest tests/monitoring -q
