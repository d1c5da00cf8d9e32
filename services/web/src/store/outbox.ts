// The sync queue. Every entry is stored here first, with its event_id and the device clock, and leaves the
// device only when the server's per-event status says it is stored ("accepted") or already was
// ("duplicate"). A rejected entry (422, a 409 conflict) stays, with the server's problem, for the person to
// see, except a planned dose's answer in conflict: the dose was answered first elsewhere (its reminder,
// another device), and the first answer is the one kept, as for a reminder's own.
// Resending is always safe: the event_id makes the server store an event exactly once.
// An edit is a new event that `replaces` a stored one (the API has no update): the old one is deleted only
// after the new one is stored, so an edit made offline, or refused, never loses what was there.
import type { Database } from "./db";

export type EventBody = { event_id: string; type: string; occurred_at: string } & Record<string, unknown>;

export interface Problem {
  status?: number;
  title?: string;
  detail?: string;
  [key: string]: unknown;
}

export interface OutboxEntry {
  event: EventBody;
  logged_at: string; // device clock when logged (ISO, with offset via occurred_at)
  state: "pending" | "rejected";
  problem?: Problem;
  replaces?: string; // event_id of the stored event this entry is an edit of
  planned?: true; // the answer to a planned dose, under the id the server gave that dose
}

export type EntryKind = Pick<OutboxEntry, "replaces" | "planned">;

export interface BatchAnswer {
  results?: { index?: number; event_id?: string | null; status?: string; problem?: Record<string, unknown> }[];
}

/** Sends one batch; throws on a network failure or a refused request (nothing was decided per event). */
export type SendBatch = (body: { sent_at: string; events: EventBody[] }) => Promise<BatchAnswer>;

/** The server refused the whole request, with this HTTP status and problem. */
export class BatchRefused extends Error {
  constructor(
    readonly status: number,
    readonly problem?: Problem,
  ) {
    super(`batch refused: ${status}`);
  }
}

/** Deletes one stored event; resolves when it is gone (also when it already was), throws when that is unknown. */
export type RemoveEvent = (eventId: string) => Promise<void>;

export const MAX_BATCH = 200; // well under the server's 500, so one slow request never holds everything
const STORED = new Set(["accepted", "duplicate"]);
// Refusals of the request as sent (malformed, too large, invalid as a whole): sending the same again never
// succeeds, so the batch is split to find the entry that causes it. Others (signed out, too many requests,
// the server down) are waited out.
const REFUSED_AS_SENT = new Set([400, 413, 422]);
const CONFLICT = "https://trackyourhealing.org/problems/event-id-conflict";

/** The device's time with its UTC offset, as the API wants `occurred_at` and `sent_at`. */
export function localIso(date: Date = new Date()): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

export function newEventId(): string {
  return crypto.randomUUID();
}

/** Keep an event on the device until the server has it. */
export async function enqueue(db: Database, event: EventBody, now: Date = new Date(), kind: EntryKind = {}): Promise<OutboxEntry> {
  const entry: OutboxEntry = { event, logged_at: localIso(now), state: "pending", ...kind };
  await db.put("outbox", entry);
  return entry;
}

export async function entries(db: Database): Promise<OutboxEntry[]> {
  return db.getAllFromIndex("outbox", "by_logged");
}

export async function counts(db: Database): Promise<{ pending: number; rejected: number }> {
  const all = await db.getAll("outbox");
  const rejected = all.filter((e) => e.state === "rejected").length;
  return { pending: all.length - rejected, rejected };
}

export async function discard(db: Database, eventId: string): Promise<void> {
  await db.delete("outbox", eventId);
}

export interface SyncOutcome {
  stored: number;
  rejected: number;
  remaining: number;
  error?: unknown;
}

/** Send what is pending, batch by batch, oldest first, applying each event's status as it comes back. A
 * batch refused as a whole is sent again in halves, so one entry the server can never take is kept as
 * rejected, for the person to see, instead of holding back every entry logged after it. */
export async function sync(
  db: Database,
  send: SendBatch,
  now: () => Date = () => new Date(),
  remove: RemoveEvent = () => Promise.reject(new Error("no way to delete")),
): Promise<SyncOutcome> {
  let stored = 0;
  let rejected = 0;
  let limit = MAX_BATCH;
  for (;;) {
    const pending = (await entries(db)).filter((e) => e.state === "pending").slice(0, limit);
    if (pending.length === 0) break;
    let answer: BatchAnswer;
    try {
      answer = await send({ sent_at: localIso(now()), events: pending.map((e) => e.event) });
    } catch (error) {
      if (!(error instanceof BatchRefused && REFUSED_AS_SENT.has(error.status))) {
        return { stored, rejected, remaining: (await counts(db)).pending, error };
      }
      if (pending.length > 1) {
        limit = Math.ceil(pending.length / 2);
      } else {
        const [entry] = pending as [OutboxEntry];
        await db.put("outbox", { ...entry, state: "rejected", problem: error.problem ?? { status: error.status } });
        rejected += 1;
        limit = MAX_BATCH;
      }
      continue;
    }
    limit = MAX_BATCH;
    const tx = db.transaction("outbox", "readwrite");
    const edits: OutboxEntry[] = [];
    let decided = 0;
    for (const result of answer.results ?? []) {
      const entry = result.index === undefined ? undefined : pending[result.index];
      if (!entry || entry.event.event_id !== result.event_id) continue; // answers only what was sent
      decided += 1;
      if (STORED.has(result.status ?? "") && entry.replaces) {
        edits.push(entry); // stays until the old version is gone
      } else if (STORED.has(result.status ?? "") || (entry.planned && result.problem?.type === CONFLICT)) {
        await tx.store.delete(entry.event.event_id);
        stored += 1;
      } else if (result.status === "rejected") {
        await tx.store.put({ ...entry, state: "rejected", problem: (result.problem ?? {}) as Problem });
        rejected += 1;
      }
    }
    await tx.done;
    for (const edit of edits) {
      try {
        await remove(edit.replaces ?? "");
      } catch (error) {
        // Sent again next time (answered "duplicate"), and the deletion tried again.
        return { stored, rejected, remaining: (await counts(db)).pending, error };
      }
      await db.delete("outbox", edit.event.event_id);
      stored += 1;
    }
    if (decided === 0) {
      // An answer that settles nothing would loop forever; keep everything and try again later.
      return { stored, rejected, remaining: (await counts(db)).pending, error: new Error("empty answer") };
    }
  }
  return { stored, rejected, remaining: 0 };
}
