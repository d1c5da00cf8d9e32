// When what Today saves happened: now, or an earlier time the person chooses (a day missed, logged the next
// morning). Held only while Today is open, so a time in the past is never carried into a later visit.
import type { ComponentChildren } from "preact";
import { createContext } from "preact";
import { useContext, useState } from "preact/hooks";
import { formatDateTime, t, type MessageKey } from "../i18n/i18n";
import { localIso } from "../store/outbox";

/** undefined: now; null: an earlier time that cannot be used yet; else that time (`occurred_at`). */
type Earlier = string | null | undefined;
const EarlierContext = createContext<Earlier>(undefined);

const DAY_MS = 86_400_000;
// The API places nothing more than five years back; the app asks for less, so it is never refused.
const OLDEST_DAYS = 5 * 365;

/** A datetime-local input's value ("YYYY-MM-DDTHH:MM", the device's clock) for a moment. */
const inputValue = (date: Date) => localIso(date).slice(0, 16);

/** What keeps an earlier time from being used, or null. */
export function earlierProblem(value: string, now: Date = new Date()): MessageKey | null {
  const at = new Date(value);
  if (!value || Number.isNaN(at.getTime())) return "today.earlier_missing";
  if (at > now) return "today.earlier_future";
  if (now.getTime() - at.getTime() > OLDEST_DAYS * DAY_MS) return "today.earlier_too_old";
  return null;
}

/** The choice of an earlier time, above what it applies to (`children`): closed, everything is saved as now. */
export function EarlierTime({ children }: { children: ComponentChildren }) {
  const [open, setOpen] = useState(false);
  // Yesterday at this time: the usual reason to open it.
  const [value, setValue] = useState(() => inputValue(new Date(Date.now() - DAY_MS)));
  const problem = open ? earlierProblem(value) : null;
  const earlier: Earlier = !open ? undefined : problem ? null : localIso(new Date(value));
  return (
    <EarlierContext.Provider value={earlier}>
      <details class="earlier" onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>{t("today.earlier")}</summary>
        <label for="earlier-at">{t("today.earlier_at")}</label>
        <input id="earlier-at" type="datetime-local" value={value} max={inputValue(new Date())} onInput={(e) => setValue(e.currentTarget.value)} aria-invalid={problem ? true : undefined} aria-describedby="earlier-note" />
        {/* Always there, so a screen reader hears the problem, or the time everything is saved for, as it changes. */}
        <p id="earlier-note" class={problem ? "error" : "saved"} aria-live="polite">
          {problem ? t(problem) : earlier ? t("today.earlier_note", { time: formatDateTime(earlier) }) : ""}
        </p>
      </details>
      {children}
    </EarlierContext.Provider>
  );
}

/** When an entry saved now happened: `at()`, the earlier time chosen or else now; `blocked` while the earlier
 * time chosen cannot be used (nothing is saved then, rather than saved as now); `earlier`, the time chosen;
 * `said(words)`, a save's words, naming the earlier time it was logged for. */
export function useEarlier() {
  const earlier = useContext(EarlierContext);
  return {
    blocked: earlier === null,
    earlier: earlier ?? undefined,
    at: () => earlier ?? localIso(),
    said: (words: string) => (earlier ? `${words} ${t("today.logged_for", { time: formatDateTime(earlier) })}` : words),
  };
}
