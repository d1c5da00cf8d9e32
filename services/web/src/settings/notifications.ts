// What this device's dose reminders say, recorded where the service worker reads it (public/push-sw.js,
// public/reminder-text.js): the app's language, and whether the person chose to see the doses named. A
// notification shows on a locked screen, so by default it says only the time; the choice is per device.
import { openDB } from "idb";
import type { MedicationCatalog } from "../api/client";
import { medicationNames } from "../i18n/catalog";
import type { Locale } from "../i18n/i18n";

const DB_NAME = "track-your-healing-reminders"; // the worker's names: keep both alike
const STORE = "device";
const KEY = "display";

export interface Display {
  language: Locale;
  showDoses: boolean;
  /** Medication names by code in that language, where they differ from the push's English ones. */
  names: Record<string, string>;
}

function open(name: string) {
  return openDB(name, 1, { upgrade: (db) => void db.createObjectStore(STORE) });
}

export async function readDisplay(name: string = DB_NAME): Promise<Partial<Display>> {
  const db = await open(name);
  try {
    return ((await db.get(STORE, KEY)) as Partial<Display> | undefined) ?? {};
  } finally {
    db.close();
  }
}

async function update(change: Partial<Display>, name: string): Promise<void> {
  const db = await open(name);
  try {
    const tx = db.transaction(STORE, "readwrite");
    const now = ((await tx.store.get(KEY)) as Partial<Display> | undefined) ?? {};
    await tx.store.put({ ...now, ...change }, KEY);
    await tx.done;
  } finally {
    db.close();
  }
}

/** The app's language, with the medication names in it from the catalogue the app has (none when it has
 * none yet: the push's English names show until it does). */
export function recordLanguage(locale: Locale, medications?: MedicationCatalog, name: string = DB_NAME): Promise<void> {
  return update({ language: locale, names: medicationNames(medications, locale) }, name);
}

export async function showsDoses(name: string = DB_NAME): Promise<boolean> {
  return (await readDisplay(name)).showDoses === true;
}

export function setShowDoses(on: boolean, name: string = DB_NAME): Promise<void> {
  return update({ showDoses: on }, name);
}
