"""Rolling means and trends over a person's calendar days. Missing days stay missing: a mean is over the
days that were logged in its window, and carries how many there were."""

from __future__ import annotations

from statistics import fmean
from typing import Any


def trailing_mean(values: list[float | None], end: int, days: int, min_days: int) -> tuple[float | None, int]:
    window = [v for v in values[max(0, end - days + 1) : end + 1] if v is not None]
    if len(window) < min_days:
        return None, len(window)
    return round(fmean(window), 2), len(window)


def slope_per_week(values: list[float | None], end: int, days: int, min_days: int) -> float | None:
    """Least-squares slope of the logged values in the window, in points per week."""
    points = [(i, v) for i, v in enumerate(values[max(0, end - days + 1) : end + 1]) if v is not None]
    if len(points) < min_days:
        return None
    mean_x = fmean(x for x, _ in points)
    mean_y = fmean(y for _, y in points)
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return round(sxy / sxx * 7, 3)


def rolling_series(
    burdens: list[float | None], symptom_maxima: dict[str, list[float | None]], params: dict[str, Any]
) -> list[dict]:
    """For each day: 7- and 28-day burden means with their logged-day counts, the trend, and each tracked
    symptom's rolling means of its daily maximum."""
    short, long_ = params["short_days"], params["long_days"]
    out = []
    for i in range(len(burdens)):
        b7, n7 = trailing_mean(burdens, i, short, params["short_min_days"])
        b28, n28 = trailing_mean(burdens, i, long_, params["long_min_days"])
        symptoms = {}
        for key, series in symptom_maxima.items():
            m7, _ = trailing_mean(series, i, short, params["short_min_days"])
            m28, _ = trailing_mean(series, i, long_, params["long_min_days"])
            if m7 is not None or m28 is not None:
                symptoms[key] = {"mean_7d": m7, "mean_28d": m28}
        out.append(
            {
                "burden_7d": b7,
                "days_logged_7d": n7,
                "burden_28d": b28,
                "days_logged_28d": n28,
                "trend_per_week": slope_per_week(burdens, i, long_, params["trend_min_days"]),
                "symptoms": symptoms,
            }
        )
    return out
