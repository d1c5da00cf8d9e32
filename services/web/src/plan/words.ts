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

/** The next planned step in words, or that there is none. */
export function nextStepText(plan: Plan, name: Names): string {
  const step = plan.progress.next_step;
  const held = (plan.holds ?? []).find((h) => h.until === null && h.start <= plan.progress.today);
  if (!step && held && !plan.ended_on) return t("plan.held", { date: formatDay(held.start) });
  if (!step) return t("plan.no_next_step");
  return t("plan.next_step", { date: formatDay(step.day), medication: name(step.medication), from: mg(step.from_mg), to: mg(step.to_mg) });
}

