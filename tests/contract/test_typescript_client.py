"""A TypeScript client generated from both documents (openapi-typescript, as the web app does) and used
through openapi-fetch type-checks under `tsc --strict`, including bodies the types must refuse."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.contract.conftest import SERVICES, TOOLS, node_tool

USAGE = Path(__file__).parent / "typescript" / "uses_the_clients.ts"
# As docs/api.md tells app developers: a request field with a default may be left out (openapi-typescript
# otherwise makes it required, which suits only responses; ours never carry defaults).
GENERATE_OPTIONS = ("--default-non-nullable", "false")


def test_generated_types_check_strictly(document_files, tmp_path):
    (tmp_path / "node_modules").symlink_to(TOOLS / "node_modules")  # openapi-fetch's types, pinned
    for service in SERVICES:
        generated = node_tool(
            "openapi-typescript",
            document_files[service],
            *GENERATE_OPTIONS,
            "-o",
            tmp_path / f"{service}.ts",
        )
        assert generated.returncode == 0, generated.stderr
    shutil.copy(USAGE, tmp_path / USAGE.name)
    checked = node_tool(
        "tsc",
        "--strict",
        "--noEmit",
        "--skipLibCheck",  # the pinned libraries' own .d.ts files: not ours to check, and most of the time
        "--target",
        "es2022",
        "--module",
        "esnext",
        "--moduleResolution",
        "bundler",
        "--lib",
        "es2022,dom",
        *(f"{service}.ts" for service in SERVICES),
        USAGE.name,
        cwd=tmp_path,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
