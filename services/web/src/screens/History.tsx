// History: entries by day, newest first. What waits on this device is marked (with the server's reason when
// it was refused); what the server holds can be edited or deleted. An edit is logged like any entry (so it
// works offline) and replaces the stored version once it is stored; a deletion needs the server.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/client";
import { byDay, editable, editedEvent, type Change, type Stored } from "../history/days";
import { afterDose } from "../history/taken";
import { localMedications, localSymptoms, namesByCode } from "../i18n/catalog";
import { currentLocale, formatDateTime, formatDay, formatNumber, formatTimeIn, t } from "../i18n/i18n";
import { refusal } from "../settings/preferences";
import { discard, entries, newEventId, type OutboxEntry } from "../store/outbox";
import { loadEarlierEvents, loadEvents, loadMedications, loadSymptoms, type Loaded } from "../store/remote";
import { database, logEvent, refreshCounts, subscribe } from "../store/syncer";
import { Announce, useAnnouncement } from "../ui/Announce";
import { Confirm } from "../ui/Confirm";
import { focusLost } from "../ui/focus";
import { Scale } from "../ui/Scale";
import { useSaving } from "../ui/saving";
import { ScreenTitle } from "../ui/ScreenTitle";

type Names = ReturnType<typeof namesByCode>;

/** " · 13 h after a dose": the time since the last dose taken before an entry, if known. */
function afterText(minutes?: number): string {
  if (minutes === undefined) return "";
  const words = minutes < 60 ? t("history.after_dose_min", { count: minutes }) : t("history.after_dose_h", { count: Math.round(minutes / 60) });
  return ` · ${words}`;
}

function describe(type: string | undefined, data: Record<string, unknown>, names: Names): string {
  const symptom = typeof data.code === "string" ? names.symptom(data.code) : String(data.custom_label ?? "");
  const medication = typeof data.medication === "string" ? names.medication(data.medication) : String(data.custom_medication ?? "");
  switch (type) {
    case "check_in":
      return t("history.check_in", { value: Number(data.overall) });
    case "symptom":
      return t("history.symptom", { label: symptom, value: Number(data.severity) });
    case "dose":
      return data.status === "skipped"
        ? t("history.dose_skipped", { label: medication })
        : t("history.dose", { label: medication, amount: formatNumber(Number(data.amount_mg), 3) });
    case "taper_step": {
      const amount = formatNumber(Number(data.new_daily_dose_mg), 3);
      return typeof data.to_medication === "string"
        ? t("history.crossover", { label: medication, to: names.medication(data.to_medication), amount })
        : t("history.taper_step", { label: medication, amount });
    }
    default:
      return typeof data.text === "string" ? t("history.note_text", { text: data.text }) : t("history.note");
  }
}

/** `onDone`: the event_id of the edit logged, or null when left unsaved. */
function EditForm({ event, names, onDone }: { event: Stored; names: Names; onDone: (edit: string | null) => void }) {
  const start = editable(event);
  const [value, setValue] = useState<number | string | null>(start?.value ?? null);
  const submit = useSaving(save);
  if (!start) return null;
  const id = `edit-${event.event_id}`;

  async function save() {
    if (!start || value === null) return;
    const change = { [start.field]: start.field === "amount_mg" ? Number(value) : value } as Change;
    const edit = newEventId();
    await logEvent(editedEvent(event, change, edit), { replaces: event.event_id });
    onDone(edit);
  }

  const valid = start.field === "amount_mg" ? Number(value) > 0 : start.field === "text" ? String(value).trim() !== "" : value !== null;
  return (
    <form class="edit" onSubmit={submit} aria-label={t("history.edit_title", { what: describe(event.type, event.data ?? {}, names) })}>
      {start.field === "overall" && (
        <Scale name={id} legend={t("today.overall")} min={0} max={10} value={value as number} onChange={setValue} low="today.overall_low" high="today.overall_high" />
      )}
      {start.field === "severity" && (
        <Scale name={id} legend={t("history.severity")} min={0} max={4} value={value as number} onChange={setValue} low="today.severity_low" high="today.severity_high" />
      )}
      {start.field === "amount_mg" && (
        <>
          <label for={id}>{t("today.amount")}</label>
          <input id={id} inputMode="decimal" class="short" value={String(value)} onInput={(e) => setValue(e.currentTarget.value.replace(",", "."))} />
        </>
      )}
      {start.field === "text" && (
        <>
          <label for={id}>{t("today.note_text")}</label>
          <textarea id={id} rows={3} maxLength={5000} value={String(value)} onInput={(e) => setValue(e.currentTarget.value)} />
        </>
      )}
      <button type="submit" class="primary" disabled={!valid}>
        {t("history.save_edit")}
      </button>
      <button type="button" onClick={() => onDone(null)}>
        {t("common.cancel")}
      </button>
    </form>
  );
}

/** `focus`: this is an edit just saved, which takes the focus its form had (and keeps it until it is stored). */
function WaitingItem({ entry, names, zone, focus, after, onRemove }: { entry: OutboxEntry; names: Names; zone?: string; focus: boolean; after?: number; onRemove: () => void }) {
  const item = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (focus && focusLost()) item.current?.focus();
  }, [focus]);
  return (
    <li class={entry.state} ref={item} tabIndex={-1}>
      <span>
        {describe(entry.event.type, entry.event, names)}
        <br />
        <span class="muted">
          {formatTimeIn(entry.event.occurred_at, typeof entry.event.time_zone === "string" ? entry.event.time_zone : zone)}
          {afterText(after)}
          {/* A refused entry waits for the person, not for the sync: it says why below. */}
          {entry.state !== "rejected" && ` · ${t(entry.replaces ? "history.pending_edit" : "history.pending")}`}
        </span>
        {entry.problem && (
          <span class="error" role="note">
            <br />
            {t("sync.problem", { detail: refusal(entry.problem) || String(entry.problem.title ?? "") })}
          </span>
        )}
      </span>
      <button type="button" onClick={onRemove}>
        {t("sync.discard")}
      </button>
    </li>
  );
}

/** `focus`: this is an edit just stored, whose Edit button takes the focus its form had. */
function StoredItem({ event, names, focus, after, onChanged, onEdited }: { event: Stored; names: Names; focus: boolean; after?: number; onChanged: () => Promise<void>; onEdited: (edit: string) => void }) {
  const [editing, setEditing] = useState(false);
  // A deletion cannot be undone: it is asked once more (ui/Confirm.tsx), the safe answer first to hand.
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useAnnouncement();
  const item = useRef<HTMLLIElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const what = describe(event.type, event.data ?? {}, names);
  useEffect(() => {
    if (focus && focusLost()) editButton.current?.focus();
  }, [focus]);

  async function remove() {
    setConfirming(false);
    try {
      const { response } = await api.DELETE("/v1/events/{event_id}", { params: { path: { event_id: event.event_id } } });
      if (!response.ok && response.status !== 404) return setError(t("common.error"));
    } catch {
      return setError(t("history.delete_offline"));
    }
    // The entry goes with the focus on it: focus moves to its day (or, its day gone, the screen's heading).
    const day = item.current?.closest("section")?.querySelector<HTMLElement>("h2");
    await onChanged();
    (day?.isConnected ? day : document.querySelector<HTMLElement>("main h1"))?.focus();
  }

  return (
    <li ref={item}>
      <span>
        {what}
        <br />
        <span class="muted">
          {formatTimeIn(event.occurred_at, event.time_zone)}
          {afterText(after)}
        </span>
      </span>
      {!editing && (
        <span>
          {editable(event) && (
            <button type="button" ref={editButton} onClick={() => setEditing(true)} aria-label={t("history.edit_label", { what })}>
              {t("history.edit")}
            </button>
          )}
          <button type="button" onClick={() => setConfirming(true)} aria-label={t("history.delete_label", { what })}>
            {t("history.delete")}
          </button>
        </span>
      )}
      {confirming && (
        <Confirm
          id={`delete-${event.event_id}`}
          question={t("history.delete_confirm")}
          keep={t("history.keep")}
          confirm={t("history.delete_yes")}
          onKeep={() => setConfirming(false)}
          onConfirm={() => void remove()}
        />
      )}
      <Announce message={error} alert />
      {editing && (
        <EditForm
          event={event}
          names={names}
          onDone={(edit) => {
            setEditing(false);
            // The form, with the focus in it, is gone: the focus goes to the entry the edit made (waiting, then
            // stored), or back where the edit was opened.
            if (edit) {
              onEdited(edit);
              void onChanged();
            } else setTimeout(() => editButton.current?.focus(), 0);
          }}
        />
      )}
    </li>
  );
}

/** `zone`: the account's time zone. Entries are listed by the day the server counts them in (each stored one
 * in the zone it was counted in, which the API names), each time as the clock read there. */
export function History({ zone }: { zone?: string }) {
  const [waiting, setWaiting] = useState<OutboxEntry[]>([]);
  const [stored, setStored] = useState<Loaded<Stored[]>>();
  const [next, setNext] = useState<string | null>(null); // the cursor of the entries before those shown
  const [earlier, setEarlier] = useState<"idle" | "loading" | "offline">("idle");
  const [edited, setEdited] = useState<string | null>(null); // the event_id of the last edit saved here
  // Pages of stored entries shown: every load reads them all again, so an older entry edited or deleted
  // shows as it now is, and the list does not shrink back to its first page.
  const pages = useRef(1);
  const load = async () => {
    setWaiting(await entries(await database()));
    const first = await loadEvents();
    let events = first?.value ?? [];
    let cursor = first?.next ?? null;
    for (let page = 1; page < pages.current && cursor; page++) {
      const older = await loadEarlierEvents(cursor);
      if (!older) break;
      events = [...events, ...older.events];
      cursor = older.next_cursor;
    }
    setStored(first && { ...first, value: events });
    setNext(cursor);
  };

  async function showEarlier() {
    if (!next) return;
    setEarlier("loading");
    const older = await loadEarlierEvents(next);
    if (!older) return setEarlier("offline");
    pages.current += 1;
    setStored((shown) => shown && { ...shown, value: [...shown.value, ...older.events] });
    setNext(older.next_cursor);
    setEarlier("idle");
  }
  // Loaded at once (subscribe tells the count straight away) and again after every sync pass, so an entry
  // or an edit moves from waiting to stored as it happens.
  useEffect(() => subscribe(() => void load()), []);
  // Until the catalogues are read (or when this device never had them), codes show as they are.
  const [names, setNames] = useState<Names>(namesByCode());
  useEffect(() => {
    void Promise.all([loadSymptoms(), loadMedications()]).then(([symptoms, medications]) =>
      setNames(namesByCode(symptoms && localSymptoms(symptoms.value, currentLocale()), medications && localMedications(medications.value, currentLocale()))),
    );
  }, []);

  async function discardEntry(eventId: string) {
    await discard(await database(), eventId);
    await refreshCounts();
    await load();
  }

  const days = byDay(waiting, stored?.value ?? [], zone);
  // With earlier pages still on the server, nothing before the oldest entry shown is known.
  const listedFrom = next ? stored?.value.at(-1)?.occurred_at : undefined;
  const since = afterDose(stored?.value ?? [], waiting, listedFrom);
  return (
    <>
      <ScreenTitle>{t("history.title")}</ScreenTitle>
      {stored?.savedAt && <p class="muted">{t("trends.stale", { time: formatDateTime(stored.savedAt) })}</p>}
      {days.map((day) => (
        <section key={day.day} aria-labelledby={`day-${day.day}`} data-testid="day">
          <h2 id={`day-${day.day}`} tabIndex={-1}>
            {formatDay(day.day)}
          </h2>
          <ul class="history">
            {day.waiting.map((entry) => (
              <WaitingItem key={entry.event.event_id} entry={entry} names={names} zone={zone} focus={entry.event.event_id === edited} after={since.get(entry.event.event_id)} onRemove={() => void discardEntry(entry.event.event_id)} />
            ))}
            {day.stored.map((event) => (
              <StoredItem key={event.event_id} event={event} names={names} focus={event.event_id === edited} after={since.get(event.event_id)} onChanged={load} onEdited={setEdited} />
            ))}
          </ul>
        </section>
      ))}
      {days.length === 0 && stored && <p>{t("history.empty")}</p>}
      {next && (
        <button type="button" onClick={() => void showEarlier()} disabled={earlier === "loading"}>
          {t("history.earlier")}
        </button>
      )}
      <Announce message={earlier === "offline" ? t("history.earlier_offline") : ""} alert />
    </>
  );
}
