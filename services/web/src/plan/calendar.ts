// Days of the plan's schedule arranged as a month calendar (weeks from Monday) and as a list, and the
// month's range to ask the API for. Calendar days are plain "YYYY-MM-DD" text, computed in UTC so no time
// zone can move a day. Pure, so it is unit-tested.

export interface ScheduleDay {
  day: string;
  medications?: Record<string, { mg?: number; tablets?: number; ml?: number }>;
  step?: boolean;
  on_hold?: boolean;
  diazepam_equivalent?: { mg?: number; range_mg?: number[] } | null;
}

export interface AdherenceRow {
  day: string;
  medication: string;
  planned_mg: number;
  logged_mg: number | null;
  state: "as_planned" | "above_plan" | "below_plan" | "not_logged";
}

const DAY_MS = 86_400_000;

function toDate(day: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
}

function toDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return toDay(new Date(toDate(day).getTime() + days * DAY_MS));
}

/** "YYYY-MM" of a day, and the month `offset` months after it. */
export function monthOf(day: string, offset = 0): string {
  const d = toDate(day);
  return toDay(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1))).slice(0, 7);
}

/** The first and last day of a month ("YYYY-MM"). */
export function monthRange(month: string): { from: string; to: string } {
  const from = `${month}-01`;
  const d = toDate(from);
  return { from, to: toDay(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0))) };
}

/** The month's weeks, Monday first; days outside the month are null. */
export function monthWeeks(month: string): (string | null)[][] {
  const { from, to } = monthRange(month);
  const lead = (toDate(from).getUTCDay() + 6) % 7; // Monday = 0
  const cells: (string | null)[] = Array.from({ length: lead }, () => null);
  for (let day = from; day <= to; day = addDays(day, 1)) cells.push(day);
  while (cells.length % 7 !== 0) cells.push(null);
  const weeks: (string | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

/** A day's planned total for display: the one medication's mg, or the diazepam-equivalent total of a crossover. */
export function plannedMg(day: ScheduleDay | undefined, equivalent = false): number | null {
  if (!day) return null;
  const meds = Object.values(day.medications ?? {});
  if (meds.length === 0) return null;
  if (meds.length === 1 && !equivalent) return meds[0]?.mg ?? null;
  return day.diazepam_equivalent?.mg ?? null;
}

/** A day's planned-versus-logged state across its medications: different wins over as planned. */
export function dayState(rows: AdherenceRow[]): AdherenceRow["state"] | null {
  if (rows.length === 0) return null;
  const states = new Set(rows.map((r) => r.state));
  for (const state of ["above_plan", "below_plan", "as_planned"] as const) if (states.has(state)) return state;
  return "not_logged";
}

/** The list view: the days the dose changes (a step, a hold, the start), with the days each dose lasts. */
export function changes(days: ScheduleDay[]): { day: ScheduleDay; until: string }[] {
  const out: { day: ScheduleDay; until: string }[] = [];
  const key = (d: ScheduleDay) => JSON.stringify([d.medications ?? {}, d.on_hold ?? false]);
  days.forEach((d, i) => {
    if (i === 0 || d.step || key(d) !== key(days[i - 1]!)) out.push({ day: d, until: d.day });
    else out[out.length - 1]!.until = d.day;
  });
  return out;
}
