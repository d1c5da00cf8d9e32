"""A two-sided CUSUM (Page 1954; Montgomery, Introduction to Statistical Quality Control, ch. 9) on the same
robust baseline and noise as the project's rule, for the side-by-side evaluation only: each logged day's
standardised deviation z = (burden - baseline) / noise feeds S+ = max(0, S+ + z - k) and its mirror; an
episode is an excursion of S+ (or S-) that crossed h, from the day it left zero to the last day it rose."""

from __future__ import annotations

from typing import Any

from benchmarks.episode_hysteresis import LEVELS, HysteresisScan
from services.workers.summaries import episodes

K, H = 0.75, 4.0  # allowance (half a 1.5-noise shift) and decision interval, in noise units


class _Cusum(HysteresisScan):
    def __init__(self, burdens: list[float | None], params: dict[str, Any]) -> None:
        super().__init__(burdens, params)
        self.up = self.down = 0.0
        self.rise = {episodes.WAVE: None, episodes.WINDOW: None}

    def _seen(self, i: int, deviation: float, band: tuple[float, float]) -> None:
        z = deviation / self.noise[i]
        up, down = max(0.0, self.up + z - K), max(0.0, self.down - z - K)
        if up > 0 and self.up == 0:
            self.rise[episodes.WAVE] = i
        if down > 0 and self.down == 0:
            self.rise[episodes.WINDOW] = i
        self.up, self.down = up, down
        state = episodes.NEUTRAL
        if self.up > H or (self.current == episodes.WAVE and self.up > 0):
            state = episodes.WAVE
        elif self.down > H or (self.current == episodes.WINDOW and self.down > 0):
            state = episodes.WINDOW
        self.states.append(state)
        if self.run is not None and state != self.run["kind"]:
            self._close()
        if state != episodes.NEUTRAL and self.run is None:
            start = max(self.rise[state], self.runs[-1]["end"] + 1 if self.runs else 0)
            self.run = {
                "kind": state,
                "start": start,
                "end": i,
                "deviations": [],
                "baseline": self.base[i],
                "noise": self.noise[i],
            }
            for j in range(start, i):
                if self.values[j] == self.values[j]:
                    self.run["deviations"].append(self.values[j] - self.base[i])
        if self.run is not None:
            sign = 1 if state == episodes.WAVE else -1
            if sign * deviation > 0:
                self.run["end"] = i
            self.run["deviations"].append(deviation)
        if state == episodes.NEUTRAL:
            self.up, self.down = min(self.up, H), min(self.down, H)
        self.current, self.gap = state, 0


def detect(days: list[str], burdens: list[float | None], params: dict[str, Any]) -> list[dict]:
    params = params | {"min_mean": 0.0, "min_mean_noise": 0.0}  # the alarm itself decides, as CUSUM does
    scan = _Cusum(burdens, params | LEVELS | {"smoothing_days": 1}).scan()  # raw days: no smoothing
    return [
        episodes._episode(run, days, params)
        for run in scan.runs
        if run["end"] - run["start"] + 1 >= params["min_days"]
    ]
