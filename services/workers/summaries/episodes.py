"""Windows and waves: stretches well below or above the person's own baseline, measured in the person's own
day-to-day variability.

There is no clinical definition (domain reference §4); this is a product heuristic, documented with its
parameters and its evaluation in docs/windows-and-waves.md. The rule is a robust rolling baseline with
hysteresis on a noise-scaled deviation (a Shewhart-style control chart with robust estimates; Montgomery,
*Introduction to Statistical Quality Control*, ch. 6; Rousseeuw & Croux 1993 on robust scale). For each day:

* baseline = the interquartile mean of the logged days in the `baseline_days` before it, leaving out the
  last `baseline_skip_days` (a wave's first, not yet flagged days must not raise its own bar) and every day
  already in a window or wave;
* noise = the person's day-to-day variability over the previous `noise_days` non-episode days, from the mean
  absolute difference between consecutive logged ratings (differences cancel a drifting baseline);
* deviation = a centred mean of the logged burdens over `smoothing_days`, minus the baseline.

A wave starts when the deviation reaches max(`enter`, `enter_noise` x noise) and lasts while it stays above
max(`exit`, `exit_noise` x noise) (hysteresis: one odd day neither starts nor ends one); a window mirrors it
below. A new run also takes in the logged days just before it that were already beyond the exit level.
Runs shorter than `min_days`, or whose mean deviation stays under max(`min_mean`, `min_mean_noise` x noise),
are dropped; up to `max_gap_days` unlogged days inside a run do not end it.
Red flags are never part of this: they are reported separately and verbatim.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np

WAVE, WINDOW, NEUTRAL = "wave", "window", "neutral"
DISCLAIMER = (
    "Windows and waves have no clinical definition. These are stretches well below or above your own recent "
    "baseline, measured against how much your days usually vary; they describe your logs and are not a "
    "diagnosis."
)
# Part of the summaries' fingerprint (params.py): a change of this file's rule triggers a rebuild.
CODE_FINGERPRINT = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
# mean |x_t - x_(t-1)| = 2 sigma / sqrt(pi) for independent normal days.
_DIFF_TO_SD = math.sqrt(math.pi) / 2


def interquartile_mean(values: np.ndarray) -> float:
    """Mean of the middle half: as robust as a median to a few odd days, but not stuck on whole numbers
    when ratings are whole numbers."""
    ordered = np.sort(values)
    cut = len(ordered) // 4
    return float(ordered[cut : len(ordered) - cut].mean())


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


class _Scan:
    """One pass over the days with hysteresis; remembers runs, per-day states, baselines and noise."""

    def __init__(self, burdens: list[float | None], params: dict[str, Any]) -> None:
        self.burdens, self.params = burdens, params
        self.values = np.array([np.nan if b is None else b for b in burdens], dtype=float)
        self.signal = smoothed(burdens, params["smoothing_days"])
        self.usable = ~np.isnan(self.values)  # logged and not (yet) in an episode
        self.base: list[float | None] = []
        self.bands: list[tuple[float, float] | None] = []
        self.noise: list[float | None] = []
        self.states: list[str | None] = []
        self.runs: list[dict] = []
        self.current, self.run, self.gap = NEUTRAL, None, 0

    def _reference(self, i: int) -> tuple[float, float] | None:
        """(baseline, noise) for day i from the days before it, or None while too few are logged."""
        p = self.params
        end = max(0, i - p["baseline_skip_days"])
        recent = np.flatnonzero(self.usable[max(0, end - p["baseline_days"]) : end])
        if len(recent) < p["baseline_min_days"]:
            return None
        start = max(0, end - p["baseline_days"])
        base = interquartile_mean(self.values[start + recent])
        longer = self.values[max(0, end - p["noise_days"]) : end][
            self.usable[max(0, end - p["noise_days"]) : end]
        ]
        return base, max(p["noise_min"], float(np.abs(np.diff(longer)).mean()) * _DIFF_TO_SD)

    def scan(self) -> _Scan:
        for i in range(len(self.burdens)):
            base, noise = self._reference(i) or (None, None)
            p = self.params
            self.base.append(base)
            self.noise.append(noise)
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
            self.current = NEUTRAL

    def _seen(self, i: int, deviation: float, band: tuple[float, float]) -> None:
        enter, exit_ = band
        state = NEUTRAL
        if (self.current == WAVE and deviation >= exit_) or deviation >= enter:
            state = WAVE
        elif (self.current == WINDOW and deviation <= -exit_) or deviation <= -enter:
            state = WINDOW
        self.states.append(state)
        if self.run is not None and state != self.run["kind"]:
            self._close()
        if state != NEUTRAL and self.run is None:
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
            self.usable[i] = False
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
                self.usable[j] = False
            else:
                break
            j -= 1

    def _close(self) -> None:
        finished, self.run, self.gap = self.run, None, 0
        self.runs.append(finished)
        if not _is_episode(finished, self.params):
            # Too short or too slight to be an episode: its days count towards the baseline after all.
            span = slice(finished["start"], finished["end"] + 1)
            self.usable[span] = ~np.isnan(self.values[span])


def _is_episode(run: dict, params: dict[str, Any]) -> bool:
    """Long enough, and standing out as a whole: its mean deviation reaches max(`min_mean`,
    `min_mean_noise` x noise), so a noisy stretch that only grazed the entry level is not an episode."""
    mean = abs(sum(run["deviations"]) / len(run["deviations"]))
    return run["end"] - run["start"] + 1 >= params["min_days"] and mean >= max(
        params["min_mean"], params["min_mean_noise"] * run["noise"]
    )


def _widen_forward(run: dict, scan: _Scan, limit: int, params: dict[str, Any]) -> None:
    """The raw logged days just after the end still beyond the exit level belong to the run, across gaps."""
    sign = 1 if run["kind"] == WAVE else -1
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


def _episode(run: dict, days: list[str], params: dict[str, Any]) -> dict:
    ongoing = len(days) - 1 - run["end"] <= params["max_gap_days"]
    deviations = [float(d) for d in run["deviations"]]
    return {
        "kind": run["kind"],
        "start": days[run["start"]],
        "end": None if ongoing else days[run["end"]],
        "last_day": days[run["end"]],
        "ongoing": ongoing,
        "length_days": run["end"] - run["start"] + 1,
        "baseline": round(run["baseline"], 2),
        "mean_deviation": round(sum(deviations) / len(deviations), 2),
        "peak_deviation": round(max(deviations, key=abs), 2),
    }


def logged_days_needed(burdens: list[float | None], params: dict[str, Any]) -> int:
    """How many more days the person must log before their baseline exists (0 when it does): the baseline
    needs `baseline_min_days` logged days within its reach, each counted once `baseline_skip_days` old."""
    reach = burdens[-(params["baseline_days"] + params["baseline_skip_days"]) :] if burdens else []
    return max(0, params["baseline_min_days"] - sum(b is not None for b in reach))


def detect(
    days: list[str], burdens: list[float | None], params: dict[str, Any]
) -> tuple[list[dict], list[str | None]]:
    """(episodes, per-day state). A day's state is None when it has no data or no baseline yet."""
    scan = _Scan(burdens, params).scan()
    states = scan.states
    episodes = []
    for n, run in enumerate(scan.runs):
        limit = scan.runs[n + 1]["start"] if n + 1 < len(scan.runs) else len(days)
        _widen_forward(run, scan, limit, params)
        kept = _is_episode(run, params)
        for j in range(run["start"], run["end"] + 1):
            if states[j] is not None or not np.isnan(scan.values[j]):
                states[j] = run["kind"] if kept else NEUTRAL
        if kept:
            episodes.append(_episode(run, days, params))
    return episodes, states
