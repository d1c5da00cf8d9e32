"""Services never import each other; they share only `shared/`."""

import ast
from pathlib import Path

from tests.support.servers import ROOT

SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_services_import_only_themselves_and_shared():
    assert SERVICES == ["ingestion", "notification", "workers"]
    offenders = []
    for service in SERVICES:
        for path in (ROOT / "services" / service).rglob("*.py"):
            for module in imported_modules(path):
                parts = module.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] != service:
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
                if parts[0] in {"tests", "devtools"}:
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders


def test_shared_imports_no_service():
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "shared").rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in {"services", "tests", "devtools"}
    ]
    assert not offenders
