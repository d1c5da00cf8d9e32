// The plan in words, for Today and the Plan screen: the next planned step and a day's planned doses.
import { formatDay, formatNumber, t } from "../i18n/i18n";
import type { Plan } from "../store/plan";
import type { ScheduleDay } from "./calendar";

export type Names = (code: string) => string;

export const mg = (value: number | null | undefined) => (value === null || value === undefined ? "–" : formatNumber(value, 3));

/** A day's planned doses in words: "Diazepam: 18 mg (9 tablets)". */
export function doseWords(day: ScheduleDay | Record<string, unknown> | undefined, name: Names): string[] {
  const meds = ((day as ScheduleDay | undefined)?.medications ?? {}) as NonNullable<ScheduleDay["medications"]>;
  return Object.entries(meds).map(([code, amount]) => {
    const measured =
      amount.tablets !== undefined
        ? t("plan.tablets", { count: amount.tablets, n: formatNumber(amount.tablets, 3) })
        : amount.ml !== undefined
          ? t("plan.ml", { n: formatNumber(amount.ml, 2) })
          : "";
    return `${t("plan.dose_line", { medication: name(code), mg: mg(amount.mg) })}${measured ? ` (${measured})` : ""}`;
  });
}

/** Whole calendar months from one ISO day to a later one. */
function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split("-").map(Number) as [number, number, number];
  const [ty, tm, td] = to.split("-").map(Number) as [number, number, number];
  return (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0);
}

/** Once the plan has brought every medication to 0 mg: that day and the days since (null before, when the
 * plan ends above 0 mg, or when it was ended before reaching it). */
export function sinceZero(plan: Plan): { day: string; days: number; months: number } | null {
  const { finish, today } = plan.progress;
  if (!finish || finish > today || (plan.ended_on && plan.ended_on < finish)) return null;
  if (plan.medications.some((m) => m.target_mg)) return null;
  const days = Math.round((Date.parse(today) - Date.parse(finish)) / 86_400_000); // ISO days parse as UTC
  return { day: finish, days, months: monthsBetween(finish, today) };
}

function zeroText({ day, days, months }: NonNullable<ReturnType<typeof sinceZero>>): string {
  if (days === 0) return t("plan.zero_today");
  const date = formatDay(day);
  return days < 60 ? t("plan.zero_days", { date, count: days }) : t("plan.zero_months", { date, count: months });
}

/** A month or more after the plan reached 0 mg: what symptoms that go on may be, and who to tell. */
export function protractedNote(plan: Plan): string | null {
  const zero = sinceZero(plan);
  return zero && zero.months >= 1 ? t("plan.protracted") : null;
}

/** The next planned step in words, or that there is none; once the plan has reached 0 mg, how long ago. */
export function nextStepText(plan: Plan, name: Names): string {
  const zero = sinceZero(plan);
  if (zero) return zeroText(zero);
  const step = plan.progress.next_step;
  const held = (plan.holds ?? []).find((h) => h.until === null && h.start <= plan.progress.today);
  if (!step && held && !plan.ended_on) return t("plan.held", { date: formatDay(held.start) });
  if (!step) return t("plan.no_next_step");
  return t("plan.next_step", { date: formatDay(step.day), medication: name(step.medication), from: mg(step.from_mg), to: mg(step.to_mg) });
}

