// Doses taken and check-ins, as this device knows them: those the server holds and those waiting here. An edit
// waiting stands in for what it replaces; a skipped dose, or an entry the server refused, does not count.
// Today names the last dose taken ("did I take it?" is hard to answer in a fog) and offers to start from the
// last check-in; History gives each symptom and check-in the time since the last dose before it, where
// interdose withdrawal would show.
import type { OutboxEntry } from "../store/outbox";
import type { Stored } from "./days";

export interface TakenDose {
  occurred_at: string;
  medication?: string;
  custom_medication?: string;
  amount_mg: number;
}

const TWO_DAYS_MS = 2 * 86_400_000;

/** The entries listed, stored (less those an edit waiting replaces) and waiting (less those refused). */
function listed(stored: Stored[], waiting: OutboxEntry[]): (Record<string, unknown> & { event_id: string; type?: string; occurred_at: string })[] {
  const replaced = new Set(waiting.map((w) => w.replaces).filter(Boolean));
  return [
    ...stored.filter((e) => !replaced.has(e.event_id)).map((e) => ({ ...e.data, event_id: e.event_id, type: e.type, occurred_at: e.occurred_at })),
    ...waiting.filter((w) => w.state !== "rejected").map((w) => w.event),
  ];
}

type Listed = ReturnType<typeof listed>;

function taken(entries: Listed): TakenDose[] {
  return entries.filter((e) => e.type === "dose" && e.status !== "skipped" && typeof e.amount_mg === "number") as unknown as TakenDose[];
}

/** The latest in time (instants compared: an entry logged later for an earlier time is not the latest). */
function latest<T extends { occurred_at: string }>(items: T[]): T | null {
  let last: T | null = null;
  for (const item of items) if (!last || Date.parse(item.occurred_at) > Date.parse(last.occurred_at)) last = item;
  return last;
}

export function lastTaken(stored: Stored[], waiting: OutboxEntry[]): TakenDose | null {
  return latest(taken(listed(stored, waiting)));
}

export interface LoggedCheckIn {
  occurred_at: string;
  overall: number;
  sleep_hours?: number | null;
  sleep_quality?: number | null;
  mood?: number | null;
}

export function lastCheckIn(stored: Stored[], waiting: OutboxEntry[]): LoggedCheckIn | null {
  return latest(listed(stored, waiting).filter((e) => e.type === "check_in" && typeof e.overall === "number") as unknown as LoggedCheckIn[]);
}

/** Minutes from the last dose taken to each symptom and check-in after it, by event_id (none further apart
 * than two days). `from`: the oldest time every entry is listed from (History shows pages of the newest), so
 * a dose older than it is never taken for the last one before an entry. */
export function afterDose(stored: Stored[], waiting: OutboxEntry[], from?: string): Map<string, number> {
  const start = from ? Date.parse(from) : -Infinity;
  const entries = listed(stored, waiting);
  const doses = taken(entries)
    .map((d) => Date.parse(d.occurred_at))
    .filter((at) => at >= start)
    .sort((a, b) => a - b);
  const out = new Map<string, number>();
  for (const entry of entries) {
    if (entry.type !== "symptom" && entry.type !== "check_in") continue;
    const at = Date.parse(entry.occurred_at);
    let before: number | undefined;
    for (const dose of doses) if (dose <= at) before = dose;
    if (before !== undefined && at - before <= TWO_DAYS_MS) out.set(entry.event_id, Math.round((at - before) / 60_000));
  }
  return out;
}
