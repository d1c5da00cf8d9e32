// From the summaries answer to what the Trends chart and its data table draw: one x per calendar day,
// the daily burden with its 7- and 28-day means, windows and waves as bands, the daily dose (diazepam-
// equivalent mg when the catalogue knows every medication taken) with its taper steps, and red flags by day
// (the answer lists them once, at the top level, each with its day). Pure, so it is unit-tested.

export interface SummaryDay {
  day: string;
  has_data?: boolean;
  burden?: number | null;
  rolling?: { burden_7d?: number | null; burden_28d?: number | null } | null;
  state?: string | null;
}

export interface RedFlag {
  day: string;
  code?: string | null;
  label?: string | null;
  severity?: number;
}

export interface DosePoint {
  day: string;
  amount: number;
}

export interface Step {
  day: string;
  from_mg?: number | null;
  to_mg?: number | null;
}

export interface Episode {
  kind: string; // "window" | "wave"
  start: string;
  end?: string | null;
  last_day?: string | null;
  ongoing?: boolean;
}

/** The answer's `baseline`: whether the person has a baseline to find windows and waves against, and how
 * many logged days it can read of those it needs. */
export interface BaselineLike {
  state?: string;
  logged_days?: number;
  needed_days?: number | null;
}

export interface SummaryLike {
  baseline?: BaselineLike | null;
  first_day?: string | null;
  days?: Record<string, unknown>[];
  episodes?: Record<string, unknown>[];
  red_flags?: Record<string, unknown>[];
  dose_timeline?: Record<string, unknown>[];
  dose_unit?: string | null;
  steps?: Record<string, unknown>[];
}

/** The summary from the person's first day with an entry on ("all"): the days before it are empty. */
export function fromFirstDay<T extends SummaryLike & { first_day?: string | null }>(summary: T): T {
  const first = summary.first_day;
  if (!first) return summary;
  return { ...summary, days: (summary.days ?? []).filter((d) => typeof d.day !== "string" || d.day >= first) };
}

export interface DayMark {
  day: string;
  x: number; // seconds, midday of the day
}

export interface Band {
  kind: "window" | "wave";
  start: string;
  end: string | null; // null while ongoing
  lastDay: string;
  x0: number; // seconds, start of the first day
  x1: number; // seconds, end of the last day
}

export interface Row {
  day: string;
  burden: number | null;
  mean7: number | null;
  mean28: number | null;
  state: "window" | "wave" | null;
  dose: number | null;
  redFlags: RedFlag[];
}

export interface ChartData {
  x: number[];
  daily: (number | null)[];
  mean7: (number | null)[];
  mean28: (number | null)[];
  bands: Band[];
  dose: (number | null)[]; // aligned with x; null on days without a dose taken
  doseUnit: string | null;
  steps: (DayMark & { from: number | null; to: number | null })[];
  redFlags: (DayMark & { flags: RedFlag[] })[];
  rows: Row[];
  daysLogged: number;
  // none_in_range: nothing in the days shown, but earlier entries exist (someone back after weeks away).
  status: "no_data" | "none_in_range" | "baseline" | "ready";
  baseline: { logged: number; needed: number }; // while building: logged days it can read, of those it needs
}

const DAY_S = 86400;
// Days of logs before a personal baseline exists and windows and waves can be found (the summaries'
// `episodes.baseline_min_days`, services/workers/summaries/parameters.yaml).
export const BASELINE_MIN_DAYS = 10;

/** Seconds since the epoch at the start of a calendar day, in UTC, so days never shift with time zones. */
export function dayToX(day: string): number {
  const [y, m, d] = day.split("-").map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) / 1000;
}

/** The chart's x range: from the first day's point to the last's, or a lone day (a first check-in) as that
 * day, just inside its midnights so no label names the next (left to uPlot, it spans a thousand days from
 * it: the point at the edge, "Jan 1" under each year). */
export function xRange(x: number[]): [number, number] | null {
  if (x.length === 0) return null;
  const lone = x.length === 1 ? DAY_S / 2 - 1 : 0;
  return [x[0]! - lone, x[x.length - 1]! + lone];
}

/** The x axis's labels for its splits: each day named once, where several splits fall on one day. */
export function dayLabels(splits: number[], name: (x: number) => string): string[] {
  return splits.map((x, i) => (i > 0 && name(splits[i - 1]!) === name(x) ? "" : name(x)));
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function episodeState(state: unknown): "window" | "wave" | null {
  return state === "window" || state === "wave" ? state : null;
}

export function toChartData(summary: SummaryLike): ChartData {
  const days = ((summary.days ?? []) as unknown as SummaryDay[]).filter((d) => typeof d.day === "string");
  days.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const flagsByDay = new Map<string, RedFlag[]>();
  for (const flag of (summary.red_flags ?? []) as unknown as RedFlag[]) {
    if (typeof flag.day === "string") flagsByDay.set(flag.day, [...(flagsByDay.get(flag.day) ?? []), flag]);
  }
  const doseByDay = new Map<string, number>();
  for (const point of (summary.dose_timeline ?? []) as unknown as DosePoint[]) {
    const amount = num(point.amount);
    if (typeof point.day === "string" && amount !== null) doseByDay.set(point.day, amount);
  }
  const rows: Row[] = days.map((d) => ({
    day: d.day,
    burden: num(d.burden),
    mean7: num(d.rolling?.burden_7d),
    mean28: num(d.rolling?.burden_28d),
    state: episodeState(d.state),
    dose: doseByDay.get(d.day) ?? null,
    redFlags: flagsByDay.get(d.day) ?? [],
  }));
  const first = rows[0]?.day;
  const last = rows[rows.length - 1]?.day;
  const bands: Band[] = [];
  for (const raw of (summary.episodes ?? []) as unknown as Episode[]) {
    const kind = episodeState(raw.kind);
    if (!kind || typeof raw.start !== "string") continue;
    const lastDay = raw.end ?? raw.last_day ?? raw.start;
    // Clip to the range shown: an episode may begin before it or run past it.
    const from = first && raw.start < first ? first : raw.start;
    const to = last && lastDay > last ? last : lastDay;
    if (to < from) continue;
    bands.push({ kind, start: raw.start, end: raw.end ?? null, lastDay, x0: dayToX(from), x1: dayToX(to) + DAY_S });
  }
  const inRange = (day: string) => Boolean(first && last && first <= day && day <= last);
  const midday = (day: string) => dayToX(day) + DAY_S / 2;
  const steps = ((summary.steps ?? []) as unknown as Step[])
    .filter((s) => typeof s.day === "string" && inRange(s.day))
    .map((s) => ({ day: s.day, x: midday(s.day), from: num(s.from_mg), to: num(s.to_mg) }));
  const daysLogged = days.filter((d) => d.has_data ?? num(d.burden) !== null).length;
  // Whether there is a baseline is the summaries' own answer (its reach is six weeks either side, not the
  // range shown: a person who logs every third day has 9 days in four weeks and a baseline all the same).
  // Counting the days shown is only for an answer stored before it said so.
  const told = summary.baseline;
  const known = told?.state === "building" || told?.state === "ready";
  const baseline = known
    ? { logged: num(told.logged_days) ?? 0, needed: num(told.needed_days) ?? BASELINE_MIN_DAYS }
    : { logged: daysLogged, needed: BASELINE_MIN_DAYS };
  const building = known ? told.state === "building" : daysLogged < BASELINE_MIN_DAYS;
  const status = daysLogged === 0 ? (summary.first_day ? "none_in_range" : "no_data") : building ? "baseline" : "ready";
  return {
    x: rows.map((r) => midday(r.day)), // each point at midday, inside its day's band
    daily: rows.map((r) => r.burden),
    mean7: rows.map((r) => r.mean7),
    mean28: rows.map((r) => r.mean28),
    bands,
    dose: rows.map((r) => r.dose),
    doseUnit: doseByDay.size > 0 ? (summary.dose_unit ?? null) : null,
    steps,
    redFlags: rows.filter((r) => r.redFlags.length > 0).map((r) => ({ day: r.day, x: midday(r.day), flags: r.redFlags })),
    rows,
    daysLogged,
    status,
    baseline,
  };
}

/** One symptom's small multiple: its worst severity each day (0-4, null when not logged), aligned with the
 * days of toChartData. */
export interface SymptomSeries {
  key: string;
  code: string | null;
  label: string;
  max: (number | null)[];
  daysLogged: number;
  highest: number;
}

interface SymptomLegendLike {
  code?: string | null;
  label?: string | null;
}

/** Every symptom logged in the range, the most often logged first (then by label). */
export function symptomSeries(summary: SummaryLike & { symptoms?: Record<string, unknown> }): SymptomSeries[] {
  const days = ((summary.days ?? []) as unknown as (SummaryDay & { symptoms?: Record<string, { max?: unknown }> })[])
    .filter((d) => typeof d.day === "string")
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const legend = (summary.symptoms ?? {}) as Record<string, SymptomLegendLike>;
  const keys = new Set<string>(days.flatMap((d) => Object.keys(d.symptoms ?? {})));
  const series = [...keys].map((key) => {
    const max = days.map((d) => num(d.symptoms?.[key]?.max));
    const logged = max.filter((v): v is number => v !== null);
    return { key, code: legend[key]?.code ?? null, label: legend[key]?.label ?? key, max, daysLogged: logged.length, highest: Math.max(0, ...logged) };
  });
  return series.sort((a, b) => b.daysLogged - a.daysLogged || a.label.localeCompare(b.label));
}

export const EQUIVALENT_UNIT = "mg diazepam-equivalent";

interface PlannedDayLike {
  day?: string;
  medications?: Record<string, { mg?: number }>;
  diazepam_equivalent?: { mg?: number } | null;
}

/** The plan's planned daily dose on the chart's days, in the logged dose's unit (diazepam-equivalent mg, or
 * mg of the one medication), so both lines share the right-hand scale. Days the plan does not cover (before
 * it starts, after it ends, or when no common unit exists) are null. */
export function withPlanned(data: ChartData, days: PlannedDayLike[]): ChartData & { planned: (number | null)[]; plannedUnit: string | null } {
  const single = days.every((d) => Object.keys(d.medications ?? {}).length <= 1);
  const unit = data.doseUnit ?? (days.some((d) => num(d.diazepam_equivalent?.mg) !== null) ? EQUIVALENT_UNIT : "mg");
  const byDay = new Map<string, number | null>();
  for (const d of days) {
    if (typeof d.day !== "string") continue;
    const meds = Object.values(d.medications ?? {});
    const value = unit === EQUIVALENT_UNIT ? num(d.diazepam_equivalent?.mg) : single ? num(meds[0]?.mg) : null;
    byDay.set(d.day, meds.length === 0 ? null : value);
  }
  const planned = data.rows.map((r) => byDay.get(r.day) ?? null);
  const any = planned.some((v) => v !== null);
  return { ...data, planned, plannedUnit: any ? unit : null };
}
