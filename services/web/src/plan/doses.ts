// Taken / Skipped for a day's planned doses: today's, or an earlier day's left unanswered then. Each is an
// ordinary dose event under the event_id the server gave that dose, sent through the outbox: offline it waits
// on the device, and the server stores an event_id once. The choice is remembered here at the first tap, so a
// second tap sends nothing that could differ from the first; a dose answered first elsewhere (its reminder,
// another device) keeps that answer.
import { localIso } from "../store/outbox";
import type { TodayDose } from "../store/plan";
import { logEvent } from "../store/syncer";

const KEY = "tyh.dose_choices";
const KEEP = 60; // ten days of six doses: enough to cover any answer still cached on the device

export type Choice = "taken" | "skipped";

function choices(): [string, Choice][] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? "[]") as [string, Choice][];
  } catch {
    return [];
  }
}

/** What was chosen on this device for a dose, if anything. */
export function chosen(eventId: string): Choice | undefined {
  return choices().find(([id]) => id === eventId)?.[1];
}

/** When an earlier day's dose is logged as happening: its planned time that day (as its reminder's answer
 * is), never later than now. */
export function plannedAt(day: string, time: string, now: Date = new Date()): string {
  const planned = new Date(`${day}T${time}`); // the device's clock, as the day chosen is
  return localIso(planned < now ? planned : now);
}

/** Record the choice once (for `day`, an earlier day's dose, else as now); false when this dose was already
 * answered on this device. */
export async function confirmDose(dose: TodayDose, status: Choice, day?: string): Promise<boolean> {
  if (dose.status || chosen(dose.event_id)) return false;
  localStorage.setItem(KEY, JSON.stringify([[dose.event_id, status], ...choices()].slice(0, KEEP)));
  const occurred_at = day ? plannedAt(day, dose.time) : localIso();
  await logEvent(
    { event_id: dose.event_id, type: "dose", occurred_at, medication: dose.medication, amount_mg: dose.mg, status },
    { planned: true },
  );
  return true;
}
