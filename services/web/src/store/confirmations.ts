// Dose answers given from a reminder while offline: the service worker (public/push-sw.js) keeps them in
// this IndexedDB store; the app sends them when it syncs. The server records each dose once, so a
// confirmation sent by both is harmless.
import { openDB } from "idb";
import { api } from "../api/client";

const DB_NAME = "track-your-healing-confirmations"; // the worker's names: keep both alike
const STORE = "pending";

interface Pending {
  token: string;
  status: "taken" | "skipped";
}

function open() {
  return openDB(DB_NAME, 1, { upgrade: (db) => void db.createObjectStore(STORE, { keyPath: "token" }) });
}

/** Send what waits; each leaves once the server has decided it (a 4xx other than 429 can never succeed). */
export async function flushConfirmations(): Promise<void> {
  const db = await open();
  try {
    for (const entry of (await db.getAll(STORE)) as Pending[]) {
      const { response } = await api.POST("/v1/doses/confirm", { body: { token: entry.token, status: entry.status } });
      const decided = response.ok || (response.status >= 400 && response.status < 500 && response.status !== 429);
      if (decided) await db.delete(STORE, entry.token);
    }
  } finally {
    db.close();
  }
}
