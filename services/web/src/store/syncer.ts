// Runs the sync queue for the app: after each new entry, when the browser comes back online, at start and
// every half minute while something waits; and tells the screens how many entries wait.
import { api, type Schemas } from "../api/client";
import { flushConfirmations } from "./confirmations";
import { openAppDB, type Database } from "./db";
import {
  BatchRefused,
  counts,
  enqueue,
  sync,
  type EntryKind,
  type EventBody,
  type Problem,
  type RemoveEvent,
  type SendBatch,
} from "./outbox";

export type Counts = { pending: number; rejected: number };
type Listener = (counts: Counts) => void;

const RETRY_MS = 30_000;
let dbPromise: Promise<Database> | undefined;
const listeners = new Set<Listener>();
let running: Promise<void> | undefined;
let again = false;

export function database(): Promise<Database> {
  dbPromise ??= openAppDB();
  return dbPromise;
}

export const sendBatch: SendBatch = async (body) => {
  // The outbox keeps each event as it was logged (entries may predate this build); the server checks every
  // event and answers per event, so a stale shape is rejected alone rather than blocking the batch.
  const { data, error, response } = await api.POST("/v1/events/batch", { body: body as Schemas["Batch"] });
  if (!data) throw new BatchRefused(response.status, error as Problem | undefined);
  return data;
};

export const removeEvent: RemoveEvent = async (eventId) => {
  const { response } = await api.DELETE("/v1/events/{event_id}", { params: { path: { event_id: eventId } } });
  // 404: already gone (an earlier try was done but its answer lost). Anything else: try again later.
  if (!response.ok && response.status !== 404) throw new Error(`delete refused: ${response.status}`);
};

/** `listener` now, then after each change; the others are not told again (each of Today's readers would ask
 * the server again as each next one subscribed). */
export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  void database()
    .then(counts)
    .then((current) => listeners.has(listener) && listener(current));
  return () => listeners.delete(listener);
}

async function publish(): Promise<void> {
  const current = await counts(await database());
  for (const listener of listeners) listener(current);
}

/** Store an event on this device, then try to send it. Resolves once it is safe in IndexedDB. */
export async function logEvent(event: EventBody, kind: EntryKind = {}): Promise<void> {
  await enqueue(await database(), event, new Date(), kind);
  await publish();
  void syncNow();
}

export function syncNow(): Promise<void> {
  if (running) {
    again = true; // one more pass after this one, for entries added meanwhile
    return running;
  }
  running = (async () => {
    do {
      again = false;
      if (globalThis.navigator?.onLine === false) break;
      await sync(await database(), sendBatch, undefined, removeEvent);
      await publish();
      await flushConfirmations().catch(() => undefined); // answers from a reminder; tried again next time
    } while (again);
  })().finally(() => {
    running = undefined;
  });
  return running;
}

export function startSyncing(): void {
  globalThis.addEventListener("online", () => void syncNow());
  setInterval(async () => {
    if ((await counts(await database())).pending > 0) void syncNow();
  }, RETRY_MS);
  void syncNow();
}

export async function refreshCounts(): Promise<void> {
  await publish();
}
