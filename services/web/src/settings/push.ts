// Reminders on this device (dose times and the check-in reminder): a Web Push subscription, made only when
// the person switches them on (the browser's permission is asked then, never before), stored with the
// server, and removed when switched off.
// The server forgets it when this device is signed out, from here or elsewhere; the device then forgets it
// too, so the switch never shows on while no reminder can come, and whoever signs in next starts without.
import { api } from "../api/client";

export type PushState = "unsupported" | "denied" | "off" | "on";
export type Outcome = PushState | "unavailable" | "failed";

export function supported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in globalThis && "Notification" in globalThis;
}

async function registration(): Promise<ServiceWorkerRegistration> {
  return navigator.serviceWorker.ready;
}

export async function current(): Promise<PushState> {
  if (!supported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  const subscription = await (await registration()).pushManager.getSubscription();
  return subscription ? "on" : "off";
}

/** The VAPID key as the bytes pushManager.subscribe wants (it is sent base64url-encoded). */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export async function switchOn(): Promise<Outcome> {
  if (!supported()) return "unsupported";
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return permission === "denied" ? "denied" : "off";
  const { data: key } = await api.GET("/v1/push/key");
  if (!key) return "unavailable"; // this server sends no push notifications: reminders come by email
  try {
    const reg = await registration();
    const subscription =
      (await reg.pushManager.getSubscription()) ??
      (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key) }));
    const { response } = await api.PUT("/v1/push/subscriptions", { body: subscription.toJSON() as never });
    if (response.ok) return "on";
    await subscription.unsubscribe();
    return "failed";
  } catch {
    return "failed"; // the browser's push service could not be reached
  }
}

export async function switchOff(): Promise<Outcome> {
  if (!supported()) return "unsupported";
  const subscription = await (await registration()).pushManager.getSubscription();
  if (!subscription) return "off";
  const { response } = await api.DELETE("/v1/push/subscriptions", { body: { endpoint: subscription.endpoint } });
  if (!response.ok && response.status !== 404) return "failed";
  await subscription.unsubscribe();
  return "off";
}

/** Signed in: this device's subscription stored again, so the server knows it as this device's (one stored
 * before devices were recorded, or one the browser renewed). */
export async function resync(): Promise<void> {
  if (!supported() || Notification.permission !== "granted") return;
  const subscription = await existing();
  if (subscription) await api.PUT("/v1/push/subscriptions", { body: subscription.toJSON() as never });
}

/** Signed out, here or elsewhere: no reminder reaches this device any more (the server has forgotten it). */
export async function forget(): Promise<void> {
  await (await existing())?.unsubscribe();
}

/** This device's subscription, without waiting for a worker (`ready` never settles if none registers). */
async function existing(): Promise<PushSubscription | null | undefined> {
  if (!supported()) return undefined;
  return (await navigator.serviceWorker.getRegistration())?.pushManager.getSubscription();
}
