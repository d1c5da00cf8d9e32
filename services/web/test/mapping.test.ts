// The Trends chart's data mapping from the summaries answer.
import { describe, expect, it } from "vitest";
import { BASELINE_MIN_DAYS, dayLabels, dayToX, EQUIVALENT_UNIT, fromFirstDay, symptomSeries, toChartData, withPlanned, xRange } from "../src/chart/mapping";

function day(d: string, burden: number | null, extra: Record<string, unknown> = {}) {
  return { day: d, has_data: burden !== null, burden, rolling: { burden_7d: burden, burden_28d: null }, ...extra };
}

describe("toChartData", () => {
  it("says there is no data yet for an empty answer", () => {
    const data = toChartData({ days: [], episodes: [] });
    expect(data.status).toBe("no_data");
    expect(data.x).toEqual([]);
  });

  it("tells nothing in the range shown from nothing ever logged", () => {
    const empty = [day("2026-11-01", null), day("2026-11-02", null)];
    expect(toChartData({ days: empty, first_day: null }).status).toBe("no_data");
    // Back after weeks away: not "your first check-in will start your chart".
    expect(toChartData({ days: empty, first_day: "2026-08-01" }).status).toBe("none_in_range");
  });

  it("counts logged days while the baseline is being built", () => {
    const days = [day("2026-11-01", 4), day("2026-11-02", null), day("2026-11-03", 5)];
    const data = toChartData({ days });
    expect(data.status).toBe("baseline");
    expect(data.daysLogged).toBe(2);
    expect(data.daily).toEqual([4, null, 5]);
  });

  it("takes whether there is a baseline from the answer, not from the days shown", () => {
    // Every third day: 9 logged days in four weeks, and the answer's baseline (six weeks' reach) is ready.
    const days = Array.from({ length: 28 }, (_, i) => day(`2026-11-${String(i + 1).padStart(2, "0")}`, i % 3 === 0 && i < 27 ? 4 : null));
    const ready = toChartData({ days, baseline: { state: "ready", logged_days: 13, needed_days: 10 } });
    expect(ready.daysLogged).toBe(9);
    expect(ready.status).toBe("ready");
    // Back after weeks away: many days shown, but too few within the baseline's reach, and it says how many.
    const building = toChartData({ days, baseline: { state: "building", logged_days: 3, needed_days: 10 } });
    expect(building.status).toBe("baseline");
    expect(building.baseline).toEqual({ logged: 3, needed: 10 });
  });

  it("orders days, puts each point at midday of its day, and keeps gaps as null", () => {
    const days = Array.from({ length: BASELINE_MIN_DAYS + 2 }, (_, i) =>
      day(`2026-11-${String(12 - i).padStart(2, "0")}`, i === 3 ? null : i),
    );
    const data = toChartData({ days });
    expect(data.status).toBe("ready");
    expect(data.rows[0]?.day).toBe("2026-11-01");
    expect(data.x[0]).toBe(dayToX("2026-11-01") + 43200);
    expect(data.x[1]! - data.x[0]!).toBe(86400);
    expect(data.daily.filter((v) => v === null)).toHaveLength(1);
  });

  it("draws windows and waves as bands covering whole days, clipped to the range", () => {
    const days = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"].map((d) => day(d, 3));
    const data = toChartData({
      days,
      episodes: [
        { kind: "wave", start: "2026-11-02", end: "2026-11-03", last_day: "2026-11-03", ongoing: false },
        { kind: "window", start: "2026-10-20", end: null, last_day: "2026-11-09", ongoing: true },
        { kind: "neutral", start: "2026-11-01", end: "2026-11-01" },
      ],
    });
    expect(data.bands).toHaveLength(2);
    const [wave, window] = data.bands;
    expect(wave).toMatchObject({ kind: "wave", start: "2026-11-02", end: "2026-11-03" });
    expect(wave!.x0).toBe(dayToX("2026-11-02"));
    expect(wave!.x1).toBe(dayToX("2026-11-04"));
    expect(window).toMatchObject({ kind: "window", start: "2026-10-20", end: null, lastDay: "2026-11-09" });
    expect(window!.x0).toBe(dayToX("2026-11-01"));
    expect(window!.x1).toBe(dayToX("2026-11-06"));
  });

  it("marks red-flag days from the answer's top-level list, and episode states, in the rows", () => {
    const data = toChartData({
      days: [day("2026-11-01", 8, { state: "wave" }), day("2026-11-02", 5)],
      red_flags: [
        { day: "2026-11-01", code: "seizure", label: "Seizure", severity: 3 },
        { day: "2026-11-01", code: "chest_pain", label: "Chest pain", severity: 2 },
        { day: "2026-10-01", code: "seizure", label: "Seizure", severity: 1 }, // outside the days shown
      ],
    });
    expect(data.rows[0]).toMatchObject({ state: "wave", mean7: 8 });
    expect(data.rows[0]?.redFlags.map((f) => f.code)).toEqual(["seizure", "chest_pain"]);
    expect(data.rows[1]?.redFlags).toEqual([]);
    expect(data.redFlags).toEqual([{ day: "2026-11-01", x: dayToX("2026-11-01") + 43200, flags: data.rows[0]?.redFlags }]);
  });

  it("lines the daily dose up with the days, and marks taper steps within the range", () => {
    const data = toChartData({
      days: ["2026-11-01", "2026-11-02", "2026-11-03"].map((d) => day(d, 3)),
      dose_unit: "mg diazepam-equivalent",
      dose_timeline: [
        { day: "2026-11-01", amount: 10, unit: "mg diazepam-equivalent" },
        { day: "2026-11-03", amount: 9, unit: "mg diazepam-equivalent" },
      ],
      steps: [
        { day: "2026-10-15", from_mg: 12, to_mg: 10 },
        { day: "2026-11-03", from_mg: 10, to_mg: 9 },
      ],
    });
    expect(data.dose).toEqual([10, null, 9]);
    expect(data.doseUnit).toBe("mg diazepam-equivalent");
    expect(data.rows.map((r) => r.dose)).toEqual([10, null, 9]);
    expect(data.steps).toEqual([{ day: "2026-11-03", x: dayToX("2026-11-03") + 43200, from: 10, to: 9 }]);
  });

  it("has no dose unit when no dose was logged in the range", () => {
    const data = toChartData({ days: [day("2026-11-01", 3)], dose_unit: "mg", dose_timeline: [], steps: [] });
    expect(data.dose).toEqual([null]);
    expect(data.doseUnit).toBeNull();
  });
});

describe("symptomSeries", () => {
  it("gives each symptom its worst severity per day on the chart's days, most logged first", () => {
    const days = [
      day("2026-11-03", 5, { symptoms: { tremor: { max: 3, mean: 2, count: 2 } } }),
      day("2026-11-01", 4, { symptoms: { tremor: { max: 1, mean: 1, count: 1 }, "custom:abc": { max: 4, mean: 4, count: 1 } } }),
      day("2026-11-02", null),
    ];
    const symptoms = {
      tremor: { code: "tremor", label: "Tremor", custom: false, red_flag: false },
      "custom:abc": { code: null, label: "Buzzing earlobes", custom: true, red_flag: false },
    };
    const series = symptomSeries({ days, symptoms });
    expect(series.map((s) => s.label)).toEqual(["Tremor", "Buzzing earlobes"]);
    expect(series[0]).toMatchObject({ code: "tremor", max: [1, null, 3], daysLogged: 2, highest: 3 });
    expect(series[1]).toMatchObject({ code: null, max: [4, null, null], daysLogged: 1, highest: 4 });
    expect(toChartData({ days }).rows.map((r) => r.day)).toEqual(["2026-11-01", "2026-11-02", "2026-11-03"]);
  });

  it("is empty when no symptom was logged", () => {
    expect(symptomSeries({ days: [day("2026-11-01", 2)] })).toEqual([]);
  });
});

describe("fromFirstDay", () => {
  it("starts the days at the person's first entry and leaves the rest of the summary alone", () => {
    const days = ["2026-01-01", "2026-01-02", "2026-01-03"].map((day) => ({ day, burden: null }));
    const trimmed = fromFirstDay({ first_day: "2026-01-02", days, episodes: [{ kind: "wave" }] });
    expect(trimmed.days?.map((d) => d.day)).toEqual(["2026-01-02", "2026-01-03"]);
    expect(trimmed.episodes).toHaveLength(1);
  });

  it("keeps every day when there is no entry yet", () => {
    const days = [{ day: "2026-01-01" }];
    expect(fromFirstDay({ first_day: null, days }).days).toEqual(days);
  });
});

describe("withPlanned", () => {
  const logged = toChartData({
    days: [day("2026-11-01", 3), day("2026-11-02", 3), day("2026-11-03", 3)],
    dose_timeline: [{ day: "2026-11-01", amount: 10 }],
    dose_unit: EQUIVALENT_UNIT,
  });

  it("puts the plan's diazepam-equivalent dose on the chart's days, null where the plan has none", () => {
    const planned = withPlanned(logged, [
      { day: "2026-11-02", medications: { clonazepam: { mg: 0.5 } }, diazepam_equivalent: { mg: 10 } },
      { day: "2026-11-03", medications: {}, diazepam_equivalent: null },
    ]);
    expect(planned.planned).toEqual([null, 10, null]);
    expect(planned.plannedUnit).toBe(EQUIVALENT_UNIT);
  });

  it("uses the one medication's mg when the logged line is in mg, and says so when nothing is planned", () => {
    const inMg = { ...logged, doseUnit: "mg" };
    expect(withPlanned(inMg, [{ day: "2026-11-01", medications: { x: { mg: 4 } }, diazepam_equivalent: null }]).planned).toEqual([4, null, null]);
    expect(withPlanned(inMg, []).plannedUnit).toBeNull();
  });
});

describe("the x axis", () => {
  const name = (x: number) => new Intl.DateTimeFormat("en-US", { day: "numeric", month: "short", timeZone: "UTC" }).format(new Date(x * 1000));

  it("gives a first check-in's lone day its whole day, and a span of days from its first point to its last", () => {
    const noon = dayToX("2026-12-07") + 43200;
    expect(xRange([noon])).toEqual([dayToX("2026-12-07") + 1, dayToX("2026-12-08") - 1]);
    expect(xRange([noon - 86400, noon])).toEqual([noon - 86400, noon]);
    expect(xRange([])).toBeNull();
  });

  it("names each day once where several splits fall on it", () => {
    const start = dayToX("2026-12-06");
    const splits = [0, 12, 24, 36, 48].map((h) => start + h * 3600); // every 12 hours over two days
    expect(dayLabels(splits, name)).toEqual(["Dec 6", "", "Dec 7", "", "Dec 8"]);
  });
});
