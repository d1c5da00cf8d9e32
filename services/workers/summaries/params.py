"""Loading the summaries' parameters (parameters.yaml, or the file SUMMARY_PARAMETERS_FILE names)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_FILE = Path(__file__).with_name("parameters.yaml")


class Params(dict):
    """Nested parameters with attribute access (`params.episodes["enter"]`) and a fingerprint."""

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self, sort_keys=True).encode()).hexdigest()[:12]

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
