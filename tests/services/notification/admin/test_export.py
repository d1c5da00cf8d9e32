"""CSV cells are safe to open in a spreadsheet."""

from __future__ import annotations

import pytest

from services.notification.admin.export import safe_cell


@pytest.mark.parametrize("value", ["=1+1", "+44 20", "-2", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_starts_are_neutralised(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(("value", "expected"), [("Sam", "Sam"), (None, ""), (3, "3"), ("a=b", "a=b")])
def test_other_values_are_plain_text(value, expected):
    assert safe_cell(value) == expected
