// The email preference groups as the Settings forms edit them. The API replaces a group whole, so each form
// sends its group complete: the fields it shows as edited, the others as the server last gave them.
import type { Schemas } from "../api/client";
import { devicePaper, type Paper } from "../reports/paper";

export type WeeklyReport = Schemas["WeeklyReportPrefs"];
export type Reminders = Schemas["ReminderPrefs"];

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;

export interface ReminderForm {
  enabled: boolean;
  local_time: string;
  quiet: boolean;
  quiet_start: string;
  quiet_end: string;
  paused_until: string; // "" when not paused
}

export function reminderForm(current: Reminders): ReminderForm {
  return {
    enabled: Boolean(current.enabled),
    local_time: current.local_time ?? "19:00",
    quiet: Boolean(current.quiet_hours),
    quiet_start: current.quiet_hours?.start ?? "22:00",
    quiet_end: current.quiet_hours?.end ?? "08:00",
    paused_until: current.paused_until ?? "",
  };
}

export function reminderGroup(current: Reminders, form: ReminderForm): Reminders {
  return {
    ...current,
    enabled: form.enabled,
    local_time: form.local_time,
    quiet_hours: form.quiet ? { start: form.quiet_start, end: form.quiet_end } : null,
    paused_until: form.paused_until || null,
  };
}

export interface WeeklyForm {
  enabled: boolean;
  weekday: string;
  local_time: string;
  to_self: boolean;
  clinician_email: string; // "" when none
  include_notes: boolean;
  paper: Paper;
}

export function weeklyForm(current: WeeklyReport): WeeklyForm {
  return {
    enabled: Boolean(current.enabled),
    weekday: current.weekday ?? "monday",
    local_time: current.local_time ?? "09:00",
    to_self: current.to_self ?? true,
    clinician_email: current.clinician_email ?? "",
    include_notes: Boolean(current.include_notes),
    paper: current.paper ?? devicePaper(), // not chosen yet: shown as this device's, saved once sent
  };
}

export function weeklyGroup(current: WeeklyReport, form: WeeklyForm): WeeklyReport {
  return {
    ...current,
    enabled: form.enabled,
    weekday: form.weekday as WeeklyReport["weekday"],
    local_time: form.local_time,
    to_self: form.to_self,
    clinician_email: form.clinician_email.trim() || null,
    include_notes: form.include_notes,
    paper: form.paper,
  };
}

/** The server's reasons for refusing a change (RFC 9457 invalid_params), one line. */
export function refusal(problem: unknown): string {
  const p = (problem ?? {}) as { detail?: string; invalid_params?: { reason?: string }[] };
  const reasons = (p.invalid_params ?? []).map((i) => i.reason).filter(Boolean);
  return reasons.length ? reasons.join(" ") : (p.detail ?? "");
}
