// The app's IndexedDB: entries waiting to sync (outbox) and the last answers seen (cache), so the app opens
// and logs without a network, and closing the tab loses nothing.
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { OutboxEntry } from "./outbox";

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

/** Forget everything this device holds for the person (an explicit sign-out). */
export async function clearAll(db: Database): Promise<void> {
  await db.clear("outbox");
  await db.clear("cache");
}
