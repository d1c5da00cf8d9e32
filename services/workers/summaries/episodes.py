"""Windows and waves: stretches well below or above the person's own baseline, measured in the person's own
day-to-day variability.

There is no clinical definition (domain reference §4); this is a product heuristic, documented with its
parameters and its evaluation in docs/windows-and-waves.md.

* Baseline for each day: the interquartile mean of the logged days within `baseline_days` on either side of
  it, leaving out the `baseline_skip_days` nearest on each side (an episode must not raise its own bar). A
  centred window follows a drifting baseline and a taper step without the weeks of lag a trailing one has;
  for the newest days only the days before exist. Noise: the person's day-to-day variability within
  `noise_days` on either side, from the mean absolute difference between consecutive logged ratings
  (differences cancel a drifting baseline). Robust estimates of centre and spread,
  as in a Shewhart-style chart (Montgomery, *Introduction to Statistical Quality Control*, ch. 6).
* Episodes: a three-state hidden Markov model (window, neutral, wave) decoded with the Viterbi algorithm
  (Rabiner, Proc. IEEE 77, 1989) on each logged day's deviation from the baseline in noise units; an
  unlogged day carries no evidence. Each state emits a unit normal around 0 or +/- max(`enter` / noise,
  `enter_noise`); `stay_neutral` and `stay_episode` set how often episodes start and how long they last. A
  decoded run is an episode when it spans at least `min_days` and its mean deviation reaches
  max(`min_mean`, `min_mean_noise` x noise).
* Two passes: the second leaves the first pass's episodes out of the baseline and noise. Every step reads
  only the days within reach, so a late entry changes only the days near it.

Red flags are never part of this: they are reported separately and verbatim.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np

WAVE, WINDOW, NEUTRAL = "wave", "window", "neutral"
NO_DATA, BUILDING, READY = "no_data", "building", "ready"
DISCLAIMER = (
    "Windows and waves have no clinical definition. These are stretches well below or above your own recent "
    "baseline, measured against how much your days usually vary; they describe your logs and are not a "
    "diagnosis."
)
# Part of the summaries' fingerprint (params.py): a change of this file's rule triggers a rebuild.
CODE_FINGERPRINT = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
# mean |x_t - x_(t-1)| = 2 sigma / sqrt(pi) for independent normal days.
_DIFF_TO_SD = math.sqrt(math.pi) / 2


def baseline_progress(burdens: list[float | None], params: dict[str, Any]) -> dict:
    """Whether the day after the last one has a baseline to be compared with, and how many of the days it
    needs there are: "no data yet" (no day with a burden) and "building your baseline: 6 of 10 days" are
    different answers, and a day's `state` alone (None in both) cannot tell them apart."""
    needed = params["baseline_min_days"]
    end = len(burdens) - params["baseline_skip_days"]
    counted = range(max(0, end - params["baseline_days"]), max(0, end))
    # The baseline leaves windows and waves out while enough other days remain, and reads every logged day
    # otherwise (References): either way it exists once this many days are logged within its reach.
    logged = sum(1 for j in counted if burdens[j] is not None)
    if not any(b is not None for b in burdens):
        return {"state": NO_DATA, "logged_days": 0, "needed_days": needed}
    return {"state": READY if logged >= needed else BUILDING, "logged_days": logged, "needed_days": needed}


def interquartile_mean(values: np.ndarray) -> float:
    """Mean of the middle half: as robust as a median to a few odd days, but not stuck on whole numbers
    when ratings are whole numbers."""
    ordered = np.sort(values)
    cut = len(ordered) // 4
    return float(ordered[cut : len(ordered) - cut].mean())


class References:
    """Each day's baseline and noise from the usable logged days around it (None while too few). A day's
    values depend only on the days within reach, never on anything decided before, so a late entry changes
    only the days near it."""

    def __init__(
        self, burdens: list[float | None], params: dict[str, Any], excluded: np.ndarray | None = None
    ) -> None:
        self.burdens, self.params = burdens, params
        self.values = np.array([np.nan if b is None else b for b in burdens], dtype=float)
        # Days left out of the baseline and noise: the first pass's episodes (detect). Where that leaves a day
        # too few, every logged day is read, as in the first pass: a history that is mostly waves and windows
        # (a classic taper's first weeks) is still judged, not left without a baseline.
        self.logged = ~np.isnan(self.values)
        self.usable = self.logged & (True if excluded is None else ~excluded)
        self.base: list[float | None] = []
        self.noise: list[float | None] = []
        for i in range(len(burdens)):
            base, noise = self._at(i) or (None, None)
            self.base.append(base)
            self.noise.append(noise)
        # A day says something about episodes when it was logged and has a baseline to be compared with.
        self.known = [b is not None and self.base[i] is not None for i, b in enumerate(burdens)]

    def _at(self, i: int) -> tuple[float, float] | None:
        p, n = self.params, len(self.values)
        skip, reach = p["baseline_skip_days"], p["baseline_days"]
        # Both sides of the day: a drifting baseline or a taper step is then met halfway from either side
        # instead of trailing weeks behind; the days nearest to it (its own episode's) are left out.
        sides = (
            slice(max(0, i - skip - reach), max(0, i - skip)),
            slice(min(n, i + skip + 1), i + skip + 1 + reach),
        )
        usable = self.usable
        recent = np.concatenate([self.values[s][usable[s]] for s in sides])
        if len(recent) < p["baseline_min_days"]:
            usable = self.logged
            recent = np.concatenate([self.values[s][usable[s]] for s in sides])
        if len(recent) < p["baseline_min_days"]:
            return None
        near = slice(max(0, i - p["noise_days"]), i + p["noise_days"])
        longer = self.values[near][usable[near]]
        return interquartile_mean(recent), max(
            p["noise_min"], float(np.abs(np.diff(longer)).mean()) * _DIFF_TO_SD
        )


def _is_episode(run: dict, params: dict[str, Any]) -> bool:
    """Long enough, and standing out as a whole: its mean deviation reaches max(`min_mean`,
    `min_mean_noise` x noise), so a noisy stretch that only grazed the entry level is not an episode."""
    mean = abs(sum(run["deviations"]) / len(run["deviations"]))
    return run["end"] - run["start"] + 1 >= params["min_days"] and mean >= max(
        params["min_mean"], params["min_mean_noise"] * run["noise"]
    )


def close_run(kind: str, first: int, last: int, refs: References, params: dict[str, Any]) -> dict | None:
    """A finished run of `kind` over days first..last, as every detector here keeps it: from its first to its
    last known day, each known day's deviation from its own baseline, the baseline and noise where it
    starts; None when it has no known day or is not an episode (`_is_episode`)."""
    logged = [k for k in range(first, last + 1) if refs.known[k]]
    if not logged:
        return None
    run = {
        "kind": kind,
        "start": logged[0],
        "end": logged[-1],
        "logged": logged,
        "baseline": refs.base[logged[0]],
        "noise": refs.noise[logged[0]],
        "deviations": [refs.burdens[k] - refs.base[k] for k in logged],
    }
    return run if _is_episode(run, params) else None


def _episode(run: dict, days: list[str], known: list[bool], params: dict[str, Any]) -> dict:
    # Ongoing while no day after it has been judged: a day or two without an entry (someone who logs every
    # few days) says nothing about its end. After `ongoing_days` without one, nobody can tell.
    later = any(known[run["end"] + 1 :])
    ongoing = not later and len(days) - 1 - run["end"] <= params["ongoing_days"]
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


def _log_transitions(params: dict[str, Any]) -> np.ndarray:
    """Window, neutral, wave: an episode lasts 1 / (1 - stay_episode) days on average and starts on about
    one day in 1 / (1 - stay_neutral); it nearly always ends in a neutral stretch, not the opposite kind."""
    start, leave = (1 - params["stay_neutral"]) / 2, 1 - params["stay_episode"]
    stay = params["stay_episode"]
    return np.log(
        np.array(
            [
                [stay, leave * 0.9, leave * 0.1],
                [start, params["stay_neutral"], start],
                [leave * 0.1, leave * 0.9, stay],
            ]
        )
    )


def viterbi(z: np.ndarray, height: np.ndarray, params: dict[str, Any]) -> list[int]:
    """The most likely sequence of states (0 window, 1 neutral, 2 wave) for the days' standardised
    deviations z (nan: no evidence that day), each state emitting a unit normal around -height, 0, +height."""
    trans = _log_transitions(params)
    means = np.stack([-height, np.zeros_like(height), height], axis=1)
    emit = np.where(np.isnan(z)[:, None], 0.0, -0.5 * (np.nan_to_num(z)[:, None] - means) ** 2)
    # Anchors: two logged days in a row both close to the baseline are neutral for certain. The best path
    # then splits there into independent pieces, so a late entry changes the episodes only up to the next
    # anchor, never the whole history (the decoding stays as local as the baseline).
    near = np.abs(np.nan_to_num(z, nan=np.inf)) < params["anchor_noise"]
    anchors = near & (np.concatenate([[False], near[:-1]]) | np.concatenate([near[1:], [False]]))
    emit[anchors, 0] = emit[anchors, 2] = -np.inf
    score = trans[1] + emit[0]  # as if the day before were neutral
    back = np.zeros((len(z), 3), dtype=int)
    for t in range(1, len(z)):
        options = score[:, None] + trans
        back[t] = options.argmax(axis=0)
        score = options.max(axis=0) + emit[t]
    path = [int(score.argmax())]
    for t in range(len(z) - 1, 0, -1):
        path.append(int(back[t][path[-1]]))
    return path[::-1]


KINDS = (WINDOW, NEUTRAL, WAVE)


def _decode(
    days: list[str], burdens: list[float | None], params: dict[str, Any], excluded: np.ndarray | None
):
    scan = References(burdens, params, excluded)
    noise = np.array([n or 1.0 for n in scan.noise])
    z = np.array([(b - scan.base[i]) / noise[i] if scan.known[i] else np.nan for i, b in enumerate(burdens)])
    height = np.maximum(params["enter"] / noise, params["enter_noise"])
    path = viterbi(z, height, params)
    runs, i = [], 0
    while i < len(path):
        j = i
        while j + 1 < len(path) and path[j + 1] == path[i]:
            j += 1
        if KINDS[path[i]] != NEUTRAL and (run := close_run(KINDS[path[i]], i, j, scan, params)):
            runs.append(run)
        i = j + 1
    return runs, scan.known


def detect(
    days: list[str], burdens: list[float | None], params: dict[str, Any]
) -> tuple[list[dict], list[str | None]]:
    """(episodes, per-day state). A day's state is None when it has no data or no baseline yet.

    Two passes: the first finds episodes against a baseline of every logged day; the second leaves their
    days out of the baseline and noise and decides again, so a long wave does not raise its own bar. Each
    pass depends only on days within reach, so the whole does too."""
    if not days:
        return [], []
    first, _ = _decode(days, burdens, params, None)
    excluded = np.zeros(len(days), dtype=bool)
    for run in first:
        excluded[run["start"] : run["end"] + 1] = True
    runs, known = _decode(days, burdens, params, excluded)
    states: list[str | None] = [NEUTRAL if k else None for k in known]
    for run in runs:
        for k in run["logged"]:
            states[k] = run["kind"]
    return [_episode(run, days, known, params) for run in runs], states
