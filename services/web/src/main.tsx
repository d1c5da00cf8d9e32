import { render } from "preact";
import { App } from "./app";
import { currentLocale } from "./i18n/i18n";
import { keepOffers } from "./settings/install";
import { recordLanguage } from "./settings/notifications";
import { loadMedications } from "./store/remote";
import { startSyncing } from "./store/syncer";
import "./styles.css";

// Chromium's offer to install can come at any moment after the start: kept for Settings' button.
keepOffers();
render(<App />, document.getElementById("root")!);
startSyncing();
// The service worker writes reminders in the app's language, naming doses as the medication catalogue does
// in it (this device's copy when offline): it reads both from here, not localStorage.
void loadMedications()
  .catch(() => undefined)
  .then((loaded) => recordLanguage(currentLocale(), loaded?.value))
  .catch(() => undefined); // no IndexedDB: the worker uses the browser's language

// The service worker keeps the app's files so it opens offline; registered here, not by an inline script.
if ("serviceWorker" in navigator) {
  void navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
}
