// Reminders in the service worker (imported by the generated worker, see vite.config.ts). A check-in
// reminder shows a notification that opens the app. A dose reminder shows with Taken / Skipped; a tap on one
// records it with POST /v1/doses/confirm and the dose's token (no session needed). Offline, the answer waits
// in IndexedDB and is sent at the next sync or when the app opens (src/store/confirmations.ts reads the same
// store); the server records a dose once, so a resend is always safe. What the notification says comes
// from reminder-text.js, imported before this.
/* eslint-env serviceworker */
/* global reminderText */
const CONFIRM_URL = "/v1/doses/confirm";
const DB_NAME = "track-your-healing-confirmations";
const STORE = "pending";
const SYNC_TAG = "dose-confirmations";
// What the app recorded for this device: its language and whether to name doses (src/settings/notifications.ts).
const DEVICE_DB = "track-your-healing-reminders";
const DEVICE_STORE = "device";
const DEVICE_KEY = "display";

/** The app's record for the worker, or undefined (never opened since, or no IndexedDB): then the defaults. */
function deviceDisplay() {
  return new Promise((resolve) => {
    const open = indexedDB.open(DEVICE_DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(DEVICE_STORE);
    open.onsuccess = () => {
      const db = open.result;
      const read = db.transaction(DEVICE_STORE).objectStore(DEVICE_STORE).get(DEVICE_KEY);
      read.onsuccess = () => resolve(read.result);
      read.onerror = () => resolve(undefined);
      read.transaction.oncomplete = () => db.close();
    };
    open.onerror = () => resolve(undefined);
  }).catch(() => undefined);
}

function openQueue() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "token" });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

function withStore(mode, work) {
  return openQueue().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const result = work(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        tx.onerror = () => reject(tx.error);
      }),
  );
}

/** "sent" when the server has decided (recorded now or before, or the token can never work), "retry" otherwise. */
async function send(token, status) {
  let response;
  try {
    response = await fetch(CONFIRM_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Requested-With": "TrackYourHealing" },
      body: JSON.stringify({ token, status }),
    });
  } catch {
    return "retry"; // no network
  }
  return response.ok || (response.status >= 400 && response.status < 500 && response.status !== 429) ? "sent" : "retry";
}

async function flush() {
  const pending = (await withStore("readonly", (store) => store.getAll())) || [];
  for (const entry of pending) {
    if ((await send(entry.token, entry.status)) === "sent") await withStore("readwrite", (store) => store.delete(entry.token));
  }
}

async function confirm(token, status) {
  if ((await send(token, status)) === "sent") return;
  await withStore("readwrite", (store) => store.put({ token, status, at: new Date().toISOString() }));
  try {
    await self.registration.sync?.register(SYNC_TAG);
  } catch {
    // Background sync is not everywhere: the app sends what waits when it next opens.
  }
}

self.addEventListener("push", (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch {
    return;
  }
  if (payload.kind === "checkin_reminder") {
    event.waitUntil(
      deviceDisplay().then((device) => {
        const text = reminderText.composeCheckIn(device, self.navigator.language);
        // One tag a day: the same reminder sent twice replaces itself instead of showing twice.
        const options = { body: text.body, tag: `checkin-${payload.day}`, data: { url: payload.url || "/app/" } };
        return self.registration.showNotification(text.title, options);
      }),
    );
    return;
  }
  if (payload.kind !== "dose_reminder") return;
  event.waitUntil(
    deviceDisplay().then((device) => {
      const text = reminderText.compose(payload, device, self.navigator.language);
      return self.registration.showNotification(text.title, {
        body: text.body,
        tag: `dose-${payload.day}-${payload.time}`,
        // Every dose at this time (two or three during a crossover), each recorded with its own token.
        data: { tokens: (payload.doses || []).map((d) => d.token).filter(Boolean), token: payload.token, url: payload.url || "/app/" },
        actions: [
          { action: "taken", title: text.taken },
          { action: "skipped", title: text.skipped },
        ],
      });
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  const { tokens, token, url } = event.notification.data || {};
  const all = tokens && tokens.length ? tokens : token ? [token] : [];
  event.notification.close();
  if ((event.action === "taken" || event.action === "skipped") && all.length) {
    event.waitUntil(Promise.all(all.map((t) => confirm(t, event.action))));
    return;
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).pathname.startsWith("/app/"));
      return open ? open.focus() : self.clients.openWindow(url || "/app/");
    }),
  );
});

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(flush());
});

// The browser renewed this device's subscription (Firefox does, when a push service rotates it): store the
// new one at once, or reminders would stop reaching the device until the app is next opened. Signed out
// meanwhile (401), the device keeps none.
async function renew(event) {
  let subscription = event.newSubscription;
  if (!subscription) {
    const key = event.oldSubscription?.options?.applicationServerKey ?? (await (await fetch("/v1/push/key")).json()).public_key;
    subscription = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }
  const response = await fetch("/v1/push/subscriptions", {
    method: "PUT",
    headers: { "Content-Type": "application/json", "X-Requested-With": "TrackYourHealing" },
    body: JSON.stringify(subscription.toJSON()),
  });
  if (response.status === 401) await subscription.unsubscribe();
}

self.addEventListener("pushsubscriptionchange", (event) => event.waitUntil(renew(event)));
