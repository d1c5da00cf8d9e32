// Screens are paths under /app/ (the server answers every one with the same shell), moved between with
// the History API so the back button works.
import { useEffect, useState } from "preact/hooks";

export const BASE = "/app/";
export type Screen = "today" | "plan" | "trends" | "history" | "reports" | "settings" | "signin";
const SCREENS: Screen[] = ["today", "plan", "trends", "history", "reports", "settings", "signin"];

export function screenOf(pathname: string): Screen {
  const name = pathname.startsWith(BASE) ? pathname.slice(BASE.length).split("/")[0] : "";
  return SCREENS.includes(name as Screen) ? (name as Screen) : "today";
}

export function hrefOf(screen: Screen): string {
  return screen === "today" ? BASE : `${BASE}${screen}`;
}

export function navigate(screen: Screen, replace = false): void {
  const href = hrefOf(screen);
  if (location.pathname !== href) history[replace ? "replaceState" : "pushState"](null, "", href);
  dispatchEvent(new PopStateEvent("popstate"));
}

// Set when the screen changes, until the new screen's heading takes focus (ui/ScreenTitle.tsx).
let arriving = false;

/** Whether this screen was just moved to (once: asking clears it). */
export function arrived(): boolean {
  const was = arriving;
  arriving = false;
  return was;
}

export function useScreen(): Screen {
  const [screen, setScreen] = useState(screenOf(location.pathname));
  useEffect(() => {
    const onPop = () =>
      setScreen((shown) => {
        const next = screenOf(location.pathname);
        if (next !== shown) arriving = true;
        return next;
      });
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  return screen;
}
