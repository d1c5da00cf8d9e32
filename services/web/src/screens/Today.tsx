// The daily check-in (two taps: a number, then Save), symptoms, a dose, a taper step and a note. Everything is stored on
// the device first and synced from there.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { MedicationCatalog, SymptomCatalog } from "../api/client";
import { localMedications, localSymptoms, namesByCode } from "../i18n/catalog";
import { search } from "../i18n/search";
import type { MessageKey } from "../i18n/i18n";
import { currentLocale, formatClock, formatDateTime, formatDay, formatNumber, formatTime, t } from "../i18n/i18n";
import type { Stored } from "../history/days";
import { lastCheckIn, lastTaken, type LoggedCheckIn, type TakenDose } from "../history/taken";
import { entries, localIso, newEventId, type OutboxEntry } from "../store/outbox";
import { chosen, confirmDose, type Choice } from "../plan/doses";
import { nextStepText, protractedNote } from "../plan/words";
import { loadDayDoses, loadPlan, type Plan, type TodayDose } from "../store/plan";
import { loadMedications, loadRecent, loadSymptoms, type Loaded } from "../store/remote";
import { database, logEvent, subscribe } from "../store/syncer";
import { Announce, useAnnouncement } from "../ui/Announce";
import { EarlierTime, useEarlier } from "../ui/Earlier";
import { Safety } from "../ui/Safety";
import { Scale } from "../ui/Scale";
import { useSaving } from "../ui/saving";
import { Welcome } from "../ui/Welcome";
import { ScreenTitle } from "../ui/ScreenTitle";

type Symptom = NonNullable<SymptomCatalog["symptoms"]>[number];
/** A medication from the catalogue, or one the person names themselves (it has no diazepam factor). */
type MedicationChoice = { code: string; name: string } | { own: string };

const medicationFields = (m: MedicationChoice) => ("own" in m ? { custom_medication: m.own } : { medication: m.code });
const medicationName = (m: MedicationChoice) => ("own" in m ? m.own : m.name);

const RECENT_KEY = "tyh.recent_symptoms";
const DOCTOR_TAG = "question_for_doctor";
const MAX_MATCHES = 8;

/** A symptom or medication of the person's own, at most 80 characters as the API counts them: cut by code
 * points, so an emoji is never halved (half of one is not text: the server refuses the batch it is in, and
 * every entry after it would wait on the device for good). */
function ownLabel(query: string): string {
  return Array.from(query.trim()).slice(0, 80).join("").trim();
}

function recentCodes(): string[] {
  try {
    return JSON.parse(localStorage.getItem(RECENT_KEY) ?? "[]") as string[];
  } catch {
    return [];
  }
}

function remember(code: string): void {
  localStorage.setItem(RECENT_KEY, JSON.stringify([code, ...recentCodes().filter((c) => c !== code)].slice(0, 12)));
}

/** The newest entry `pick` finds among the newest of a kind on the server and those waiting on this device,
 * again after each entry logged and each sync. */
function useLatest<T>(type: "dose" | "check_in", limit: number, pick: (stored: Stored[], waiting: OutboxEntry[]) => T | null): T | null {
  const [last, setLast] = useState<T | null>(null);
  const asked = useRef(0);
  useEffect(
    () =>
      subscribe(() => {
        const ask = ++asked.current; // only the newest answer is shown
        void Promise.all([loadRecent(type, limit), database().then(entries)]).then(([stored, waiting]) => {
          if (ask === asked.current) setLast(pick(stored?.value ?? [], waiting));
        });
      }),
    [],
  );
  return last;
}

/** "today at 8:00 AM", "yesterday at 9:00 PM", or the date and time. */
function whenText(iso: string): string {
  const day = (date: Date) => localIso(date).slice(0, 10);
  const now = new Date();
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  const at = new Date(iso);
  const time = formatTime(at);
  return day(at) === day(now) ? t("today.when_today", { time }) : day(at) === day(yesterday) ? t("today.when_yesterday", { time }) : formatDateTime(iso);
}

function CheckIn() {
  const [overall, setOverall] = useState<number | null>(null);
  const [sleepHours, setSleepHours] = useState("");
  const [sleepQuality, setSleepQuality] = useState<number | null>(null);
  const [mood, setMood] = useState<number | null>(null);
  const [more, setMore] = useState(false);
  const [saved, setSaved] = useAnnouncement();
  const last = useLatest("check_in", 1, lastCheckIn);
  const when = useEarlier();
  // Named here, not left to the server: it would refuse the whole check-in for it.
  const hours = sleepHours.trim() === "" ? undefined : Number(sleepHours.replace(",", "."));
  const hoursValid = hours === undefined || (Number.isFinite(hours) && hours >= 0 && hours <= 24);

  async function save() {
    if (overall === null || !hoursValid || when.blocked) return;
    await logEvent({
      event_id: newEventId(),
      type: "check_in",
      occurred_at: when.at(),
      overall,
      ...(hours !== undefined ? { sleep_hours: hours } : {}),
      ...(sleepQuality !== null ? { sleep_quality: sleepQuality } : {}),
      ...(mood !== null ? { mood } : {}),
    });
    setSaved(when.earlier ? t("today.saved_for", { time: formatDateTime(when.earlier) }) : t("today.saved", { time: formatTime(new Date()) }));
    setOverall(null);
    setSleepHours("");
    setSleepQuality(null);
    setMood(null);
  }
  const submit = useSaving(save);

  /** "Same as last time, then adjust": the last check-in's answers, to change what differs before saving. */
  function startFrom(previous: LoggedCheckIn) {
    setOverall(previous.overall);
    setSleepHours(previous.sleep_hours == null ? "" : formatNumber(previous.sleep_hours, 2));
    setSleepQuality(previous.sleep_quality ?? null);
    setMood(previous.mood ?? null);
    if (previous.sleep_hours != null || previous.sleep_quality != null || previous.mood != null) setMore(true);
    setSaved(t("today.started_from_last"));
  }

  return (
    <form class="card" onSubmit={submit} aria-labelledby="checkin-title">
      <h2 id="checkin-title">{t(when.earlier ? "today.greeting_then" : "today.greeting")}</h2>
      <Scale name="overall" legend={t("today.overall")} min={0} max={10} value={overall} onChange={(v) => { setOverall(v); setSaved(""); }} low="today.overall_low" high="today.overall_high" />
      <details open={more} onToggle={(e) => setMore(e.currentTarget.open)}>
        <summary>{t("today.more")}</summary>
        <label for="sleep-hours">{t("today.sleep_hours")}</label>
        <input id="sleep-hours" inputMode="decimal" class="short" value={sleepHours} onInput={(e) => setSleepHours(e.currentTarget.value)} aria-invalid={hoursValid ? undefined : true} aria-describedby="sleep-hours-error" />
        {/* Always there, so a screen reader hears the problem as it appears. */}
        <p id="sleep-hours-error" class="error" aria-live="polite">
          {hoursValid ? "" : t("today.sleep_hours_invalid")}
        </p>
        <Scale name="sleep_quality" legend={t("today.sleep_quality")} min={0} max={4} value={sleepQuality} onChange={setSleepQuality} low="today.scale_low" high="today.scale_high" />
        <Scale name="mood" legend={t("today.mood")} min={0} max={4} value={mood} onChange={setMood} low="today.mood_low" high="today.mood_high" />
      </details>
      <button type="submit" class="primary" disabled={overall === null || !hoursValid || when.blocked}>
        {t("today.save")}
      </button>
      {/* Under the form, not above it: it appears once the last check-in is read, and must not move what
          someone is about to tap. */}
      {last && overall === null && (
        <button type="button" class="link under" onClick={() => startFrom(last)}>
          {t("today.start_from_last", { when: whenText(last.occurred_at) })}
        </button>
      )}
      <Announce message={saved} />
    </form>
  );
}

function Symptoms({ catalog, onRedFlag }: { catalog?: SymptomCatalog; onRedFlag: (reason?: string) => void }) {
  const [query, setQuery] = useState("");
  const [chosen, setChosen] = useState<{ code?: string; label: string; symptom?: Symptom } | null>(null);
  const [severity, setSeverity] = useState<number | null>(null);
  const [saved, setSaved] = useAnnouncement();
  const when = useEarlier();
  const symptoms = catalog?.symptoms ?? [];

  const { matches, close } = useMemo(() => {
    const recent = recentCodes();
    const rank = (s: Symptom) => {
      const i = recent.indexOf(s.code ?? "");
      return i === -1 ? recent.length : i;
    };
    const { entries, close } = query.trim()
      ? search(symptoms, (s) => [s.label ?? "", ...(s.synonyms ?? [])], query)
      : { entries: symptoms.filter((s) => recent.includes(s.code ?? "")), close: false };
    // The closest spelling first; among words found as typed, the person's recent symptoms first.
    return { matches: (close ? entries : [...entries].sort((a, b) => rank(a) - rank(b))).slice(0, MAX_MATCHES), close };
  }, [query, symptoms]);

  async function save() {
    if (!chosen || severity === null || when.blocked) return;
    await logEvent({
      event_id: newEventId(),
      type: "symptom",
      occurred_at: when.at(),
      severity,
      ...(chosen.code ? { code: chosen.code } : { custom_label: chosen.label }),
    });
    if (chosen.code) remember(chosen.code);
    setSaved(when.said(t("today.symptom_saved", { label: chosen.label })));
    if (chosen.symptom?.red_flag) onRedFlag(chosen.symptom.red_flag_reason ?? undefined);
    setChosen(null);
    setSeverity(null);
    setQuery("");
  }
  const submit = useSaving(save);

  return (
    <section class="card" aria-labelledby="symptoms-title">
      <h2 id="symptoms-title">{t("today.symptoms")}</h2>
      {chosen ? (
        <form onSubmit={submit}>
          <Scale name="severity" legend={t("today.severity", { label: chosen.label })} min={0} max={4} value={severity} onChange={setSeverity} low="today.severity_low" high="today.severity_high" />
          <div class="row">
            <button type="submit" class="primary" disabled={severity === null || when.blocked}>
              {t("today.symptom_save")}
            </button>
            <button type="button" onClick={() => setChosen(null)}>
              {t("common.cancel")}
            </button>
          </div>
        </form>
      ) : (
        <div>
          <label for="symptom-search">{t("today.symptom_search")}</label>
          <input id="symptom-search" type="search" autocomplete="off" aria-describedby="symptom-hint" value={query} onInput={(e) => { setQuery(e.currentTarget.value); setSaved(""); }} />
          <p id="symptom-hint" class="muted">
            {t("today.symptom_search_hint")}
          </p>
          <ul class="picks">
            {matches.map((s) => (
              <li key={s.code}>
                <button type="button" onClick={() => setChosen({ code: s.code, label: s.label ?? s.code ?? "", symptom: s })}>
                  {s.label}
                </button>
              </li>
            ))}
          </ul>
          {query.trim() && (matches.length === 0 || close) && (
            <p>
              {t(close ? "today.own_close" : "today.symptom_none")}{" "}
              <button type="button" onClick={() => setChosen({ label: ownLabel(query) })}>
                {t("today.symptom_custom", { label: ownLabel(query) })}
              </button>
            </p>
          )}
        </div>
      )}
      <Announce message={saved} />
    </section>
  );
}

/** A medication from the catalogue, searched by generic and brand names; with `own`, or one the person names. */
function MedicationSearch({ id, label, catalog, value, onChange, own = false }: { id: string; label: string; catalog?: MedicationCatalog; value: MedicationChoice | null; onChange: (m: MedicationChoice | null) => void; own?: boolean }) {
  const [query, setQuery] = useState("");
  const medications = catalog?.medications ?? [];
  const found = value ? { entries: [], close: false } : search(medications, (m) => [m.name ?? "", ...(m.aliases ?? [])], query);
  const matches = found.entries.slice(0, MAX_MATCHES);
  return (
    <>
      <label for={id}>{label}</label>
      <input id={id} type="search" autocomplete="off" aria-describedby={`${id}-hint`} value={value ? medicationName(value) : query} onInput={(e) => { onChange(null); setQuery(e.currentTarget.value); }} />
      <p id={`${id}-hint`} class="muted">
        {t("today.medication_hint")}
      </p>
      <ul class="picks">
        {matches.map((m) => (
          <li key={m.code}>
            <button type="button" onClick={() => onChange({ code: m.code ?? "", name: m.name ?? "" })}>
              {m.name}
              {m.aliases?.length ? ` (${m.aliases.join(", ")})` : ""}
            </button>
          </li>
        ))}
      </ul>
      {own && !value && query.trim() && (matches.length === 0 || found.close) && (
        <p>
          {t(found.close ? "today.own_close" : "today.medication_none")}{" "}
          <button type="button" onClick={() => onChange({ own: ownLabel(query) })}>
            {t("today.medication_custom", { label: ownLabel(query) })}
          </button>
        </p>
      )}
    </>
  );
}

const milligrams = (text: string) => Number(text.replace(",", "."));

/** "Diazepam 9 mg, today at 8:00 AM": what, and when in words for today and yesterday. */
function lastDoseText(dose: TakenDose, catalog?: MedicationCatalog): string {
  const when = whenText(dose.occurred_at);
  const medication = dose.medication ? namesByCode(undefined, catalog).medication(dose.medication) : (dose.custom_medication ?? "");
  return t("today.last_dose", { medication, mg: formatNumber(dose.amount_mg, 3), when });
}

function Dose({ catalog }: { catalog?: MedicationCatalog }) {
  const [medication, setMedication] = useState<MedicationChoice | null>(null);
  const [amount, setAmount] = useState("");
  const [skipped, setSkipped] = useState(false);
  const [saved, setSaved] = useAnnouncement();
  const when = useEarlier();
  const mg = milligrams(amount);
  const last = useLatest("dose", 20, lastTaken);

  async function save() {
    if (!medication || !(mg > 0) || when.blocked) return;
    await logEvent({ event_id: newEventId(), type: "dose", occurred_at: when.at(), ...medicationFields(medication), amount_mg: mg, status: skipped ? "skipped" : "taken" });
    setSaved(when.said(t("today.dose_saved")));
    setAmount("");
    setSkipped(false);
  }
  const submit = useSaving(save);

  return (
    <form class="card" onSubmit={submit} aria-labelledby="dose-title">
      <h2 id="dose-title">{t("today.dose")}</h2>
      {last && (
        <p class="muted" data-testid="last-dose">
          {lastDoseText(last, catalog)}
        </p>
      )}
      <MedicationSearch id="medication" label={t("today.medication")} catalog={catalog} value={medication} onChange={(m) => { setMedication(m); setSaved(""); }} own />
      <label for="amount">{t("today.amount")}</label>
      <input id="amount" inputMode="decimal" class="short" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
      <label class="check">
        <input type="checkbox" checked={skipped} onChange={(e) => setSkipped(e.currentTarget.checked)} />
        {t("today.skipped")}
      </label>
      <button type="submit" class="primary" disabled={!medication || !(mg > 0) || when.blocked}>
        {t("today.dose_save")}
      </button>
      <Announce message={saved} />
    </form>
  );
}

const STEP_KINDS = ["cut", "hold", "pause", "up_dose", "crossover"] as const;
type StepKind = (typeof STEP_KINDS)[number];
const STEP_LABELS: Record<StepKind, MessageKey> = { cut: "today.step_cut", hold: "today.step_hold", pause: "today.step_pause", up_dose: "today.step_up_dose", crossover: "today.step_crossover" };

/** A taper step: the plan changed (a cut, a hold, a pause, a dose back up, a crossover to another medication
 * from the catalogue) to a new daily dose of the medication named first. */
function TaperStep({ catalog }: { catalog?: MedicationCatalog }) {
  const [medication, setMedication] = useState<MedicationChoice | null>(null);
  const [kind, setKind] = useState<StepKind>("cut");
  const [to, setTo] = useState<MedicationChoice | null>(null);
  const [amount, setAmount] = useState("");
  const [saved, setSaved] = useAnnouncement();
  const mg = milligrams(amount);
  const valid = amount.trim() !== "" && Number.isFinite(mg) && mg >= 0 && mg <= 2000;
  const when = useEarlier();
  const crossover = kind === "crossover";
  const toCode = to && "code" in to ? to.code : undefined;
  const ready = medication && valid && (!crossover || toCode) && !when.blocked;

  async function save() {
    if (!medication || !ready) return;
    await logEvent({ event_id: newEventId(), type: "taper_step", occurred_at: when.at(), kind, ...medicationFields(medication), new_daily_dose_mg: mg, ...(crossover ? { to_medication: toCode } : {}) });
    setSaved(when.said(t("today.step_saved")));
    setAmount("");
  }
  const submit = useSaving(save);

  return (
    <form class="card" onSubmit={submit} aria-labelledby="step-title">
      <h2 id="step-title">{t("today.step")}</h2>
      <MedicationSearch id="step-medication" label={t("today.step_medication")} catalog={catalog} value={medication} onChange={(m) => { setMedication(m); setSaved(""); }} own />
      <label for="step-kind">{t("today.step_kind")}</label>
      <select id="step-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as StepKind)}>
        {STEP_KINDS.map((k) => (
          <option key={k} value={k}>
            {t(STEP_LABELS[k])}
          </option>
        ))}
      </select>
      {/* The API names the medication crossed over to by its catalogue code only. */}
      {crossover && <MedicationSearch id="step-to" label={t("today.step_to")} catalog={catalog} value={to} onChange={(m) => { setTo(m); setSaved(""); }} />}
      <label for="step-amount">{t("today.step_amount")}</label>
      <input id="step-amount" inputMode="decimal" class="short" aria-describedby={crossover ? "step-amount-hint" : undefined} value={amount} onInput={(e) => { setAmount(e.currentTarget.value); setSaved(""); }} />
      {crossover && (
        <p id="step-amount-hint" class="muted">
          {t("today.step_amount_crossover")}
        </p>
      )}
      <button type="submit" class="primary" disabled={!ready}>
        {t("today.step_save")}
      </button>
      <Announce message={saved} />
    </form>
  );
}

function Note() {
  const [text, setText] = useState("");
  const [forDoctor, setForDoctor] = useState(false);
  const [saved, setSaved] = useAnnouncement();
  const when = useEarlier();

  async function save() {
    if (!text.trim() || when.blocked) return;
    await logEvent({ event_id: newEventId(), type: "note", occurred_at: when.at(), text: text.trim(), ...(forDoctor ? { tags: [DOCTOR_TAG] } : {}) });
    setSaved(when.said(t("today.note_saved")));
    setText("");
    setForDoctor(false);
  }
  const submit = useSaving(save);

  return (
    <form class="card" onSubmit={submit} aria-labelledby="note-title">
      <h2 id="note-title">{t("today.note")}</h2>
      <label for="note-text">{t("today.note_text")}</label>
      <textarea id="note-text" rows={3} maxLength={5000} value={text} onInput={(e) => { setText(e.currentTarget.value); setSaved(""); }} />
      <label class="check">
        <input type="checkbox" checked={forDoctor} onChange={(e) => setForDoctor(e.currentTarget.checked)} />
        {t("today.note_doctor")}
      </label>
      <button type="submit" class="primary" disabled={!text.trim() || when.blocked}>
        {t("today.note_save")}
      </button>
      <Announce message={saved} />
    </form>
  );
}

/** A planned dose to answer: today's, or one of `day`'s (an earlier day). */
function PlannedDose({ dose, name, day }: { dose: TodayDose; name: (code: string) => string; day?: string }) {
  const [status, setStatus] = useState<Choice | null>(dose.status ?? chosen(dose.event_id) ?? null);
  // The server's measure ("½ tablet") is English; other languages show the mg.
  const measure = currentLocale() === "en" && typeof dose.amount === "string" ? ` (${dose.amount})` : "";
  const what = t("today.dose_at", { time: formatClock(dose.time), medication: name(dose.medication), mg: formatNumber(dose.mg, 3) }) + measure;
  const said = useRef<HTMLSpanElement>(null);
  const answer = (choice: Choice) => {
    if (status) return;
    setStatus(choice); // at once, so a second tap finds nothing to press
    void confirmDose(dose, choice, day);
    // The button pressed is gone: the focus goes to what was saved (read out there), and the keyboard goes on
    // from this dose rather than from the page's start.
    setTimeout(() => said.current?.focus(), 0);
  };
  return (
    <li data-testid="planned-dose">
      <span>{what}</span>
      {status ? (
        <span class="saved" ref={said} tabIndex={-1}>
          {t(status === "taken" ? "today.dose_taken" : "today.dose_skipped")}
        </span>
      ) : (
        <span role="group" aria-label={what}>
          <button type="button" onClick={() => answer("taken")}>
            {t("today.taken")}
          </button>
          <button type="button" onClick={() => answer("skipped")}>
            {t("today.skip")}
          </button>
        </span>
      )}
    </li>
  );
}

/** An earlier day's planned doses, when the earlier time chosen is on one: undefined otherwise or while they
 * load, null offline. */
function useEarlierDoses(): { day?: string; doses?: TodayDose[] | null } {
  const { earlier } = useEarlier();
  const chosen = earlier?.slice(0, 10);
  const day = chosen && chosen < localIso().slice(0, 10) ? chosen : undefined;
  const [found, setFound] = useState<{ day: string; doses: TodayDose[] | null }>();
  useEffect(() => {
    if (!day) return;
    const load = () => void loadDayDoses(day).then((doses) => setFound({ day, doses: doses ?? null }));
    load();
    // Back online, they come (the card says they will).
    addEventListener("online", load);
    return () => removeEventListener("online", load);
  }, [day]);
  return { day, doses: day && found?.day === day ? found.doses : undefined };
}

/** The plan on Today: the next planned step and today's planned doses to answer, or an earlier day's when an
 * earlier time on one is chosen (nothing without a plan). */
function PlanToday({ catalog }: { catalog?: MedicationCatalog }) {
  const [loaded, setLoaded] = useState<Loaded<Plan | null> | null>(null);
  useEffect(() => void loadPlan().then((answer) => setLoaded(answer ?? null)), []);
  const earlier = useEarlierDoses();
  const plan = loaded?.value;
  if (!plan) return null;
  const names = new Map((catalog?.medications ?? []).map((m) => [m.code ?? "", m.name ?? ""]));
  const name = (code: string) => names.get(code) ?? code;
  // An offline copy from an earlier day lists that day's doses: answer only today's.
  const stale = Boolean(loaded.savedAt) && plan.progress.today !== localIso().slice(0, 10);
  const doses = earlier.day ? (earlier.doses ?? []) : stale ? [] : (plan.progress.today_doses ?? []);
  const after = protractedNote(plan);
  return (
    <section class="card" aria-labelledby="plan-today-title" data-testid="plan-today">
      <h2 id="plan-today-title">{t("today.plan")}</h2>
      <p>{nextStepText(plan, name)}</p>
      {after && <p>{after}</p>}
      {earlier.day && earlier.doses === null && <p>{t("today.doses_offline")}</p>}
      {doses.length > 0 && (
        <>
          {earlier.day && <h3>{t("today.doses_on", { day: formatDay(earlier.day) })}</h3>}
          <ul class="history planned">
            {doses.map((dose) => (
              <PlannedDose key={dose.event_id} dose={dose} name={name} day={earlier.day} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function Today() {
  const [symptoms, setSymptoms] = useState<SymptomCatalog>();
  const [medications, setMedications] = useState<MedicationCatalog>();
  const [safety, setSafety] = useState<{ reason?: string } | null>(null);
  useEffect(() => {
    void loadSymptoms().then((loaded) => setSymptoms(loaded && localSymptoms(loaded.value, currentLocale())));
    void loadMedications().then((loaded) => setMedications(loaded && localMedications(loaded.value, currentLocale())));
  }, []);
  return (
    <>
      <ScreenTitle>{t("today.title")}</ScreenTitle>
      <Welcome />
      <EarlierTime>
        <CheckIn />
        {/* Today's planned doses, or those of the earlier day chosen above. */}
        <PlanToday catalog={medications} />
        <Symptoms catalog={symptoms} onRedFlag={(reason) => setSafety({ reason })} />
        <Dose catalog={medications} />
        <TaperStep catalog={medications} />
        <Note />
      </EarlierTime>
      {safety && (
        <Safety
          reason={safety.reason}
          onClose={() => {
            setSafety(null);
            // Back to the symptoms (the button that saved the one logged is gone).
            document.getElementById("symptom-search")?.focus();
          }}
        />
      )}
    </>
  );
}
