// History's arrangement: entries by the account's local day (the day the server counts them in, in the
// account's time zone, not the phone's: a traveller's entries stay on the days their summaries use), newest day first, each day's entries waiting on this device
// before the stored ones; an edit waiting to sync stands in for the stored version it replaces, and a pending
// entry the server already holds shows once, as stored (the list can be read mid-sync; a refused entry with
// the same id is a conflict and stays in view). And the
// event an edit sends: the stored event's fields with the change, under a new event_id.
import type { Schemas } from "../api/client";
import { dayIn } from "../i18n/i18n";
import type { EventBody, OutboxEntry } from "../store/outbox";

export type Stored = Schemas["EventOut"];

export interface Day {
  day: string; // YYYY-MM-DD, the person's local day
  waiting: OutboxEntry[];
  stored: Stored[];
}

/** `zone`: the account's time zone, the one the server will count a waiting entry's day in (unknown offline
 * before this device ever read it: then the day the device logged it on). */
export function byDay(waiting: OutboxEntry[], stored: Stored[], zone?: string): Day[] {
  const replaced = new Set(waiting.map((w) => w.replaces).filter(Boolean));
  const days = new Map<string, Day>();
  const dayOf = (day: string) => {
    let found = days.get(day);
    if (!found) days.set(day, (found = { day, waiting: [], stored: [] }));
    return found;
  };
  // An edit keeps the zone of the entry it replaces; without a zone, occurred_at's first ten characters are
  // the day the device logged it on (it carries the device's own offset).
  const dayOfWaiting = (event: EventBody) => {
    const counted = typeof event.time_zone === "string" ? event.time_zone : zone;
    return counted ? dayIn(event.occurred_at, counted) : event.occurred_at.slice(0, 10);
  };
  const held = new Set(stored.map((s) => s.event_id));
  for (const entry of waiting) if (entry.state === "rejected" || !held.has(entry.event.event_id)) dayOf(dayOfWaiting(entry.event)).waiting.push(entry);
  for (const event of stored) if (!replaced.has(event.event_id)) dayOf(event.local_day).stored.push(event);
  for (const day of days.values()) day.waiting.reverse(); // newest first, like the stored list
  return [...days.values()].sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
}

/** What an edit changes, by event type. */
export type Change = { overall: number } | { severity: number } | { amount_mg: number } | { text: string };

/** The edited event: same type, time, day and other fields; a new event_id (the API keeps an id to one
 * content). Its day is counted in the stored event's zone: after the person changed zone, an edit must not
 * move an entry to another day (and a wave or window with it). */
export function editedEvent(stored: Stored, change: Change, eventId: string): EventBody {
  return {
    ...(stored.data ?? {}),
    ...change,
    event_id: eventId,
    type: stored.type,
    occurred_at: stored.occurred_at_device,
    ...(stored.time_zone ? { time_zone: stored.time_zone } : {}),
  };
}

/** The number an edit form starts from, and its bounds, or null for events edited as text or not at all. */
export function editable(stored: Stored): { field: "overall" | "severity" | "amount_mg" | "text"; value: number | string } | null {
  const data = stored.data ?? {};
  switch (stored.type) {
    case "check_in":
      return { field: "overall", value: Number(data.overall) };
    case "symptom":
      return { field: "severity", value: Number(data.severity) };
    case "dose":
      return data.status === "skipped" ? null : { field: "amount_mg", value: Number(data.amount_mg) };
    case "note":
      return typeof data.text === "string" ? { field: "text", value: data.text } : null;
    default:
      return null;
  }
}
