"""Taper plans as a person enters them through the API, for tests."""

from __future__ import annotations


def diazepam_tablets(**changes) -> dict:
    """20 mg diazepam in 2 mg tablets that can be quartered, cut by 10% of the current dose every 2 weeks."""
    return {
        "medication": "diazepam",
        "form": "tablet",
        "tablet_strength_mg": 2,
        "tablet_pieces": 4,
        "start_mg": 20,
        "method": "percent",
        "step_percent": 10,
        "interval_days": 14,
    } | changes


def clonazepam_tablets(**changes) -> dict:
    """2 mg clonazepam in 0.5 mg tablets that can be halved, cut by a fixed 0.25 mg every 2 weeks."""
    return {
        "medication": "clonazepam",
        "form": "tablet",
        "tablet_strength_mg": 0.5,
        "tablet_pieces": 2,
        "start_mg": 2,
        "method": "fixed_mg",
        "step_mg": 0.25,
        "interval_days": 14,
    } | changes


def diazepam_liquid(**changes) -> dict:
    """5 mg of a 1 mg/mL diazepam liquid measured to 0.1 mL, 0.1 mg less each day (liquid titration)."""
    return {
        "medication": "diazepam",
        "form": "liquid",
        "concentration_mg_per_ml": 1,
        "measure_ml": 0.1,
        "start_mg": 5,
        "method": "micro",
        "step_mg": 0.1,
        "interval_days": 1,
    } | changes


def plan(*medications: dict, start_day: str, holds: list | None = None, **changes) -> dict:
    return {"start_day": start_day, "medications": list(medications), "holds": holds or []} | changes
