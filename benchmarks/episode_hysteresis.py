"""Robust baseline + hysteresis on a noise-scaled deviation deciding the episodes themselves (the rule's own
scan, services/workers/summaries/episodes.py, instead of its three-state model), for the side-by-side
evaluation only: a run starts beyond max(`enter`, `enter_noise` x noise), lasts while beyond the exit level,
takes in the raw logged days around it still beyond the exit level, and is kept under the same rules."""

from __future__ import annotations

from typing import Any

import numpy as np

from services.workers.summaries import episodes

# The hysteresis levels (the current rule does not use them): a 3-day centred mean enters beyond
# max(enter, enter_noise x noise) and stays beyond max(1 point, 1 x noise).
LEVELS = {"smoothing_days": 3, "exit": 1.0, "exit_noise": 1.0}


def smoothed(burdens: list[float | None], width: int) -> list[float | None]:
    half = width // 2
    out: list[float | None] = []
    for i, value in enumerate(burdens):
        if value is None:
            out.append(None)
            continue
        near = [v for v in burdens[max(0, i - half) : i + half + 1] if v is not None]
        out.append(sum(near) / len(near))
    return out


class HysteresisScan(episodes.References):
    """One pass over the days with hysteresis on the references' baseline and noise; remembers runs and
    per-day states."""

    def __init__(
        self, burdens: list[float | None], params: dict[str, Any], excluded: np.ndarray | None = None
    ) -> None:
        super().__init__(burdens, params, excluded)
        self.bands: list[tuple[float, float] | None] = []
        self.states: list[str | None] = []
        self.runs: list[dict] = []
        self.current, self.run, self.gap = episodes.NEUTRAL, None, 0

    def scan(self) -> HysteresisScan:
        self.signal = smoothed(self.burdens, self.params["smoothing_days"])
        p = self.params
        for i in range(len(self.burdens)):
            base, noise = self.base[i], self.noise[i]
            self.bands.append(
                None
                if noise is None
                else (max(p["enter"], p["enter_noise"] * noise), max(p["exit"], p["exit_noise"] * noise))
            )
            if self.signal[i] is None or base is None:
                self._unseen()
            else:
                self._seen(i, self.signal[i] - base, self.bands[i])
        if self.run is not None:
            self._close()
        return self

    def _unseen(self) -> None:
        self.states.append(None)
        if self.run is None:
            return
        self.gap += 1
        if self.gap > self.params["max_gap_days"]:
            self._close()
            self.current = episodes.NEUTRAL

    def _seen(self, i: int, deviation: float, band: tuple[float, float]) -> None:
        enter, exit_ = band
        state = episodes.NEUTRAL
        if (self.current == episodes.WAVE and deviation >= exit_) or deviation >= enter:
            state = episodes.WAVE
        elif (self.current == episodes.WINDOW and deviation <= -exit_) or deviation <= -enter:
            state = episodes.WINDOW
        self.states.append(state)
        if self.run is not None and state != self.run["kind"]:
            self._close()
        if state != episodes.NEUTRAL and self.run is None:
            self.run = {
                "kind": state,
                "start": i,
                "end": i,
                "deviations": [],
                "baseline": self.base[i],
                "noise": self.noise[i],
            }
            self._widen_back(i, deviation, exit_)
        if self.run is not None:
            self.run["end"] = i
            self.run["deviations"].append(deviation)
        self.current, self.gap = state, 0

    def _widen_back(self, i: int, deviation: float, exit_: float) -> None:
        """The raw logged days just before the start that were already beyond the exit level, across gaps
        of up to `max_gap_days`, belong to the run (smoothing blurs an episode's first days)."""
        sign, j, gap = (1 if deviation > 0 else -1), i - 1, 0
        taken_until = self.runs[-1]["end"] if self.runs else -1
        while j > taken_until and gap <= self.params["max_gap_days"]:
            if np.isnan(self.values[j]):
                gap += 1
            elif sign * (self.values[j] - self.run["baseline"]) >= exit_:
                self.run["start"], gap = j, 0
                self.run["deviations"].insert(0, self.values[j] - self.run["baseline"])
            else:
                break
            j -= 1

    def _close(self) -> None:
        finished, self.run, self.gap = self.run, None, 0
        self.runs.append(finished)


def _widen_forward(run: dict, scan: HysteresisScan, limit: int, params: dict[str, Any]) -> None:
    sign = 1 if run["kind"] == episodes.WAVE else -1
    j, gap = run["end"] + 1, 0
    while j < limit and gap <= params["max_gap_days"]:
        value, band = scan.values[j], scan.bands[j]
        if np.isnan(value) or band is None:
            gap += 1
        elif sign * (value - run["baseline"]) >= band[1]:
            run["end"], gap = j, 0
            run["deviations"].append(value - run["baseline"])
        else:
            break
        j += 1


def _runs(burdens: list[float | None], params: dict[str, Any], excluded: np.ndarray | None) -> list[dict]:
    scan = HysteresisScan(burdens, params | LEVELS, excluded).scan()
    kept = []
    for n, run in enumerate(scan.runs):
        limit = scan.runs[n + 1]["start"] if n + 1 < len(scan.runs) else len(burdens)
        _widen_forward(run, scan, limit, params)
        # Kept, and measured on the raw days, exactly as the rule keeps its own runs.
        if closed := episodes.close_run(run["kind"], run["start"], run["end"], scan, params):
            kept.append(closed)
    return kept


def detect(days: list[str], burdens: list[float | None], params: dict[str, Any]) -> list[dict]:
    """Two passes, as the current rule: the second leaves the first's episodes out of the baseline."""
    excluded = np.zeros(len(days), dtype=bool)
    for run in _runs(burdens, params, None):
        excluded[run["start"] : run["end"] + 1] = True
    return [episodes._episode(run, days, params) for run in _runs(burdens, params, excluded)]
