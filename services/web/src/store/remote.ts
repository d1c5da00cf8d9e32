// Answers from the API, kept in IndexedDB as they arrive, so an offline start shows the last ones seen.
import { api, type Me, type MedicationCatalog, type Schemas, type Summary, type SymptomCatalog } from "../api/client";
import { forgetReminders } from "../settings/device";
import { cacheGet, cachePut, clearCache } from "./db";
import { database } from "./syncer";

export interface Loaded<T> {
  value: T;
  savedAt?: string; // set when the value came from this device's copy (offline or the server failed)
}

async function cached<T>(key: string, fetcher: () => Promise<T | undefined>): Promise<Loaded<T> | undefined> {
  const db = await database();
  try {
    const value = await fetcher();
    if (value !== undefined) {
      await cachePut(db, key, value);
      return { value };
    }
  } catch (error) {
    if (!(error instanceof TypeError)) throw error; // fetch rejects with a TypeError when the network fails
  }
  const copy = await cacheGet<T>(db, key);
  return copy ? { value: copy.value, savedAt: copy.saved_at } : undefined;
}

export class SignedOut extends Error {}

export async function loadMe(): Promise<Loaded<Me> | undefined> {
  return cached("me", async () => {
    const { data, response } = await api.GET("/v1/me");
    if (response.status === 401) {
      // Signed out elsewhere (or the device was revoked): entries not yet synced stay for the next sign-in.
      await clearCache(await database());
      await forgetReminders();
      throw new SignedOut();
    }
    return data;
  }).catch((error: unknown) => {
    if (error instanceof SignedOut) return undefined;
    throw error;
  });
}

// A catalogue changes only with a release, so one fresh answer serves the page's life: its start (the
// reminders' names) and every screen. A copy from this device (offline) is asked for again the next time.
const catalogues = new Map<string, Promise<Loaded<unknown> | undefined>>();

function catalogue<T>(key: string, fetcher: () => Promise<T | undefined>): Promise<Loaded<T> | undefined> {
  const kept = catalogues.get(key) as Promise<Loaded<T> | undefined> | undefined;
  if (kept) return kept;
  const read = cached(key, fetcher);
  catalogues.set(key, read);
  const forget = () => void catalogues.delete(key);
  read.then((loaded) => (!loaded || loaded.savedAt ? forget() : undefined), forget);
  return read;
}

export function loadSymptoms(): Promise<Loaded<SymptomCatalog> | undefined> {
  return catalogue("catalog:symptoms", async () => (await api.GET("/v1/catalog/symptoms")).data);
}

export function loadMedications(): Promise<Loaded<MedicationCatalog> | undefined> {
  return catalogue("catalog:medications", async () => (await api.GET("/v1/catalog/medications")).data);
}

/** The last `days` local days up to today (the server knows the person's today). */
export function loadSummaries(days: number, from: string, to: string): Promise<Loaded<Summary> | undefined> {
  return cached(`summaries:${days}`, async () => {
    const { data } = await api.GET("/v1/summaries", { params: { query: { from, to } } });
    return data;
  });
}

/** The newest stored events (History), or this device's last copy of them when offline; `next`: the cursor
 * of the page before them, when the server has earlier ones. */
export async function loadEvents(limit = 100): Promise<(Loaded<Schemas["EventOut"][]> & { next: string | null }) | undefined> {
  let next: string | null = null;
  const loaded = await cached("events", async () => {
    const { data } = await api.GET("/v1/events", { params: { query: { limit } } });
    next = data?.next_cursor ?? null;
    return data?.events;
  });
  return loaded && { ...loaded, next: loaded.savedAt ? null : next };
}

/** The newest entries of a kind the server holds, kept for an offline start: doses (a few skipped among them
 * leave one taken), check-ins. */
export function loadRecent(type: "dose" | "check_in", limit: number): Promise<Loaded<Schemas["EventOut"][]> | undefined> {
  return cached(`recent:${type}`, async () => (await api.GET("/v1/events", { params: { query: { type, limit } } })).data?.events);
}

/** A request's answer, or undefined when the network failed (anything else is a bug, and thrown). For what
 * is never kept on the device. */
export async function unlessOffline<T>(request: () => Promise<T>): Promise<T | undefined> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof TypeError) return undefined; // fetch rejects with a TypeError when the network fails
    throw error;
  }
}

/** The page of stored events before `cursor` (never kept on the device); undefined when offline. */
export async function loadEarlierEvents(cursor: string, limit = 100): Promise<Schemas["EventPage"] | undefined> {
  return unlessOffline(async () => (await api.GET("/v1/events", { params: { query: { limit, cursor } } })).data);
}

/** Whether the server holds any entry of the person's; undefined when that cannot be known (offline). */
export async function hasStoredEntries(): Promise<boolean | undefined> {
  const page = await unlessOffline(async () => (await api.GET("/v1/events", { params: { query: { limit: 1 } } })).data);
  return page && page.events.length > 0;
}
