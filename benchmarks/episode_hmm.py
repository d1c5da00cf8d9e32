"""A three-state hidden Markov model (window, neutral, wave) decoded per person with the Viterbi algorithm
(L. R. Rabiner, "A tutorial on hidden Markov models", Proc. IEEE 77, 1989), for the side-by-side evaluation
only. Observations are each logged day's deviation from the project's robust baseline in units of the
person's noise (the same baseline and noise as the current rule); an unlogged day carries no evidence. Each
state emits a unit normal around its own mean (0 for neutral, +/- the larger of 2 points and 2 noise for
waves and windows); the transitions make episodes last a week on average and start about once a month.
A decoded run is kept under the same rules as the current one: at least `min_days` long, and standing out
as a whole (mean deviation at least max(`min_mean`, `min_mean_noise` x noise))."""

from __future__ import annotations

from typing import Any

import numpy as np

from services.workers.summaries import episodes

STAY_NEUTRAL, STAY_EPISODE = 0.97, 6 / 7
STATES = (episodes.WINDOW, episodes.NEUTRAL, episodes.WAVE)


def _log_transitions() -> np.ndarray:
    start = (1 - STAY_NEUTRAL) / 2
    leave = 1 - STAY_EPISODE
    return np.log(
        np.array(
            [
                [STAY_EPISODE, leave * 0.9, leave * 0.1],
                [start, STAY_NEUTRAL, start],
                [leave * 0.1, leave * 0.9, STAY_EPISODE],
            ]
        )
    )


def viterbi(z: np.ndarray, height: np.ndarray) -> list[int]:
    """The most likely state index per day; z is nan on days without evidence."""
    trans = _log_transitions()
    means = np.stack([-height, np.zeros_like(height), height], axis=1)
    emit = np.where(np.isnan(z)[:, None], 0.0, -0.5 * (np.nan_to_num(z)[:, None] - means) ** 2)
    score = np.log(np.array([0.01, 0.98, 0.01])) + emit[0]
    back = np.zeros((len(z), 3), dtype=int)
    for t in range(1, len(z)):
        options = score[:, None] + trans
        back[t] = options.argmax(axis=0)
        score = options.max(axis=0) + emit[t]
    path = [int(score.argmax())]
    for t in range(len(z) - 1, 0, -1):
        path.append(int(back[t][path[-1]]))
    return path[::-1]


def detect(days: list[str], burdens: list[float | None], params: dict[str, Any]) -> list[dict]:
    scan = episodes._Scan(burdens, params).scan()  # the same baseline and noise as the current rule
    known = [b is not None and scan.base[i] is not None for i, b in enumerate(burdens)]
    noise = np.array([n or 1.0 for n in scan.noise])
    z = np.array([(b - scan.base[i]) / noise[i] if known[i] else np.nan for i, b in enumerate(burdens)])
    height = np.maximum(params["enter"] / noise, params["enter_noise"])
    path = viterbi(z, height)
    found, i = [], 0
    while i < len(path):
        j = i
        while j + 1 < len(path) and path[j + 1] == path[i]:
            j += 1
        logged = [k for k in range(i, j + 1) if known[k]]
        if STATES[path[i]] != episodes.NEUTRAL and logged:
            run = {
                "kind": STATES[path[i]],
                "start": logged[0],
                "end": logged[-1],
                "baseline": scan.base[logged[0]],
                "noise": noise[logged[0]],
                "deviations": [burdens[k] - scan.base[k] for k in logged],
            }
            if episodes._is_episode(run, params):
                found.append(episodes._episode(run, days, params))
        i = j + 1
    return found
