"""A broader family of synthetic burden series with known windows and waves, for judging the episode
detector on data it was not tuned on (benchmarks/bench_episodes.py runs the whole family; the test suite
a fixed subset).

Each person: a daily 0-10 burden over 182 days; a baseline that starts anywhere from 3.5 to 6.5 and drifts
down or up by up to 4 points over the 6 months; a taper cut every 14-28 days followed either by a dip (a
rise in burden of 0.5-1 point fading over 3-7 days) or by a lasting step up or down (0.3-0.8 point); Gaussian
noise of the condition's SD; planted episodes of 3-14 days whose height is the larger of 2-4 points and
2-3 times the person's noise SD; days missing at the condition's rate, in runs of 1-5 days; whole-number
ratings. A
condition without episodes plants none: every episode found there is a false one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

DAYS = 182
FIRST = date(2026, 1, 5)
LOGGED_TO_SEE = 3  # an episode logged on fewer of its days cannot be seen by any method


@dataclass(frozen=True)
class Condition:
    name: str
    noise_sd: float
    missing: float
    episodes: bool = True


CONDITIONS = [
    Condition(f"sd {sd} · {round(m * 100)}% missing", sd, m)
    for sd in (0.5, 1.0, 1.5)
    for m in (0.0, 0.2, 0.35)
] + [
    Condition(f"no episodes · sd {sd} · {round(m * 100)}% missing", sd, m, episodes=False)
    for sd, m in ((0.5, 0.0), (1.0, 0.2), (1.5, 0.35))
]
GOALS = {  # condition -> (precision, recall) the detector must reach; no-episode goal below
    "sd 1.0 · 20% missing": 0.9,
    "sd 1.5 · 35% missing": 0.8,
}
FALSE_PER_YEAR_GOAL = 1.0


@dataclass(frozen=True)
class Episode:
    kind: str
    start: int  # index of its first day
    length: int
    height: float

    @property
    def last(self) -> int:
        return self.start + self.length - 1


@dataclass
class Series:
    days: list[str]
    burdens: list[float | None]
    planted: list[Episode] = field(default_factory=list)

    def observable(self) -> list[Episode]:
        return [
            p
            for p in self.planted
            if sum(self.burdens[i] is not None for i in range(p.start, p.last + 1)) >= LOGGED_TO_SEE
        ]


def person(seed: int, condition: Condition, days: int = DAYS) -> Series:
    rng = random.Random(f"{condition.name}:{seed}")
    sd = condition.noise_sd
    start = rng.uniform(3.5, 6.5)
    end = min(7.5, max(2.5, start + rng.uniform(-4.0, 4.0)))  # stays clear of the scale's ends
    level = [start + (end - start) * i / (days - 1) for i in range(days)]

    cut = rng.randint(14, 28)
    while cut < days:
        if rng.random() < 0.5:  # a dip: burden rises, then fades
            size, fade = rng.uniform(0.5, 1.0), rng.randint(3, 7)
            for i in range(cut, min(days, cut + fade)):
                level[i] += size * (1 - (i - cut) / fade)
        else:  # a step that stays
            size = rng.choice([-1, 1]) * rng.uniform(0.3, 0.8)
            for i in range(cut, days):
                level[i] = min(8.5, max(1.5, level[i] + size))
        cut += rng.randint(14, 28)

    planted: list[Episode] = []
    if condition.episodes:
        cursor = rng.randint(30, 45)
        while cursor < days - 3:
            length = min(rng.randint(3, 14), days - cursor)
            height = max(rng.uniform(2.0, 4.0), rng.uniform(2.0, 3.0) * sd)
            kind = rng.choice(["wave", "window"])
            if level[cursor] - height < 0.5 or level[cursor] + height > 9.5:
                kind = "wave" if level[cursor] - height < 0.5 else "window"  # room on the scale
            planted.append(Episode(kind, cursor, length, height if kind == "wave" else -height))
            cursor += length + rng.randint(10, 30)

    truth = list(level)
    for p in planted:
        for i in range(p.start, p.last + 1):
            truth[i] = level[i] + p.height
    ratings = [min(10.0, max(0.0, float(round(v + rng.gauss(0, sd))))) for v in truth]

    missing: set[int] = set()
    while len(missing) < condition.missing * days:
        start = rng.randint(1, days - 1)
        missing.update(range(start, min(days, start + rng.randint(1, 5))))
    burdens = [None if i in missing else ratings[i] for i in range(days)]
    calendar = [(FIRST + timedelta(days=i)).isoformat() for i in range(days)]
    return Series(calendar, burdens, planted)


@dataclass
class Score:
    detected: int = 0
    detected_true: int = 0
    planted: int = 0
    planted_found: int = 0
    observable: int = 0
    observable_found: int = 0
    person_days: int = 0

    @property
    def precision(self) -> float:
        return self.detected_true / self.detected if self.detected else 1.0

    @property
    def recall(self) -> float:
        """Over the episodes the person logged on at least 3 of their days."""
        return self.observable_found / self.observable if self.observable else 1.0

    @property
    def recall_all(self) -> float:
        return self.planted_found / self.planted if self.planted else 1.0

    @property
    def false_per_year(self) -> float:
        return (self.detected - self.detected_true) / (self.person_days / 365) if self.person_days else 0.0


def overlaps(found: tuple[int, int], planted: Episode) -> bool:
    """The project's matching rule: same kind, overlapping by at least half of the shorter one."""
    shared = min(found[1], planted.last) - max(found[0], planted.start) + 1
    return shared >= min(found[1] - found[0] + 1, planted.length) / 2


def score(series: Series, episodes: list[dict], into: Score) -> Score:
    index = {day: i for i, day in enumerate(series.days)}
    found = [(e["kind"], index[e["start"]], index[e["last_day"]]) for e in episodes]
    seen = series.observable()
    into.detected += len(found)
    into.detected_true += sum(
        any(k == p.kind and overlaps((a, b), p) for p in series.planted) for k, a, b in found
    )
    into.planted += len(series.planted)
    into.planted_found += sum(
        any(k == p.kind and overlaps((a, b), p) for k, a, b in found) for p in series.planted
    )
    into.observable += len(seen)
    into.observable_found += sum(any(k == p.kind and overlaps((a, b), p) for k, a, b in found) for p in seen)
    into.person_days += len(series.days)
    return into


def evaluate(detect, condition: Condition, seeds: range) -> Score:
    """`detect(days, burdens) -> episodes` over the condition's people with these seeds."""
    total = Score()
    for seed in seeds:
        series = person(seed, condition)
        score(series, detect(series.days, series.burdens), total)
    return total
