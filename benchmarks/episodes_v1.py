"""The windows-and-waves rule before issue 17, kept verbatim for the side-by-side evaluation only
(benchmarks/bench_episodes.py): fixed +2 / +1 point hysteresis over a 28-day baseline. Its parameters were
enter 2.0, exit 1.0, baseline 28 days (at least 10), smoothing 3, min 3 days, gaps of up to 2 days."""

from __future__ import annotations

from statistics import fmean
from typing import Any

WAVE, WINDOW, NEUTRAL = "wave", "window", "neutral"
DISCLAIMER = (
    "Windows and waves have no clinical definition. These are stretches well below or above your own recent "
    "baseline, found by a simple rule; they describe your logs and are not a diagnosis."
)


def interquartile_mean(values: list[float]) -> float:
    """Mean of the middle half: as robust as a median to a few odd days, but not stuck on whole numbers
    when ratings are whole numbers."""
    ordered = sorted(values)
    cut = len(ordered) // 4
    return fmean(ordered[cut : len(ordered) - cut])


def baseline_at(
    i: int, burdens: list[float | None], in_episode: list[bool], params: dict[str, Any]
) -> float | None:
    """The robust centre of the logged days before day i that were not part of a window or wave: an
    episode must not drag the baseline that the days after it are compared with."""
    end = i - params["baseline_skip_days"]
    start = max(0, end - params["baseline_days"])
    prior = [burdens[j] for j in range(start, max(0, end)) if burdens[j] is not None and not in_episode[j]]
    return interquartile_mean(prior) if len(prior) >= params["baseline_min_days"] else None


def _extend(
    run: dict,
    burdens: list[float | None],
    base: list[float | None],
    taken: list[bool],
    params: dict[str, Any],
) -> None:
    """Grow a run over neighbouring logged days that are themselves beyond `exit` the same way: smoothing
    blurs an episode's first and last days, the raw values do not."""
    sign = 1 if run["kind"] == WAVE else -1

    def beyond(j: int) -> bool:
        return (
            burdens[j] is not None
            and base[j] is not None
            and not taken[j]
            and sign * (burdens[j] - base[j]) >= params["exit"]
        )

    while run["start"] > 0 and beyond(run["start"] - 1):
        run["start"] -= 1
        run["deviations"].insert(0, burdens[run["start"]] - base[run["start"]])
    while run["end"] + 1 < len(burdens) and beyond(run["end"] + 1):
        run["end"] += 1
        run["deviations"].append(burdens[run["end"]] - base[run["end"]])


def smoothed(burdens: list[float | None], width: int) -> list[float | None]:
    half = width // 2
    out: list[float | None] = []
    for i, value in enumerate(burdens):
        if value is None:
            out.append(None)
            continue
        near = [v for v in burdens[max(0, i - half) : i + half + 1] if v is not None]
        out.append(fmean(near))
    return out


def _state(deviation: float, current: str, params: dict[str, Any]) -> str:
    enter, exit_ = params["enter"], params["exit"]
    if current == WAVE and deviation >= exit_:
        return WAVE
    if current == WINDOW and deviation <= -exit_:
        return WINDOW
    if deviation >= enter:
        return WAVE
    if deviation <= -enter:
        return WINDOW
    return NEUTRAL


class _Scan:
    """One pass over the days with hysteresis; remembers runs, per-day states and baselines."""

    def __init__(self, burdens: list[float | None], params: dict[str, Any]) -> None:
        self.burdens, self.params = burdens, params
        self.signal = smoothed(burdens, params["smoothing_days"])
        self.in_episode = [False] * len(burdens)
        self.base: list[float | None] = []
        self.states: list[str | None] = []
        self.runs: list[dict] = []
        self.current, self.run, self.gap = NEUTRAL, None, 0

    def scan(self) -> _Scan:
        for i in range(len(self.burdens)):
            self.base.append(baseline_at(i, self.burdens, self.in_episode, self.params))
            if self.signal[i] is None or self.base[i] is None:
                self._unseen()
            else:
                self._seen(i, self.signal[i] - self.base[i])
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

    def _seen(self, i: int, deviation: float) -> None:
        state = _state(deviation, self.current, self.params)
        self.states.append(state)
        self.in_episode[i] = state != NEUTRAL
        if self.run is not None and state != self.run["kind"]:
            self._close()
        if state != NEUTRAL and self.run is None:
            self.run = {"kind": state, "start": i, "end": i, "deviations": [], "baseline": self.base[i]}
        if self.run is not None:
            self.run["end"] = i
            self.run["deviations"].append(deviation)
        self.current, self.gap = state, 0

    def _close(self) -> None:
        finished, self.run, self.gap = self.run, None, 0
        self.runs.append(finished)
        if finished["end"] - finished["start"] + 1 < self.params["min_days"]:
            # Too short to be an episode: its days count towards the baseline after all.
            for j in range(finished["start"], finished["end"] + 1):
                self.in_episode[j] = False


def _episode(run: dict, days: list[str], params: dict[str, Any]) -> dict:
    ongoing = len(days) - 1 - run["end"] <= params["max_gap_days"]
    return {
        "kind": run["kind"],
        "start": days[run["start"]],
        "end": None if ongoing else days[run["end"]],
        "last_day": days[run["end"]],
        "ongoing": ongoing,
        "length_days": run["end"] - run["start"] + 1,
        "baseline": round(run["baseline"], 2),
        "mean_deviation": round(fmean(run["deviations"]), 2),
        "peak_deviation": round(max(run["deviations"], key=abs), 2),
    }


def detect(
    days: list[str], burdens: list[float | None], params: dict[str, Any]
) -> tuple[list[dict], list[str | None]]:
    """(episodes, per-day state). A day's state is None when it has no data or no baseline yet."""
    scan = _Scan(burdens, params).scan()
    states = scan.states
    taken = [False] * len(days)
    for run in scan.runs:
        for j in range(run["start"], run["end"] + 1):
            taken[j] = True
    episodes = []
    for run in scan.runs:
        _extend(run, burdens, scan.base, taken, params)
        long_enough = run["end"] - run["start"] + 1 >= params["min_days"]
        for j in range(run["start"], run["end"] + 1):
            taken[j] = True
            if states[j] is not None:
                states[j] = run["kind"] if long_enough else NEUTRAL
        if long_enough:
            episodes.append(_episode(run, days, params))
    return episodes, states
