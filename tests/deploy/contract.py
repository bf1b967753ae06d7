"""The environment variables README.md promises (section Configuration), read from its tables."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.render import REPO

README = REPO / "README.md"
SECTIONS = {
    "Shared by backend and webui:": "shared",
    "Backend:": "backend",
    "Webui:": "webui",
    "Load generator:": "loadgen",
}
ROW = re.compile(r"^\| `(?P<name>[A-Z_]+)` \| (?P<default>[^|]*) \|")
CLUSTER_VALUE = re.compile(r"\(cluster: `(?P<value>[^`]*)`\)")
PLAIN_VALUE = re.compile(r"^`(?P<value>[^`]*)`$")


def contract_variables(path: Path = README) -> dict[str, dict[str, str | None]]:
    """{section: {variable: value in a cluster, or None when the contract gives no single one}}."""
    tables: dict[str, dict[str, str | None]] = {section: {} for section in SECTIONS.values()}
    section = None
    for line in path.read_text().splitlines():
        if line.strip() in SECTIONS:
            section = SECTIONS[line.strip()]
        elif line.startswith("## "):
            section = None
        elif section and (row := ROW.match(line)):
            default = row["default"].strip()
            value = CLUSTER_VALUE.search(default) or PLAIN_VALUE.match(default)
            tables[section][row["name"]] = value["value"] if value else None
    return tables


def service_variables(service: str) -> dict[str, str | None]:
    """Everything a Django service reads: the shared table plus its own."""
    tables = contract_variables()
    return {**tables["shared"], **tables[service]}
