"""Loading the summaries' parameters (parameters.yaml, or the file SUMMARY_PARAMETERS_FILE names)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from services.workers.summaries import episodes

DEFAULT_FILE = Path(__file__).with_name("parameters.yaml")


class Params(dict):
    """Nested parameters with a fingerprint."""

    @property
    def fingerprint(self) -> str:
        """A hash of the parameters and of the episode detector's code: each stored summary carries it, and a
        summary carrying another is rebuilt from every day (service._since)."""
        content = json.dumps({"params": self, "detector": episodes.CODE_FINGERPRINT}, sort_keys=True)
        return hashlib.sha256(content.encode()).hexdigest()[:12]

    def section(self, name: str) -> dict[str, Any]:
        return self[name]


def load(path: str | Path | None = None) -> Params:
    """The defaults, overridden by the file at `path` (settings.summary_parameters_file) when given."""
    path = Path(path or DEFAULT_FILE)
    data = yaml.safe_load(path.read_text())
    defaults = yaml.safe_load(DEFAULT_FILE.read_text())
    # A tuning file may set only what it changes; everything else keeps its default.
    merged = {
        key: {**value, **(data.get(key) or {})} if isinstance(value, dict) else data.get(key, value)
        for key, value in defaults.items()
    }
    return Params(merged)


@cache
def current(path: str = "") -> Params:
    return load(path or None)
