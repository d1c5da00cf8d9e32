"""The README's configuration table stays true to the code."""

from shared.settings import SPECS
from tests.support.servers import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [spec.env for spec in SPECS.values() if f"| `{spec.env}` |" not in readme]
    assert not missing


def test_readme_shows_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme
