"""Windows and waves on a broader synthetic family: precision, recall and false episodes per condition, for
the rule before issue 17, robust baseline + hysteresis, a CUSUM and the current three-state HMM, side by side.

No servers: each method reads the same burden series (tests/support/episode_family.py, fixed seeds,
BENCH_EPISODE_PEOPLE per condition, 200 by default). Writes var/bench/bench_episodes.json.
"""

from __future__ import annotations

import os
import time

from benchmarks import episode_cusum, episode_hysteresis, episodes_v1
from benchmarks.harness import Report
from services.workers.summaries import episodes, params
from tests.support import episode_family as family

PEOPLE = int(os.environ.get("BENCH_EPISODE_PEOPLE", "200"))
OLD_PARAMS = {
    "baseline_days": 28,
    "baseline_skip_days": 0,
    "baseline_min_days": 10,
    "smoothing_days": 3,
    "enter": 2.0,
    "exit": 1.0,
    "min_days": 3,
    "max_gap_days": 2,
}


def methods() -> dict:
    current = params.load()["episodes"]
    return {
        "old rule (+2/+1 points)": lambda d, b: episodes_v1.detect(d, b, OLD_PARAMS)[0],
        "robust baseline + noise-scaled hysteresis": lambda d, b: episode_hysteresis.detect(d, b, current),
        "CUSUM on the same baseline": lambda d, b: episode_cusum.detect(d, b, current),
        "3-state HMM on the same baseline (current)": lambda d, b: episodes.detect(d, b, current)[0],
    }


def main() -> None:
    report = Report("bench_episodes")
    rows = []
    for condition in family.CONDITIONS:
        for name, detect in methods().items():
            started = time.perf_counter()
            s = family.evaluate(detect, condition, range(PEOPLE))
            row = {
                "condition": condition.name,
                "method": name,
                "precision": round(s.precision, 3),
                "recall": round(s.recall, 3),
                "recall_all": round(s.recall_all, 3),
                "false_per_person_year": round(s.false_per_year, 2),
                "planted": s.planted,
                "detected": s.detected,
                "ms_per_person": round((time.perf_counter() - started) * 1000 / PEOPLE, 1),
            }
            rows.append(row)
            print(
                f"{condition.name:34} {name:44} P {row['precision']:.3f} R {row['recall']:.3f} "
                f"(all {row['recall_all']:.3f}) false/yr {row['false_per_person_year']:5.2f} "
                f"{row['ms_per_person']:5.1f} ms",
                flush=True,
            )
    for row in rows:
        key = f"{row['condition']} / {row['method']}"
        report.measure(key, key, row["precision"], "precision", **row)
    print(f"results in {report.write(people_per_condition=PEOPLE)}")


if __name__ == "__main__":
    main()
