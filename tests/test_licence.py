"""The licence is the exact AGPL-3.0 text, the package metadata names it, and the README points to it and
to the security policy."""

import hashlib
import tomllib

from tests.support.servers import ROOT

# SHA-256 of the FSF's agpl-3.0.txt (as Debian's r-base-core ships it in share/licenses/AGPL-3): the licence
# must be the official text, byte for byte.
AGPL_3_SHA256 = "0d96a4ff68ad6d4b6f1f30f713b18d5184912ba8dd389f86aa7710db079abcb0"


def test_licence_is_the_official_agpl_3_text():
    text = (ROOT / "LICENSE").read_bytes()
    assert text.startswith(b"                    GNU AFFERO GENERAL PUBLIC LICENSE\n")
    assert hashlib.sha256(text).hexdigest() == AGPL_3_SHA256


def test_package_metadata_names_the_licence():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert project["license-files"] == ["LICENSE"]


def test_readme_names_the_licence_and_the_security_policy():
    readme = (ROOT / "README.md").read_text()
    assert "(LICENSE)" in readme and "(SECURITY.md)" in readme
    policy = (ROOT / "SECURITY.md").read_text()
    for heading in ("## How to report a vulnerability", "## What is in scope", "## What we promise"):
        assert heading in policy
