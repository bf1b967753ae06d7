"""Static checks of Dockerfile.{backend,webui,loadgen} and .dockerignore (no container engine)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.images.recipe import (
    DJANGO_SERVICES,
    SERVICES,
    BuildContext,
    Dockerfile,
    base_problems,
    cmd_problems,
    copies,
    copy_problems,
    import_problems,
    parse,
    user_problems,
)
from tests.support.render import REPO

PORTS = {"backend": {"8000", "9000"}, "webui": {"8080", "9000"}, "loadgen": {"9000"}}


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.load(REPO)


@pytest.fixture(params=SERVICES)
def service(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def dockerfile(service: str) -> Dockerfile:
    return parse(REPO / f"Dockerfile.{service}")


@pytest.fixture
def broken(tmp_path: Path) -> Callable[[str, str, str], Dockerfile]:
    """A copy of Dockerfile.<service> in tmp_path with one line changed (never the real file)."""

    def make(service: str, old: str, new: str) -> Dockerfile:
        text = (REPO / f"Dockerfile.{service}").read_text()
        assert old in text, f"Dockerfile.{service} no longer contains {old!r}"
        path = tmp_path / f"Dockerfile.{service}"
        path.write_text(text.replace(old, new))
        return parse(path)

    return make


def test_base_images_are_pinned_slim_python_311(dockerfile: Dockerfile) -> None:
    assert base_problems(dockerfile) == []


def test_final_stage_runs_as_numeric_non_root_user(dockerfile: Dockerfile) -> None:
    assert user_problems(dockerfile) == []


def test_every_copy_source_is_in_the_build_context(
    dockerfile: Dockerfile, context: BuildContext
) -> None:
    assert copy_problems(dockerfile, context) == []


def test_cmd_names_a_module_the_image_contains(
    dockerfile: Dockerfile, context: BuildContext
) -> None:
    assert cmd_problems(dockerfile, context) == []


def test_first_party_imports_are_copied_into_the_image(
    dockerfile: Dockerfile, context: BuildContext
) -> None:
    assert import_problems(dockerfile, context) == []


def test_dependencies_come_from_the_service_lock(dockerfile: Dockerfile, service: str) -> None:
    builder = dockerfile.stages[0]
    lock_copies = [
        dest for _, sources, dest in copies(builder) if f"requirements/{service}.txt" in sources
    ]
    assert lock_copies, f"the builder stage does not COPY requirements/{service}.txt"
    installs = [run.args for run in builder.all("RUN") if "pip install" in run.args]
    assert any(f"-r {lock_copies[0]}" in args for args in installs)


def test_runtime_stage_takes_only_the_venv_from_the_builder(dockerfile: Dockerfile) -> None:
    final = dockerfile.final
    from_builder = [i.args for i in final.all("COPY") if i.args.startswith("--from=")]
    assert from_builder == ["--from=builder /opt/venv /opt/venv"]
    runs = " ".join(run.args for run in final.all("RUN"))
    for forbidden in ("pip install", "apt-get", "gcc", "build-essential"):
        assert forbidden not in runs, f"the runtime stage runs {forbidden}"


def test_runtime_environment_matches_the_contract(dockerfile: Dockerfile, service: str) -> None:
    env = dockerfile.final.env()
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PATH"].startswith("/opt/venv/bin:")
    if service in DJANGO_SERVICES:
        assert env["PROMETHEUS_MULTIPROC_DIR"] == "/run/metrics"


def test_no_secret_is_baked_into_the_image(dockerfile: Dockerfile) -> None:
    declared = [i for stage in dockerfile.stages for i in stage.all("ENV") + stage.all("ARG")]
    assert not [i for i in declared if "SECRET" in i.args.upper()]


def test_exposes_the_contract_ports(dockerfile: Dockerfile, service: str) -> None:
    exposed = {port for i in dockerfile.final.all("EXPOSE") for port in i.args.split()}
    assert exposed == PORTS[service]


def test_healthcheck_probes_the_service_with_python(dockerfile: Dockerfile, service: str) -> None:
    healthcheck = dockerfile.final.last("HEALTHCHECK")
    assert healthcheck is not None
    argv = healthcheck.exec_form()
    assert argv is not None and argv[0] == "python", "no curl in the image: use python"
    assert ("/metrics" if service == "loadgen" else "/healthz") in argv[-1]


def test_oci_labels_name_the_image(dockerfile: Dockerfile, service: str) -> None:
    labels = " ".join(i.args for i in dockerfile.final.all("LABEL"))
    assert f'org.opencontainers.image.title="stockwatch-{service}"' in labels
    for key in ("description", "version", "revision"):
        assert f"org.opencontainers.image.{key}=" in labels


@pytest.mark.parametrize(
    "local_state",
    [
        ".venv/bin/python",
        "artifacts/x",
        ".git/HEAD",
        "backend/quotes/__pycache__/x.pyc",
        "webui/staticfiles/app.css",
        "tests/conftest.py",
    ],
)
def test_dockerignore_keeps_local_state_out(context: BuildContext, local_state: str) -> None:
    assert context.excluded(local_state)


@pytest.mark.parametrize(
    "needed",
    [
        "backend/manage.py",
        "webui/dashboard/static/dashboard/app.css",
        "servicekit/env.py",
        "loadgen/__main__.py",
        "requirements/backend.txt",
    ],
)
def test_dockerignore_sends_what_the_images_need(context: BuildContext, needed: str) -> None:
    assert not context.excluded(needed)


def test_copy_of_a_missing_path_is_reported(broken: Callable, context: BuildContext) -> None:
    dockerfile = broken("backend", "COPY backend/ /app/", "COPY backend-app/ /app/")
    assert any(
        "COPY source backend-app/ does not exist" in p for p in copy_problems(dockerfile, context)
    )


def test_copy_of_an_ignored_path_is_reported(broken: Callable, context: BuildContext) -> None:
    dockerfile = broken("webui", "COPY webui/ /app/", "COPY docs/ /app/")
    assert any(
        "docs/ is excluded by .dockerignore" in p for p in copy_problems(dockerfile, context)
    )


def test_cmd_pointing_at_a_missing_module_is_reported(
    broken: Callable, context: BuildContext
) -> None:
    dockerfile = broken("webui", '"webui_site.wsgi"]', '"webui_site.asgi_app"]')
    assert any(
        "CMD module webui_site.asgi_app is not in the image" in p
        for p in cmd_problems(dockerfile, context)
    )


def test_missing_servicekit_copy_is_reported(broken: Callable, context: BuildContext) -> None:
    dockerfile = broken("loadgen", "COPY servicekit/ /app/servicekit/\n", "")
    assert any("imports servicekit" in p for p in import_problems(dockerfile, context))


def test_root_user_is_reported(broken: Callable) -> None:
    dockerfile = broken("backend", "USER 10001:10001", "USER root")
    assert user_problems(dockerfile) == [
        f"{dockerfile.where(dockerfile.final.last('USER'))}: USER root is not numeric UID:GID"
    ]


def test_unpinned_base_is_reported(broken: Callable) -> None:
    dockerfile = broken("loadgen", "python:3.11-slim-bookworm AS builder", "python AS builder")
    assert any("is not pinned to a tag" in p for p in base_problems(dockerfile))
