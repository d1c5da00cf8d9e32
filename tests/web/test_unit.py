"""The web app's own unit tests (the sync queue, the chart mapping) with vitest, so `make test` runs them."""

import shutil
import subprocess
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "services" / "web"


def test_web_unit_tests_pass():
    assert shutil.which("npm"), "npm is needed (bin/setup checks for it)"
    assert (WEB / "node_modules").is_dir(), "run `make setup` first: it installs services/web's packages"
    result = subprocess.run(
        ["npm", "test", "--silent", "--", "--reporter=verbose"],
        check=False,
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
