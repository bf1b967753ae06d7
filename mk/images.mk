# Container images: `images` builds them for the kind cluster; `test-images` checks the recipes
# without any engine and builds and runs them daemonlessly (podman + a Debian stand-in base).
# KIND_CLUSTER comes from mk/prelude.mk.

IMAGE_SERVICES := backend webui loadgen
# The manifests pin `stockwatch/<service>:dev` with imagePullPolicy IfNotPresent.
IMAGE_TAG := dev
IMAGE_VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGE_REVISION := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# IMAGES_RUN=skip: only the static recipe checks, for machines without podman (CI runs both).
# The tests that build and run the images are marked `containers`; podman's host options are
# environment (tests/images/podman.py; the CI machine's: .ci/images/podman-host.env).
IMAGES_RUN ?= run
IMAGES_LOG_DIR := $(ARTIFACTS)/images
KIND_IMAGES := $(foreach s,$(IMAGE_SERVICES),stockwatch/$(s):$(IMAGE_TAG))
# `kind load docker-image` fails on Docker Engines with the containerd image store (Docker 29's
# default): "ctr: content digest ... not found" (kind issues #3795 and #3845). The fallback is the
# one kind documents since PR #4247: save only the node's platform, then `kind load image-archive`.
# `docker image save --platform` needs Docker 28 or newer, which the containerd store implies.
KIND_ARCHIVE := $(IMAGES_LOG_DIR)/kind-images.tar

.PHONY: images test-images

TEST_TARGETS += test-images

images: ## Build the backend, webui and loadgen images (docker) and kind-load them into the cluster
	$(need_docker)
	$(need_kind)
	@docker info >/dev/null 2>&1 || { echo "error: the Docker daemon does not answer; start Docker first." >&2; exit 1; }
	@kind get clusters 2>/dev/null | grep -qx '$(KIND_CLUSTER)' || { \
	  echo "error: no kind cluster '$(KIND_CLUSTER)'; run 'make cluster' first (or set KIND_CLUSTER)." >&2; exit 1; }
	@for svc in $(IMAGE_SERVICES); do \
	  printf '\033[1;34m==> %s\033[0m\n' "building stockwatch/$$svc:$(IMAGE_TAG) from Dockerfile.$$svc"; \
	  docker build --file "Dockerfile.$$svc" --tag "stockwatch/$$svc:$(IMAGE_TAG)" \
	    --build-arg VERSION='$(IMAGE_VERSION)' --build-arg REVISION='$(IMAGE_REVISION)' . || { \
	    echo "error: building Dockerfile.$$svc failed (see above)" >&2; exit 1; }; \
	done
	$(call say,loading the images into kind cluster '$(KIND_CLUSTER)')
	@kind load docker-image --name '$(KIND_CLUSTER)' $(KIND_IMAGES) || { \
	  echo "note: 'kind load docker-image' failed (Docker's containerd image store: kind issue #3795);" \
	    "loading a single-platform archive instead" >&2; \
	  mkdir -p $(IMAGES_LOG_DIR) && \
	  docker image save --platform "$$(docker version --format '{{.Server.Os}}/{{.Server.Arch}}')" \
	    --output '$(KIND_ARCHIVE)' $(KIND_IMAGES) && \
	  kind load image-archive --name '$(KIND_CLUSTER)' '$(KIND_ARCHIVE)'; }
	@docker image ls --filter 'reference=stockwatch/*:$(IMAGE_TAG)' --format '  {{.Repository}}:{{.Tag}}  {{.Size}}'

test-images: ## Image recipes: static checks + clean-venv replay, and a podman build-and-run (~2-5 min)
	$(venv)
ifeq ($(IMAGES_RUN),skip)
	$(call say,image recipe checks (pytest tests/images); podman build-and-run skipped (IMAGES_RUN=skip))
	@PYTHONPATH=. $(BIN)/pytest -p no:cacheprovider -m 'not containers' tests/images
else
	$(call need,podman,Install podman buildah debootstrap runc uidmap (Debian), or run with IMAGES_RUN=skip.)
	$(call say,image recipe checks and the images built and run with podman (pytest tests/images))
	@PYTHONPATH=. $(BIN)/pytest -p no:cacheprovider tests/images
endif
