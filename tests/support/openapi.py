"""Check an HTTP answer against an OpenAPI 3.1 document: is the operation there, is the status one
it lists, does the JSON body match the schema it gives for that status (JSON Schema 2020-12,
as OpenAPI 3.1 defines its schemas)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support.servers import REPO, service_env

DOCUMENT_URI = "urn:stockwatch:openapi"


def _pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901) to `parts`."""
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _template(document: dict, path: str) -> str | None:
    """The document's path template that `path` fills in ({symbol} matches one segment)."""
    for template in document["paths"]:
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return template
    return None


def answer_problems(document: dict, method: str, url: str, status: int, body: Any) -> list[str]:
    """What about this answer the document does not allow (empty when it is one it describes)."""
    path = urlsplit(url).path
    template = _template(document, path)
    if template is None:
        return [f"{method} {path}: no such path in the document"]
    operation = document["paths"][template].get(method.lower())
    if operation is None:
        return [f"{method} {template}: no such operation in the document"]
    listed = operation["responses"]
    if str(status) not in listed:
        return [f"{method} {template}: status {status} is not listed (only {sorted(listed)})"]
    content = listed[str(status)].get("content", {}).get("application/json")
    if content is None:
        return []
    registry = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    reference = (
        DOCUMENT_URI
        + "#"
        + _pointer(
            "paths",
            template,
            method.lower(),
            "responses",
            str(status),
            "content",
            "application/json",
        )
    )
    validator = Draft202012Validator({"$ref": reference + "/schema"}, registry=registry)
    return [
        f"{method} {template} {status}: {'/'.join(map(str, error.absolute_path)) or 'body'}: "
        f"{error.message}"
        for error in validator.iter_errors(body)
    ]


def backend_document(tmp_dir: Path) -> dict:
    """The backend's OpenAPI document as the backend builds it: in a process of its own, with its
    settings and imports (away from a test process that runs the webui's Django)."""
    code = (
        "import django, json; django.setup(); "
        "from quotes.openapi import OPENAPI_DOCUMENT; print(json.dumps(OPENAPI_DOCUMENT))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=service_env("backend", tmp_dir),
        cwd=REPO / "backend",
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)
