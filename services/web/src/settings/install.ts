// Putting the app on the home screen. Chromium offers to install it (beforeinstallprompt), which the app keeps
// for its own button rather than letting the browser show it unasked. Safari on iPhone and iPad offers nothing
// by itself, and there Web Push, so the dose reminders, exists only in an app added to the Home Screen: the
// person is told the steps. Elsewhere the app says nothing, rather than guess another browser's menus.
import { useEffect, useState } from "preact/hooks";

/** What the app reads about where it runs: `navigator` and `matchMedia`, passed in so tests give their own. */
export interface Surroundings {
  navigator: { userAgent: string; maxTouchPoints: number; standalone?: boolean };
  matchMedia: (query: string) => { matches: boolean };
}

/** Chromium's install offer: `prompt()` shows its dialog once; `userChoice` settles with the answer. */
export interface InstallOffer extends Event {
  prompt(): Promise<unknown>;
  userChoice: Promise<{ outcome: "accepted" | "dismissed" }>;
}

/** installed: running from the home screen (nothing to say); offer: the browser's own install dialog is at
 * hand; ios: iPhone or iPad outside the Home Screen; none: anything else. */
export type Way = "installed" | "offer" | "ios" | "none";

export function installed({ navigator, matchMedia }: Surroundings): boolean {
  return navigator.standalone === true || matchMedia("(display-mode: standalone)").matches;
}

/** An iPhone, iPod or iPad, in any browser (all use Safari's engine there); iPadOS says it is a Mac, but a
 * Mac has no touch screen. */
export function ios({ navigator }: Surroundings): boolean {
  return /iPhone|iPad|iPod/.test(navigator.userAgent) || (/Macintosh/.test(navigator.userAgent) && navigator.maxTouchPoints > 1);
}

export function way(surroundings: Surroundings, offered: boolean): Way {
  if (installed(surroundings)) return "installed";
  if (offered) return "offer";
  return ios(surroundings) ? "ios" : "none";
}

let offer: InstallOffer | undefined;
const watchers = new Set<() => void>();
const changed = () => watchers.forEach((watcher) => watcher());

/** From the app's start (main.tsx), since the offer can come before Settings is opened. */
export function keepOffers(target: EventTarget = window): void {
  target.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    offer = event as InstallOffer;
    changed();
  });
  target.addEventListener("appinstalled", () => {
    offer = undefined;
    changed();
  });
}

/** Whether the browser's install offer is at hand. */
export const offered = () => offer !== undefined;

/** The browser's install dialog; the offer is spent once answered, either way. */
export async function promptToInstall(): Promise<void> {
  const shown = offer;
  if (!shown) return;
  await shown.prompt();
  await shown.userChoice.catch(() => undefined);
  if (offer === shown) offer = undefined;
  changed();
}

function here(): Surroundings {
  return { navigator, matchMedia: (query) => window.matchMedia(query) };
}

/** This device's way to the home screen, again whenever an offer comes or goes. */
export function useInstallWay(): Way {
  const [current, setCurrent] = useState<Way>(() => way(here(), offered()));
  useEffect(() => {
    const watcher = () => setCurrent(way(here(), offered()));
    watchers.add(watcher);
    watcher();
    return () => void watchers.delete(watcher);
  }, []);
  return current;
}
