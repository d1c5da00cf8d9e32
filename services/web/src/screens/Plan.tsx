// The taper plan: entered and changed as a new version each time (the old ones stay), the schedule that
// follows from it as a list and as a month calendar with what was logged, its versions, the facts for the
// prescriber, and ending or deleting it. Loaded only when opened (it is not needed to log anything).
import { cloneElement, type VNode } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { MedicationCatalog } from "../api/client";
import { localMedications, namesByCode } from "../i18n/catalog";
import type { MessageKey } from "../i18n/i18n";
import { addMessages, currentLocale, formatDateTime, formatDay, formatNumber, t } from "../i18n/i18n";
import { planEn } from "../i18n/plan-en";
import { planEs } from "../i18n/plan-es";
import { addDays, changes, dayState, monthOf, monthRange, monthWeeks, plannedMg, type AdherenceRow, type ScheduleDay } from "../plan/calendar";
import {
  blankMedication,
  blankPlan,
  bodyOf,
  check,
  fieldsOf,
  MAX_DOSE_TIMES,
  MAX_MEDICATIONS,
  serverErrors,
  type FieldError,
  type MedicationFields,
  type PlanBody,
  type PlanFields,
} from "../plan/form";
import { doseWords, mg, nextStepText, protractedNote, sinceZero, type Names } from "../plan/words";
import type { Loaded } from "../store/remote";
import { loadMedications } from "../store/remote";
import { deletePlan, endPlan, loadPlan, loadQuestions, loadSchedule, loadVersions, savePlan, type Plan as PlanDoc, type Question, type Version } from "../store/plan";
import { Announce } from "../ui/Announce";
import { Confirm } from "../ui/Confirm";
import { focusLost } from "../ui/focus";
import { ScreenTitle } from "../ui/ScreenTitle";

// The screen's own messages come with it, not with the app's first load.
addMessages({ en: planEn, es: planEs });


function localToday(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A fact for the prescriber: the server's words in English; in Spanish rebuilt from its dates and figures. */
function questionText(q: Question): string {
  if (currentLocale() === "en") return q.text;
  const day = (d?: string) => (d ? formatDay(d) : "");
  const params: Record<string, string | number> = {
    step: day(q.step_day),
    start: day(q.wave_start ?? q.hold_start),
    last: day(q.wave_last_day),
    from: day(q.from_day),
    percent: q.percent ?? 0,
    count: q.days?.length ?? 0,
    lasted: q.lasted_days ?? 0,
    earlier: (q.earlier_days ?? []).join(", "),
    day: day(q.dose_day),
    mg: formatNumber(q.daily_mg ?? 0, 3),
  };
  const key = `plan.q_${q.kind}` as MessageKey;
  return key in KNOWN_QUESTIONS ? t(key, params) : q.text;
}

const KNOWN_QUESTIONS = {
  "plan.q_high_daily_dose": 1,
  "plan.q_next_cut_in_wave": 1,
  "plan.q_first_cut_above_guideline": 1,
  "plan.q_pace_above_guideline": 1,
  "plan.q_logged_differs": 1,
  "plan.q_hold_longer_than_recent": 1,
};

/** `focus`: this plan was just saved by the form, whose focus (gone with it) it takes. */
function Summary({ plan, name, focus }: { plan: PlanDoc; name: Names; focus: boolean }) {
  const ends = Object.entries(plan.progress.ends);
  const today = doseWords(plan.progress.today_planned, name);
  const after = protractedNote(plan);
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    if (focus && focusLost()) section.current?.focus();
  }, [focus]);
  return (
    <section class="card" aria-label={t("today.plan")} data-testid="plan-summary" ref={section} tabIndex={-1}>
      {plan.ended_on && <p>{t("plan.ends_ended", { date: formatDay(plan.ended_on) })}</p>}
      <p class="next-step">{nextStepText(plan, name)}</p>
      {after && <p>{after}</p>}
      {plan.progress.finish && !sinceZero(plan) && <p>{t("plan.finish", { date: formatDay(plan.progress.finish) })}</p>}
      {ends.map(([code, why]) =>
        why === "stalled" ? (
          <p key={code}>{t("plan.ends_stalled", { medication: name(code) })}</p>
        ) : why === "open_hold" ? (
          <p key={code}>{t("plan.ends_open_hold", { medication: name(code) })}</p>
        ) : null,
      )}
      {today.length > 0 && (
        <>
          <h2>{t("plan.today_planned")}</h2>
          <ul class="plain">
            {today.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** A labelled control with its problems under it, tied to it (aria-invalid, aria-describedby), so a screen
 * reader says what is wrong on reaching the field. */
function Field({ id, label, errors, children }: { id: string; label: string; errors: FieldError[]; children: VNode<Record<string, unknown>> }) {
  const mine = errors.filter((e) => e.field === id);
  const control = mine.length > 0 ? cloneElement(children, { "aria-invalid": true, "aria-describedby": `${id}-error` }) : children;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {control}
      {mine.length > 0 && (
        <p id={`${id}-error`} class="error">
          {mine.map((e) => t(e.message, e.params)).join(" ")}
        </p>
      )}
    </div>
  );
}

function MedicationEditor({ index, value, onChange, onRemove, catalog, errors }: { index: number; value: MedicationFields; onChange: (m: MedicationFields) => void; onRemove?: () => void; catalog: MedicationCatalog | undefined; errors: FieldError[] }) {
  const id = (name: string) => `med${index}-${name}`;
  const set = (name: keyof MedicationFields) => (event: Event) => onChange({ ...value, [name]: (event.currentTarget as HTMLInputElement).value });
  const input = (name: string, key: keyof MedicationFields) => <input id={id(name)} inputMode="decimal" class="short" value={value[key]} onInput={set(key)} />;
  return (
    <fieldset class="card inner">
      <legend>{t("plan.medication_n", { n: index + 1 })}</legend>
      <Field id={id("medication")} label={t("plan.medication")} errors={errors}>
        <select id={id("medication")} value={value.medication} onChange={set("medication")}>
          <option value="">{t("plan.choose")}</option>
          {(catalog?.medications ?? []).map((m) => (
            <option key={m.code} value={m.code}>
              {m.name}
            </option>
          ))}
        </select>
      </Field>
      <Field id={id("form")} label={t("plan.form")} errors={errors}>
        <select id={id("form")} value={value.form} onChange={set("form")}>
          <option value="tablet">{t("plan.form_tablet")}</option>
          <option value="liquid">{t("plan.form_liquid")}</option>
          <option value="other">{t("plan.form_other")}</option>
        </select>
      </Field>
      {value.form === "tablet" && (
        <>
          <Field id={id("strength")} label={t("plan.strength")} errors={errors}>
            {input("strength", "tablet_strength_mg")}
          </Field>
          <Field id={id("pieces")} label={t("plan.pieces")} errors={errors}>
            <select id={id("pieces")} value={value.tablet_pieces} onChange={set("tablet_pieces")}>
              {(["1", "2", "4", "8"] as const).map((n) => (
                <option key={n} value={n}>
                  {t(`plan.pieces_${n}`)}
                </option>
              ))}
            </select>
          </Field>
        </>
      )}
      {value.form === "liquid" && (
        <>
          <Field id={id("concentration")} label={t("plan.concentration")} errors={errors}>
            {input("concentration", "concentration_mg_per_ml")}
          </Field>
          <Field id={id("measure")} label={t("plan.measure")} errors={errors}>
            {input("measure", "measure_ml")}
          </Field>
        </>
      )}
      {value.form === "other" && (
        <Field id={id("resolution")} label={t("plan.resolution")} errors={errors}>
          {input("resolution", "resolution_mg")}
        </Field>
      )}
      <Field id={id("start")} label={t("plan.start_mg")} errors={errors}>
        {input("start", "start_mg")}
      </Field>
      <Field id={id("method")} label={t("plan.method")} errors={errors}>
        <select id={id("method")} value={value.method} onChange={set("method")}>
          <option value="percent">{t("plan.method_percent")}</option>
          <option value="fixed_mg">{t("plan.method_fixed_mg")}</option>
          <option value="micro">{t("plan.method_micro")}</option>
        </select>
      </Field>
      <Field id={id("step")} label={t(value.method === "percent" ? "plan.step_percent" : "plan.step_mg")} errors={errors}>
        {input("step", value.method === "percent" ? "step_percent" : "step_mg")}
      </Field>
      <Field id={id("interval")} label={t("plan.interval")} errors={errors}>
        <input id={id("interval")} inputMode="numeric" class="short" value={value.interval_days} onInput={set("interval_days")} />
      </Field>
      <Field id={id("target")} label={t("plan.target")} errors={errors}>
        {input("target", "target_mg")}
      </Field>
      <Field id={id("last-step")} label={t("plan.last_step")} errors={errors}>
        {input("last-step", "last_step_from_mg")}
      </Field>
      {index > 0 && (
        <Field id={id("start-day")} label={t("plan.med_start")} errors={errors}>
          <input id={id("start-day")} type="date" class="short" value={value.start_day} onInput={set("start_day")} />
        </Field>
      )}
      {onRemove && (
        <button type="button" onClick={onRemove}>
          {t("plan.remove_medication")}
        </button>
      )}
    </fieldset>
  );
}

type Saved = { plan: PlanDoc } | { changedTo: number };

function PlanEditor({ initial, basedOn, catalog, onSaved, onCancel }: { initial: PlanFields; basedOn: number; catalog: MedicationCatalog | undefined; onSaved: (outcome: Saved) => void; onCancel?: () => void }) {
  const [fields, setFields] = useState(initial);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [server, setServer] = useState<{ field: string; reason: string }[]>([]);
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  const update = (change: Partial<PlanFields>) => setFields({ ...fields, ...change });

  async function save(event: Event) {
    event.preventDefault();
    const found = check(fields);
    setErrors(found);
    setServer([]);
    setFailed(false);
    if (found.length > 0) return;
    setBusy(true);
    try {
      const outcome = await savePlan(bodyOf(fields), basedOn);
      if (outcome.ok) onSaved({ plan: outcome.plan });
      else if (outcome.status === 409) onSaved({ changedTo: Number((outcome.problem as { current_version?: number })?.current_version ?? 0) });
      else if (outcome.status === 422 || outcome.status === 400) setServer(serverErrors(outcome.problem));
      else setFailed(true);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }

  const general = errors.filter((e) => e.field === "holds" || e.field === "times");
  return (
    <form class="card" onSubmit={save} aria-labelledby="plan-form-title" noValidate>
      <h2 id="plan-form-title">{basedOn ? t("plan.edit") : t("plan.enter")}</h2>
      {/* There before its problems, so they are read out as they appear. */}
      <div role="alert" class="error" data-testid="plan-errors">
        {(errors.length > 0 || server.length > 0) && (
          <>
            <p>{t("plan.fix")}</p>
            <ul>
              {errors.map((e) => (
                <li key={`${e.field}${e.message}`}>{t(e.message, e.params)}</li>
              ))}
              {server.map((e) => (
                <li key={`${e.field}${e.reason}`}>{t("plan.err_server", { field: e.field, reason: e.reason })}</li>
              ))}
            </ul>
          </>
        )}
      </div>
      <Field id="plan-start" label={t("plan.start_day")} errors={errors}>
        <input id="plan-start" type="date" class="short" value={fields.start_day} onInput={(e) => update({ start_day: e.currentTarget.value })} />
      </Field>
      {initial.ended_on && (
        <Field id="plan-ended" label={t("plan.ended_field")} errors={errors}>
          <input id="plan-ended" type="date" class="short" value={fields.ended_on} onInput={(e) => update({ ended_on: e.currentTarget.value })} />
        </Field>
      )}
      {fields.medications.map((m, i) => (
        <MedicationEditor
          key={i}
          index={i}
          value={m}
          catalog={catalog}
          errors={errors}
          onChange={(changed) => update({ medications: fields.medications.map((old, j) => (j === i ? changed : old)) })}
          onRemove={fields.medications.length > 1 ? () => update({ medications: fields.medications.filter((_, j) => j !== i) }) : undefined}
        />
      ))}
      {fields.medications.length < MAX_MEDICATIONS && (
        <button type="button" onClick={() => update({ medications: [...fields.medications, blankMedication()] })}>
          {t("plan.add_medication")}
        </button>
      )}
      <fieldset>
        <legend>{t("plan.holds")}</legend>
        {fields.holds.map((h, i) => (
          <div class="row gap" key={i}>
            <Field id={`hold${i}-start`} label={t("plan.hold_start")} errors={errors}>
              <input id={`hold${i}-start`} type="date" value={h.start} onInput={(e) => update({ holds: fields.holds.map((o, j) => (j === i ? { ...o, start: e.currentTarget.value } : o)) })} />
            </Field>
            <Field id={`hold${i}-until`} label={t("plan.hold_until")} errors={errors}>
              <input id={`hold${i}-until`} type="date" value={h.until} onInput={(e) => update({ holds: fields.holds.map((o, j) => (j === i ? { ...o, until: e.currentTarget.value } : o)) })} />
            </Field>
            <button type="button" onClick={() => update({ holds: fields.holds.filter((_, j) => j !== i) })}>
              {t("plan.remove_hold")}
            </button>
          </div>
        ))}
        <button type="button" onClick={() => update({ holds: [...fields.holds, { start: localToday(), until: "" }] })}>
          {t("plan.add_hold")}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t("plan.times")}</legend>
        <p class="muted">{t("plan.times_hint")}</p>
        {fields.dose_times.map((d, i) => (
          <div class="row gap" key={i}>
            <Field id={`time${i}-time`} label={t("plan.time")} errors={errors}>
              <input id={`time${i}-time`} type="time" value={d.time} onInput={(e) => update({ dose_times: fields.dose_times.map((o, j) => (j === i ? { ...o, time: e.currentTarget.value } : o)) })} />
            </Field>
            <Field id={`time${i}-share`} label={t("plan.share")} errors={errors}>
              <input id={`time${i}-share`} inputMode="decimal" class="short" value={d.share} onInput={(e) => update({ dose_times: fields.dose_times.map((o, j) => (j === i ? { ...o, share: e.currentTarget.value } : o)) })} />
            </Field>
            <button type="button" onClick={() => update({ dose_times: fields.dose_times.filter((_, j) => j !== i) })}>
              {t("plan.remove_time")}
            </button>
          </div>
        ))}
        {fields.dose_times.length < MAX_DOSE_TIMES && (
          <button type="button" onClick={() => update({ dose_times: [...fields.dose_times, { time: "", share: fields.dose_times.length === 0 ? "100" : "" }] })}>
            {t("plan.add_time")}
          </button>
        )}
      </fieldset>
      {general.map((e) => (
        <p key={e.field} class="error">
          {t(e.message, e.params)}
        </p>
      ))}
      <Announce message={failed ? t("common.error") : ""} alert />
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {t("plan.save")}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            {t("common.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}

function ScheduleView({ plan, name }: { plan: PlanDoc; name: Names }) {
  const [view, setView] = useState<"list" | "calendar">("list");
  const [month, setMonth] = useState(() => monthOf(plan.progress.today));
  const range = useMemo(() => (view === "list" ? { from: plan.progress.today, to: addDays(plan.progress.today, 90) } : monthRange(month)), [view, month, plan]);
  const [schedule, setSchedule] = useState<Loaded<unknown> | undefined | null>(undefined);
  useEffect(() => {
    setSchedule(undefined);
    void loadSchedule(range.from, range.to).then((loaded) => setSchedule(loaded ?? null));
  }, [range.from, range.to, plan.version]);
  const value = schedule?.value as { days: ScheduleDay[]; adherence: AdherenceRow[] } | null | undefined;
  const equivalent = plan.medications.length > 1;
  const byDay = new Map((value?.days ?? []).map((d) => [d.day, d]));
  const logged = new Map<string, AdherenceRow[]>();
  for (const row of value?.adherence ?? []) logged.set(row.day, [...(logged.get(row.day) ?? []), row]);
  const monthTitle = new Intl.DateTimeFormat(currentLocale(), { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${month}-15T00:00:00Z`));
  const weekdays = Array.from({ length: 7 }, (_, i) => new Intl.DateTimeFormat(currentLocale(), { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + i))));

  return (
    <section class="card" aria-labelledby="schedule-title">
      <h2 id="schedule-title">{t("plan.schedule")}</h2>
      <fieldset class="ranges">
        <legend>{t("plan.view")}</legend>
        {(["list", "calendar"] as const).map((v) => (
          <label key={v} class={view === v ? "choice wide on" : "choice wide"}>
            <input type="radio" name="plan-view" checked={view === v} onChange={() => setView(v)} />
            <span>{t(v === "list" ? "plan.view_list" : "plan.view_calendar")}</span>
          </label>
        ))}
      </fieldset>
      {schedule === undefined && <p>{t("common.loading")}</p>}
      <Announce message={schedule === null ? t("common.error") : ""} alert />
      {value && view === "list" && (
        <ul class="plain schedule-list" data-testid="schedule-list">
          {changes(value.days)
            .filter((c) => Object.keys(c.day.medications ?? {}).length > 0)
            .map((c) => (
              <li key={c.day.day}>
                <strong>
                  {formatDay(c.day.day)}
                  {c.until !== c.day.day ? ` – ${formatDay(c.until)}` : ""}
                </strong>
                {c.day.step ? ` · ${t("plan.step_mark")}` : ""}
                {c.day.on_hold ? ` · ${t("plan.on_hold")}` : ""}
                <br />
                {doseWords(c.day, name).join("; ")}
                {equivalent && c.day.diazepam_equivalent?.mg !== undefined && (
                  <span class="muted">
                    {" "}
                    · {t("plan.equivalent", { mg: mg(c.day.diazepam_equivalent.mg), low: mg(c.day.diazepam_equivalent.range_mg?.[0]), high: mg(c.day.diazepam_equivalent.range_mg?.[1]) })}
                  </span>
                )}
              </li>
            ))}
        </ul>
      )}
      {value && view === "calendar" && (
        <>
          <div class="row month-nav">
            <button type="button" onClick={() => setMonth(monthOf(`${month}-01`, -1))}>
              <span aria-hidden="true">‹ </span>
              {t("plan.prev_month")}
            </button>
            <button type="button" onClick={() => setMonth(monthOf(`${month}-01`, 1))}>
              {t("plan.next_month")}
              <span aria-hidden="true"> ›</span>
            </button>
          </div>
          <p class="muted">{t("plan.calendar_legend")}</p>
          <div class="table-scroll">
            <table class="calendar" data-testid="calendar">
              <caption>{monthTitle}</caption>
              <thead>
                <tr>
                  {weekdays.map((w) => (
                    <th key={w} scope="col">
                      {w}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {monthWeeks(month).map((week) => (
                  <tr key={week.find((d) => d) ?? ""}>
                    {week.map((d, i) => {
                      if (!d) return <td key={`empty${i}`} />;
                      const day = byDay.get(d);
                      const planned = plannedMg(day, equivalent);
                      const state = dayState(logged.get(d) ?? []);
                      const got = (logged.get(d) ?? []).reduce<number | null>((sum, r) => (r.logged_mg === null ? sum : (sum ?? 0) + r.logged_mg), null);
                      return (
                        <td key={d} class={[day?.step ? "step" : "", d === plan.progress.today ? "today" : "", state ? state : ""].join(" ").trim()} data-day={d}>
                          <span class="date">{Number(d.slice(8))}</span>
                          {planned !== null && <span class="mg">{mg(planned)}</span>}
                          {day?.step && <span class="mark">{t("plan.step_mark")}</span>}
                          {state && state !== "not_logged" && got !== null && <span class="visually-hidden">{t("plan.logged", { mg: mg(got) })}</span>}
                          {state && <span class="state">{t(`plan.state_${state}`)}</span>}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

/** An effect's load for the current version: an answer for an earlier version that comes late is dropped
 * (the effect's cleanup), never shown over the newer one. */
function latest<T>(answer: Promise<T>, show: (value: T) => void): () => void {
  let current = true;
  void answer.then((value) => current && show(value));
  return () => {
    current = false;
  };
}

function Questions({ version }: { version: number }) {
  const [loaded, setLoaded] = useState<Loaded<{ questions: Question[]; note: string } | null> | null | undefined>(undefined);
  useEffect(() => latest(loadQuestions(), (l) => setLoaded(l ?? null)), [version]);
  const questions = loaded?.value?.questions ?? [];
  return (
    <section class="card" aria-labelledby="questions-title" data-testid="plan-questions">
      <h2 id="questions-title">{t("plan.questions")}</h2>
      {loaded === undefined && <p>{t("common.loading")}</p>}
      {loaded && questions.length === 0 && <p>{t("plan.questions_none")}</p>}
      <ul class="flags">
        {questions.map((q) => (
          <li key={q.kind}>
            {questionText(q)}
            {q.source && typeof q.source.title === "string" && <span class="muted"> ({t("plan.source", { title: q.source.title })})</span>}
          </li>
        ))}
      </ul>
      <p class="muted">{t("plan.questions_note")}</p>
    </section>
  );
}

function Versions({ version, name }: { version: number; name: Names }) {
  const [versions, setVersions] = useState<Version[]>([]);
  useEffect(() => latest(loadVersions(), (l) => setVersions(l?.value?.versions ?? [])), [version]);
  return (
    <details class="card">
      <summary>{t("plan.versions")}</summary>
      <ul class="plain" data-testid="plan-versions">
        {versions.map((v) => (
          <li key={v.version}>
            <strong>{t("plan.version", { version: v.version, time: formatDateTime(v.created_at) })}</strong>
            <br />
            {t("plan.version_summary", {
              day: formatDay(v.start_day),
              medications: v.medications.map((m) => `${name(m.medication)} ${mg(m.start_mg)} mg`).join(", "),
            })}
            {v.ended_on ? ` · ${t("plan.version_ended", { day: formatDay(v.ended_on) })}` : ""}
          </li>
        ))}
      </ul>
    </details>
  );
}

function EndOrDelete({ plan, onChanged, onDeleted }: { plan: PlanDoc; onChanged: (outcome: Saved) => void; onDeleted: () => void }) {
  const [day, setDay] = useState(plan.ended_on ?? plan.progress.today);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState("");
  const [failed, setFailed] = useState("");

  async function end(event: Event) {
    event.preventDefault();
    setFailed("");
    try {
      const outcome = await endPlan(day, plan.version);
      if (outcome.ok) {
        setMessage(t("plan.ended", { date: formatDay(day), version: outcome.plan.version }));
        onChanged({ plan: outcome.plan });
      } else if (outcome.status === 409) onChanged({ changedTo: Number((outcome.problem as { current_version?: number })?.current_version ?? 0) });
      else setFailed(String((outcome.problem as { detail?: string })?.detail ?? t("common.error")));
    } catch {
      setFailed(t("common.error"));
    }
  }

  async function erase() {
    setFailed("");
    try {
      if (await deletePlan()) onDeleted();
      else setFailed(t("common.error"));
    } catch {
      setFailed(t("common.error"));
    }
  }

  return (
    <details class="card">
      <summary>{t("plan.end_title")}</summary>
      <p>{t("plan.end_intro")}</p>
      <form onSubmit={end}>
        <label for="plan-end-day">{t("plan.end_day")}</label>
        <input id="plan-end-day" type="date" class="short" value={day} min={plan.start_day} onInput={(e) => setDay(e.currentTarget.value)} />
        <button type="submit">{t("plan.end")}</button>
      </form>
      <Announce message={message} />
      <button type="button" class="danger-outline" onClick={() => setConfirming(true)}>
        {t("plan.delete")}
      </button>
      {confirming && (
        <Confirm
          id="plan-delete-confirm"
          question={t("plan.delete_confirm")}
          keep={t("common.cancel")}
          confirm={t("plan.delete_yes")}
          onKeep={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void erase();
          }}
        />
      )}
      <Announce message={failed} alert />
    </details>
  );
}

export function Plan() {
  const [loaded, setLoaded] = useState<Loaded<PlanDoc | null> | null | undefined>(undefined);
  const [catalog, setCatalog] = useState<MedicationCatalog>();
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState("");
  const [changedTo, setChangedTo] = useState<number | null>(null);
  const [savedHere, setSavedHere] = useState<number | null>(null); // the version this screen last saved
  const reload = () => {
    setChangedTo(null);
    return loadPlan().then((l) => setLoaded(l ?? null));
  };
  useEffect(() => {
    void reload();
    void loadMedications().then((l) => setCatalog(l && localMedications(l.value, currentLocale())));
  }, []);
  const name = useMemo(() => namesByCode(undefined, catalog).medication, [catalog]);
  const plan = loaded?.value ?? null;
  const offline = Boolean(loaded?.savedAt);

  const onSaved = (outcome: Saved) => {
    if ("changedTo" in outcome) {
      setChangedTo(outcome.changedTo);
      return;
    }
    setLoaded({ value: outcome.plan });
    setEditing(false);
    setSavedHere(outcome.plan.version);
    setNotice(t("plan.saved", { version: outcome.plan.version }));
  };

  return (
    <>
      <ScreenTitle>{t("plan.title")}</ScreenTitle>
      <p class="muted">{t("plan.intro")}</p>
      {loaded === undefined && <p>{t("common.loading")}</p>}
      <Announce message={loaded === null ? t("common.error") : ""} alert />
      {offline && <p class="muted">{t("plan.offline", { time: formatDateTime(loaded!.savedAt!) })}</p>}
      <Announce message={notice} />
      {/* Its words come into a region there before them, so they are read out. */}
      <div class={changedTo !== null ? "card" : undefined} data-testid="plan-changed">
        <Announce message={changedTo !== null ? t("plan.changed_elsewhere", { version: changedTo }) : ""} alert class="" />
        {changedTo !== null && (
          <button type="button" class="primary" onClick={() => void reload().then(() => setEditing(false))}>
            {t("plan.reload")}
          </button>
        )}
      </div>
      {loaded && !plan && !editing && (
        <section class="card">
          <p>{t("plan.none")}</p>
          <button type="button" class="primary" disabled={offline} onClick={() => { setNotice(""); setEditing(true); }}>
            {t("plan.enter")}
          </button>
        </section>
      )}
      {plan && !editing && (
        <>
          <Summary plan={plan} name={name} focus={plan.version === savedHere} />
          <button type="button" class="primary" disabled={offline} onClick={() => { setNotice(""); setEditing(true); }}>
            {t("plan.edit")}
          </button>
        </>
      )}
      {loaded && editing && (
        <PlanEditor
          initial={plan ? fieldsOf(plan as unknown as PlanBody) : blankPlan(localToday())}
          basedOn={plan?.version ?? 0}
          catalog={catalog}
          onSaved={onSaved}
          onCancel={() => setEditing(false)}
        />
      )}
      {plan && (
        <>
          <ScheduleView plan={plan} name={name} />
          <Questions version={plan.version} />
          <Versions version={plan.version} name={name} />
          {!offline && (
            <EndOrDelete
              plan={plan}
              onChanged={onSaved}
              onDeleted={() => {
                setLoaded({ value: null });
                setNotice(t("plan.deleted"));
              }}
            />
          )}
        </>
      )}
    </>
  );
}
