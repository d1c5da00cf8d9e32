// This device's reminders belong to whoever is signed in on it. Once it is signed out, from here or from
// another device, they go: no reminder reaches it any more, and whoever signs in next starts with reminders
// that name no dose.
import { setShowDoses } from "./notifications";
import { forget } from "./push";

export async function forgetReminders(): Promise<void> {
  await Promise.allSettled([forget(), setShowDoses(false)]);
}
