// Settings for the person's own optional email: the weekly report (on/off, day, time, an optional clinician
// who gets a link, its paper) and the check-in reminder (time, quiet hours, a pause; it comes to the devices
// where reminders are on, else by email). An unsubscribe link in an email turns the same `enabled` off, so
// what shows here is always what the emails do.
import { useState } from "preact/hooks";
import { api, type Me } from "../api/client";
import { t, weekdayName } from "../i18n/i18n";
import { Outcome, useOutcome } from "../ui/Announce";
import { PaperSelect } from "../ui/PaperSelect";
import {
  refusal,
  reminderForm,
  reminderGroup,
  weeklyForm,
  weeklyGroup,
  WEEKDAYS,
  type ReminderForm,
  type WeeklyForm,
} from "../settings/preferences";

type Changed = (me: Me) => void;

async function saveGroup(body: { preferences: Me["preferences"] }, onChanged: Changed): Promise<string> {
  const answer = await api.PATCH("/v1/me", { body }).catch(() => null);
  if (!answer) return t("settings.save_offline");
  const { data, error } = answer;
  if (data) onChanged(data);
  return data ? "" : refusal(error) || t("common.error");
}

/** A group's save, said: saved, or not saved and why. */
function said(outcome: ReturnType<typeof useOutcome>, problem: string, saved: string) {
  if (problem) outcome.failed(t("settings.not_saved", { detail: problem }));
  else outcome.ok(saved);
}

export function WeeklyReportSettings({ me, onChanged }: { me: Me; onChanged: Changed }) {
  const current = me.preferences?.weekly_report ?? {};
  const [form, setForm] = useState<WeeklyForm>(weeklyForm(current));
  const outcome = useOutcome();
  const set = (change: Partial<WeeklyForm>) => setForm({ ...form, ...change });

  async function save(event: Event) {
    event.preventDefault();
    const failed = await saveGroup({ preferences: { weekly_report: weeklyGroup(current, form) } }, onChanged);
    said(outcome, failed, t("settings.weekly_saved"));
  }

  return (
    <form class="card" onSubmit={save} aria-labelledby="weekly-title">
      <h2 id="weekly-title">{t("settings.weekly")}</h2>
      <label class="check">
        <input type="checkbox" checked={form.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} />
        {t("settings.weekly_on")}
      </label>
      <div class="row gap">
        <span>
          <label for="weekly-day">{t("settings.weekly_day")}</label>
          <select id="weekly-day" value={form.weekday} onChange={(e) => set({ weekday: e.currentTarget.value })}>
            {WEEKDAYS.map((day, i) => (
              <option key={day} value={day}>
                {weekdayName(i)}
              </option>
            ))}
          </select>
        </span>
        <span>
          <label for="weekly-time">{t("settings.weekly_time")}</label>
          <input id="weekly-time" type="time" class="short" required value={form.local_time} onInput={(e) => set({ local_time: e.currentTarget.value })} />
        </span>
      </div>
      <p class="muted">{t("settings.weekly_hint")}</p>
      <label class="check">
        <input type="checkbox" checked={form.to_self} onChange={(e) => set({ to_self: e.currentTarget.checked })} />
        {t("settings.weekly_to_self")}
      </label>
      <label for="weekly-clinician">{t("settings.weekly_clinician")}</label>
      <input
        id="weekly-clinician"
        type="email"
        autocomplete="off"
        aria-describedby="weekly-clinician-hint"
        value={form.clinician_email}
        onInput={(e) => set({ clinician_email: e.currentTarget.value })}
      />
      <p id="weekly-clinician-hint" class="muted">
        {t("settings.weekly_clinician_hint")}
      </p>
      <label class="check">
        <input type="checkbox" checked={form.include_notes} onChange={(e) => set({ include_notes: e.currentTarget.checked })} />
        {t("reports.include_notes")}
      </label>
      <PaperSelect id="weekly-paper" value={form.paper} onChange={(paper) => set({ paper })} />
      <button type="submit">{t("settings.weekly_save")}</button>
      <Outcome of={outcome} />
    </form>
  );
}

export function ReminderSettings({ me, onChanged }: { me: Me; onChanged: Changed }) {
  const current = me.preferences?.reminders ?? {};
  const [form, setForm] = useState<ReminderForm>(reminderForm(current));
  const outcome = useOutcome();
  const set = (change: Partial<ReminderForm>) => setForm({ ...form, ...change });

  async function save(event: Event) {
    event.preventDefault();
    const failed = await saveGroup({ preferences: { reminders: reminderGroup(current, form) } }, onChanged);
    said(outcome, failed, t("settings.reminders_saved"));
  }

  return (
    <form class="card" onSubmit={save} aria-labelledby="reminders-title">
      <h2 id="reminders-title">{t("settings.reminders")}</h2>
      <label class="check">
        <input type="checkbox" checked={form.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} />
        {t("settings.reminders_on")}
      </label>
      <p class="muted">{t("settings.reminders_hint")}</p>
      <label for="reminder-time">{t("settings.reminders_time")}</label>
      <input id="reminder-time" type="time" class="short" required value={form.local_time} onInput={(e) => set({ local_time: e.currentTarget.value })} />
      <label class="check">
        <input type="checkbox" checked={form.quiet} onChange={(e) => set({ quiet: e.currentTarget.checked })} />
        {t("settings.quiet")}
      </label>
      {form.quiet && (
        <div class="row gap">
          <span>
            <label for="quiet-start">{t("settings.quiet_start")}</label>
            <input id="quiet-start" type="time" class="short" required value={form.quiet_start} onInput={(e) => set({ quiet_start: e.currentTarget.value })} />
          </span>
          <span>
            <label for="quiet-end">{t("settings.quiet_end")}</label>
            <input id="quiet-end" type="time" class="short" required value={form.quiet_end} onInput={(e) => set({ quiet_end: e.currentTarget.value })} />
          </span>
        </div>
      )}
      <label for="paused-until">{t("settings.pause")}</label>
      <input
        id="paused-until"
        type="date"
        class="short"
        aria-describedby="paused-hint"
        value={form.paused_until}
        onInput={(e) => set({ paused_until: e.currentTarget.value })}
      />
      <p id="paused-hint" class="muted">
        {t("settings.pause_hint")}
      </p>
      {form.paused_until && (
        <p>
          <button type="button" class="link" onClick={() => set({ paused_until: "" })}>
            {t("settings.pause_clear")}
          </button>
        </p>
      )}
      <button type="submit">{t("settings.reminders_save")}</button>
      <Outcome of={outcome} />
    </form>
  );
}
