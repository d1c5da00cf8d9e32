// The app's IndexedDB: entries waiting to sync (outbox) and the last answers seen (cache), so the app opens
// and logs without a network, and closing the tab loses nothing.
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import { STORAGE_KEY as LOCALE_KEY } from "../i18n/i18n";
import { KEY as PAPER_KEY } from "../reports/paper";
import type { OutboxEntry } from "./outbox";

// This device's own choices, kept for whoever signs in next: its language and its paper. Every other "tyh."
// key in localStorage is the person's (recent symptoms, planned doses answered, the welcome seen).
const DEVICE_KEYS = new Set([LOCALE_KEY, PAPER_KEY]);

export interface CacheRecord {
  key: string;
  value: unknown;
  saved_at: string;
}

export interface AppDB extends DBSchema {
  outbox: { key: string; value: OutboxEntry; indexes: { by_logged: string } };
  cache: { key: string; value: CacheRecord };
}

export const DB_NAME = "track-your-healing";

export function openAppDB(name: string = DB_NAME): Promise<IDBPDatabase<AppDB>> {
  return openDB<AppDB>(name, 1, {
    upgrade(db) {
      const outbox = db.createObjectStore("outbox", { keyPath: "event.event_id" });
      outbox.createIndex("by_logged", "logged_at");
      db.createObjectStore("cache", { keyPath: "key" });
    },
  });
}

export type Database = IDBPDatabase<AppDB>;

export async function cachePut(db: Database, key: string, value: unknown): Promise<void> {
  await db.put("cache", { key, value, saved_at: new Date().toISOString() });
}

export async function cacheGet<T>(db: Database, key: string): Promise<{ value: T; saved_at: string } | undefined> {
  const record = await db.get("cache", key);
  return record ? { value: record.value as T, saved_at: record.saved_at } : undefined;
}

/** Forget the answers kept for offline use (a sign-in that lapsed); entries waiting to sync stay. */
export async function clearCache(db: Database): Promise<void> {
  await db.clear("cache");
}

/** Forget everything this device holds for the person (an explicit sign-out, or their account erased). */
export async function clearAll(db: Database): Promise<void> {
  await db.clear("outbox");
  await db.clear("cache");
  const storage = globalThis.localStorage;
  if (!storage) return;
  const personal = Object.keys(storage).filter((key) => key.startsWith("tyh.") && !DEVICE_KEYS.has(key));
  for (const key of personal) storage.removeItem(key);
}
