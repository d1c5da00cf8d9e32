// The Plan screen's form: what the person types (text, so a half-typed number stays as typed), checked here
// with one specific message per field, and turned into the API's plan. The server checks everything again
// (measurable doses among others) and its reasons are shown too. Pure, so it is unit-tested.
import type { MessageKey } from "../i18n/i18n";

export type Method = "percent" | "fixed_mg" | "micro";
export type Form = "tablet" | "liquid" | "other";

export interface MedicationFields {
  medication: string;
  form: Form;
  tablet_strength_mg: string;
  tablet_pieces: string;
  concentration_mg_per_ml: string;
  measure_ml: string;
  resolution_mg: string;
  start_mg: string;
  method: Method;
  step_percent: string;
  step_mg: string;
  interval_days: string;
  target_mg: string;
  start_day: string; // optional: when this medication starts, if later than the plan (a crossover)
  last_step_from_mg: string; // optional: from this dose or below, the next step goes to the end point
}

export interface HoldFields {
  start: string;
  until: string;
}

export interface TimeFields {
  time: string;
  share: string; // percent of the day's dose
}

export interface PlanFields {
  start_day: string;
  ended_on: string; // kept through an edit; emptied to take the plan up again
  medications: MedicationFields[];
  holds: HoldFields[];
  dose_times: TimeFields[];
}

export interface PlanMedication {
  medication: string;
  form: Form;
  tablet_strength_mg?: number;
  tablet_pieces?: 1 | 2 | 4 | 8;
  concentration_mg_per_ml?: number;
  measure_ml?: number;
  resolution_mg?: number;
  start_day?: string;
  start_mg: number;
  method: Method;
  step_percent?: number;
  step_mg?: number;
  interval_days: number;
  target_mg?: number;
  last_step_from_mg?: number;
}

export interface DoseTime {
  time: string;
  share: number;
}

export interface PlanBody {
  start_day: string;
  medications: PlanMedication[];
  holds: { start: string; until: string | null }[];
  dose_times?: DoseTime[];
  ended_on?: string | null;
}

/** One problem with what was typed: the field's id in the form, and the message. */
export interface FieldError {
  field: string;
  message: MessageKey;
  params?: Record<string, string | number>;
}

export const MAX_MEDICATIONS = 3;
export const MAX_DOSE_TIMES = 6;
const MAX_MG = 2000;

export function blankMedication(): MedicationFields {
  return {
    medication: "",
    form: "tablet",
    tablet_strength_mg: "",
    tablet_pieces: "1",
    concentration_mg_per_ml: "",
    measure_ml: "0.1",
    resolution_mg: "",
    start_mg: "",
    method: "percent",
    step_percent: "",
    step_mg: "",
    interval_days: "14",
    target_mg: "0",
    start_day: "",
    last_step_from_mg: "",
  };
}

export function blankPlan(today: string): PlanFields {
  return { start_day: today, ended_on: "", medications: [blankMedication()], holds: [], dose_times: [] };
}

const text = (value: number | undefined | null) => (value === undefined || value === null ? "" : String(value));

/** A stored version as the form shows it, to change from there. */
export function fieldsOf(plan: PlanBody): PlanFields {
  return {
    start_day: plan.start_day,
    ended_on: plan.ended_on ?? "",
    medications: plan.medications.map((m) => ({
      ...blankMedication(),
      medication: m.medication,
      form: m.form,
      tablet_strength_mg: text(m.tablet_strength_mg),
      tablet_pieces: text(m.tablet_pieces ?? 1),
      concentration_mg_per_ml: text(m.concentration_mg_per_ml),
      measure_ml: text(m.measure_ml ?? 0.1),
      resolution_mg: text(m.resolution_mg),
      start_mg: text(m.start_mg),
      method: m.method,
      step_percent: text(m.step_percent),
      step_mg: text(m.step_mg),
      interval_days: text(m.interval_days),
      target_mg: text(m.target_mg ?? 0),
      start_day: m.start_day ?? "",
      last_step_from_mg: text(m.last_step_from_mg),
    })),
    holds: (plan.holds ?? []).map((h) => ({ start: h.start, until: h.until ?? "" })),
    dose_times: (plan.dose_times ?? []).map((d) => ({ time: d.time, share: text(Math.round(d.share * 1000) / 10) })),
  };
}

/** A decimal as typed, with a comma or a point; NaN when it is not one. */
export function decimal(value: string): number {
  const cleaned = value.trim().replace(",", ".");
  return /^\d+(\.\d+)?$|^\.\d+$/.test(cleaned) ? Number(cleaned) : Number.NaN;
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The problems in what was typed (empty when it can be sent), in the order the form shows the fields. */
export function check(fields: PlanFields): FieldError[] {
  const errors: FieldError[] = [];
  const refuse = (field: string, message: MessageKey, params?: Record<string, string | number>) =>
    errors.push({ field, message, ...(params ? { params } : {}) });
  if (!fields.start_day) refuse("plan-start", "plan.err_day");
  else if (fields.ended_on && fields.ended_on < fields.start_day) refuse("plan-ended", "plan.err_ended");
  const seen = new Set<string>();
  fields.medications.forEach((m, i) => {
    const id = (name: string) => `med${i}-${name}`;
    if (!m.medication) refuse(id("medication"), "plan.err_medication");
    else if (seen.has(m.medication)) refuse(id("medication"), "plan.err_twice");
    seen.add(m.medication);
    const positive = (value: string, max: number) => decimal(value) > 0 && decimal(value) <= max;
    if (m.form === "tablet" && !positive(m.tablet_strength_mg, 100)) refuse(id("strength"), "plan.err_strength");
    if (m.form === "liquid" && !positive(m.concentration_mg_per_ml, 1000)) refuse(id("concentration"), "plan.err_concentration");
    if (m.form === "liquid" && !(decimal(m.measure_ml) >= 0.01 && decimal(m.measure_ml) <= 10)) refuse(id("measure"), "plan.err_measure");
    if (m.form === "other" && m.resolution_mg.trim() && !positive(m.resolution_mg, 100)) refuse(id("resolution"), "plan.err_resolution");
    const start = decimal(m.start_mg);
    if (!(start >= 0 && start <= MAX_MG)) refuse(id("start"), "plan.err_start_mg");
    if (m.method === "percent" && !positive(m.step_percent, 50)) refuse(id("step"), "plan.err_step_percent");
    if (m.method !== "percent" && !positive(m.step_mg, MAX_MG)) refuse(id("step"), "plan.err_step_mg");
    const interval = Number(m.interval_days.trim());
    if (!/^\d+$/.test(m.interval_days.trim()) || interval < 1 || interval > 365) refuse(id("interval"), "plan.err_interval");
    else if (m.method === "micro" && interval > 7) refuse(id("interval"), "plan.err_interval_micro");
    const target = decimal(m.target_mg || "0");
    if (!(target >= 0 && target <= MAX_MG)) refuse(id("target"), "plan.err_target");
    else if (m.method === "percent" && start >= 0 && target > start) refuse(id("target"), "plan.err_target_percent");
    if (m.start_day && fields.start_day && m.start_day < fields.start_day) refuse(id("start-day"), "plan.err_med_start");
    if (m.last_step_from_mg.trim()) {
      const last = decimal(m.last_step_from_mg);
      if (!(last >= 0 && last <= MAX_MG)) refuse(id("last-step"), "plan.err_last_step");
      else if (target >= start) refuse(id("last-step"), "plan.err_last_step_rising");
    }
  });
  fields.holds.forEach((h, i) => {
    if (!h.start) refuse(`hold${i}-start`, "plan.err_day");
    else if (h.until && h.until <= h.start) refuse(`hold${i}-until`, "plan.err_hold_until");
  });
  const holds = fields.holds.filter((h) => h.start).sort((a, b) => (a.start < b.start ? -1 : 1));
  for (let i = 1; i < holds.length; i++) {
    const earlier = holds[i - 1]!;
    if (!earlier.until || earlier.until > holds[i]!.start) {
      refuse("holds", "plan.err_holds_overlap");
      break;
    }
  }
  if (fields.dose_times.length > 0) {
    const times = new Set<string>();
    let total = 0;
    fields.dose_times.forEach((d, i) => {
      if (!TIME.test(d.time)) refuse(`time${i}-time`, "plan.err_time");
      else if (times.has(d.time)) refuse(`time${i}-time`, "plan.err_times_twice");
      times.add(d.time);
      const share = decimal(d.share);
      if (!(share > 0 && share <= 100)) refuse(`time${i}-share`, "plan.err_share");
      else total += share;
    });
    if (errors.every((e) => !e.field.startsWith("time")) && Math.abs(total - 100) > 0.05) {
      refuse("times", "plan.err_shares_total", { total: Math.round(total * 10) / 10 });
    }
  }
  return errors;
}

/** The API's plan from checked fields (call `check` first). Shares become fractions that add up to 1. */
export function bodyOf(fields: PlanFields): PlanBody {
  const medications = fields.medications.map((m): PlanMedication => {
    const out: PlanMedication = {
      medication: m.medication,
      form: m.form,
      start_mg: decimal(m.start_mg),
      method: m.method,
      interval_days: Number(m.interval_days.trim()),
      target_mg: decimal(m.target_mg || "0"),
    };
    if (m.form === "tablet") {
      out.tablet_strength_mg = decimal(m.tablet_strength_mg);
      out.tablet_pieces = Number(m.tablet_pieces) as 1 | 2 | 4 | 8;
    }
    if (m.form === "liquid") {
      out.concentration_mg_per_ml = decimal(m.concentration_mg_per_ml);
      out.measure_ml = decimal(m.measure_ml);
    }
    if (m.form === "other" && m.resolution_mg.trim()) out.resolution_mg = decimal(m.resolution_mg);
    if (m.method === "percent") out.step_percent = decimal(m.step_percent);
    else out.step_mg = decimal(m.step_mg);
    if (m.start_day) out.start_day = m.start_day;
    if (m.last_step_from_mg.trim()) out.last_step_from_mg = decimal(m.last_step_from_mg);
    return out;
  });
  const body: PlanBody = {
    start_day: fields.start_day,
    medications,
    holds: fields.holds.map((h) => ({ start: h.start, until: h.until || null })),
  };
  if (fields.ended_on) body.ended_on = fields.ended_on;
  if (fields.dose_times.length > 0) {
    const shares = fields.dose_times.map((d) => Math.round(decimal(d.share) * 10) / 1000);
    // The last share takes what rounding left over, so they add up to exactly 1.
    const rest = 1 - shares.slice(0, -1).reduce((a, b) => a + b, 0);
    body.dose_times = fields.dose_times
      .map((d, i) => ({ time: d.time, share: i === shares.length - 1 ? Math.round(rest * 1000) / 1000 : shares[i]! }))
      .sort((a, b) => (a.time < b.time ? -1 : 1));
  }
  return body;
}

/** The server's refusal reasons (problem+json `invalid_params`), by the form's field id where one matches. */
export function serverErrors(problem: unknown): { field: string; reason: string }[] {
  const params = (problem as { invalid_params?: { name?: string; reason?: string }[] } | undefined)?.invalid_params ?? [];
  const ids: Record<string, string> = {
    medication: "medication",
    tablet_strength_mg: "strength",
    concentration_mg_per_ml: "concentration",
    measure_ml: "measure",
    resolution_mg: "resolution",
    start_mg: "start",
    step_percent: "step",
    step_mg: "step",
    interval_days: "interval",
    target_mg: "target",
    start_day: "start-day",
    last_step_from_mg: "last-step",
  };
  return params.map((p) => {
    const name = p.name ?? "";
    const med = /^medications\.(\d+)\.(\w+)$/.exec(name);
    const top: Record<string, string> = { start_day: "plan-start", ended_on: "plan-ended" };
    const field = med && ids[med[2]!] ? `med${med[1]}-${ids[med[2]!]}` : (top[name] ?? name);
    return { field, reason: p.reason ?? "" };
  });
}
