// What the Reports screen decides without the server: whether a chosen range can be asked for, which
// reports are still on their way (so the list keeps checking), and the email a person sends a link in.
import { dayIn } from "../i18n/i18n";

export const MAX_PERIOD_DAYS = 93; // the API's limit for one report
export const SHARE_DAYS = [7, 14, 30, 90] as const; // the API allows 1 to 90

export type PeriodProblem = "reports.period_missing" | "reports.period_order" | "reports.period_long" | "reports.period_future";

const DAY_MS = 86_400_000;

function dayNumber(day: string): number {
  const [y, m, d] = day.split("-").map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) / DAY_MS;
}

/** Why a custom range cannot be asked for, or null when it can. `today` is the person's local day. */
export function periodProblem(start: string, end: string, today: string): PeriodProblem | null {
  if (!start || !end) return "reports.period_missing";
  if (dayNumber(end) < dayNumber(start)) return "reports.period_order";
  if (dayNumber(end) - dayNumber(start) + 1 > MAX_PERIOD_DAYS) return "reports.period_long";
  if (dayNumber(end) > dayNumber(today)) return "reports.period_future";
  return null;
}

/** The account's day (its time zone, in which the server counts days and refuses a period "still to
 * come"), `offset` days from today; this device's own day when the zone is not known. */
export function accountDay(zone: string | undefined, offset = 0): string {
  if (!zone) return localDay(new Date(), offset);
  const [y, m, d] = dayIn(new Date(), zone).split("-").map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + offset)).toISOString().slice(0, 10);
}

/** A local calendar day as YYYY-MM-DD, `offset` days from `date`. */
export function localDay(date: Date = new Date(), offset = 0): string {
  const d = new Date(date.getFullYear(), date.getMonth(), date.getDate() + offset);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** How long the list waits before its `attempt`-th look at a report still being made (from 0): soon at first,
 * as one takes about a second, then less and less often, so a report held up (workers down) is not asked for
 * every 2 s for as long as the screen stays open. */
export function pollDelay(attempt: number): number {
  return Math.min(2_000 * 2 ** Math.floor(attempt / 3), 30_000);
}

/** Reports the server is still making: while any is, the list looks again. */
export function inProgress(reports: { status?: string }[]): boolean {
  return reports.some((r) => r.status === "queued" || r.status === "building");
}

/** A mailto: link the person sends from their own email (we send the link to no one ourselves). */
export function mailtoLink(url: string, subject: string, body: string): string {
  return `mailto:?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(`${body}\n\n${url}`)}`;
}
