"""The two services' published documents, written once per session where the contract tools read them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.servers import ROOT

TOOLS = ROOT / "tools" / "contract"
NODE_BIN = TOOLS / "node_modules" / ".bin"
SERVICES = ("ingestion", "notification")


def node_tool(name: str, *args: str | Path, cwd: Path = TOOLS) -> subprocess.CompletedProcess:
    """Run one of the pinned npm tools (installed by `make setup`); its output is kept for the report."""
    tool = NODE_BIN / name
    if not tool.exists():
        pytest.fail(f"{tool} is missing: run `make setup` (npm ci in tools/contract)")
    return subprocess.run(
        [str(tool), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.fixture(scope="session")
def apps(settings):
    from tests.support.runtimes import ingestion_app, notification_app

    return {"ingestion": ingestion_app(settings), "notification": notification_app(settings)}


@pytest.fixture(scope="session")
def documents(apps) -> dict[str, dict]:
    return {name: app.test_client().get("/openapi.json").get_json() for name, app in apps.items()}


@pytest.fixture(scope="session")
def document_files(documents, tmp_path_factory) -> dict[str, Path]:
    """Each document as a file, as a developer would download it from /openapi.json."""
    directory = tmp_path_factory.mktemp("openapi")
    files = {}
    for name, document in documents.items():
        files[name] = directory / f"{name}.json"
        files[name].write_text(json.dumps(document, indent=1))
    return files
