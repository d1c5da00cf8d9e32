// The Plan screen's form checks and conversion, and the schedule's calendar and list.
import { describe, expect, it } from "vitest";
import { changes, dayState, monthRange, monthWeeks, plannedMg } from "../src/plan/calendar";
import { blankMedication, blankPlan, bodyOf, check, fieldsOf, serverErrors, type PlanFields } from "../src/plan/form";
import { nextStepText, protractedNote, sinceZero } from "../src/plan/words";
import type { Plan } from "../src/store/plan";

function diazepam(): PlanFields {
  const plan = blankPlan("2026-12-01");
  plan.medications = [{ ...blankMedication(), medication: "diazepam", tablet_strength_mg: "2", tablet_pieces: "4", start_mg: "20", step_percent: "10", interval_days: "14" }];
  return plan;
}

describe("plan form", () => {
  it("turns what was typed into the API's plan, commas and all", () => {
    const fields = diazepam();
    fields.medications[0]!.start_mg = "19,5";
    fields.holds = [{ start: "2027-01-10", until: "" }];
    expect(check(fields)).toEqual([]);
    expect(bodyOf(fields)).toEqual({
      start_day: "2026-12-01",
      medications: [{ medication: "diazepam", form: "tablet", tablet_strength_mg: 2, tablet_pieces: 4, start_mg: 19.5, method: "percent", step_percent: 10, interval_days: 14, target_mg: 0 }],
      holds: [{ start: "2027-01-10", until: null }],
    });
  });

  it("names each problem at its own field", () => {
    const fields = diazepam();
    const med = fields.medications[0]!;
    Object.assign(med, { medication: "", tablet_strength_mg: "", start_mg: "abc", step_percent: "60", interval_days: "0" });
    fields.holds = [{ start: "2027-01-10", until: "2027-01-05" }];
    expect(check(fields).map((e) => [e.field, e.message])).toEqual([
      ["med0-medication", "plan.err_medication"],
      ["med0-strength", "plan.err_strength"],
      ["med0-start", "plan.err_start_mg"],
      ["med0-step", "plan.err_step_percent"],
      ["med0-interval", "plan.err_interval"],
      ["hold0-until", "plan.err_hold_until"],
    ]);
  });

  it("refuses micro steps further apart than a week, a rising percent plan and overlapping holds", () => {
    const fields = diazepam();
    fields.medications.push({ ...blankMedication(), medication: "clonazepam", method: "micro", step_mg: "0.1", interval_days: "10", start_mg: "1", tablet_strength_mg: "0.5" });
    fields.medications[0]!.target_mg = "25";
    fields.holds = [{ start: "2027-01-01", until: "" }, { start: "2027-02-01", until: "2027-02-10" }];
    expect(check(fields).map((e) => e.message)).toEqual(["plan.err_target_percent", "plan.err_interval_micro", "plan.err_holds_overlap"]);
  });

  it("dose times: shares in percent that add up to the whole day, sent as fractions summing to 1", () => {
    const fields = diazepam();
    fields.dose_times = [{ time: "20:00", share: "33.4" }, { time: "08:00", share: "33.3" }, { time: "14:00", share: "30" }];
    const [error] = check(fields);
    expect(error).toMatchObject({ field: "times", message: "plan.err_shares_total", params: { total: 96.7 } });
    fields.dose_times[2]!.share = "33.3";
    expect(check(fields)).toEqual([]);
    const times = bodyOf(fields).dose_times!;
    expect(times.map((d) => d.time)).toEqual(["08:00", "14:00", "20:00"]);
    expect(times.reduce((a, d) => a + d.share, 0)).toBeCloseTo(1, 9);
    fields.dose_times[0]!.time = "25:00";
    expect(check(fields).map((e) => e.field)).toEqual(["time0-time"]);
  });

  it("a stored version comes back to the form as it was typed", () => {
    const body = bodyOf(diazepam());
    expect(bodyOf(fieldsOf(body))).toEqual(body);
  });

  it("maps the server's reasons to the form's fields", () => {
    const problem = { invalid_params: [{ name: "medications.0.start_mg", reason: "Not a whole number" }, { name: "holds", reason: "overlap" }] };
    expect(serverErrors(problem)).toEqual([
      { field: "med0-start", reason: "Not a whole number" },
      { field: "holds", reason: "overlap" },
    ]);
  });
});

describe("plan calendar", () => {
  it("lays a month out in weeks from Monday", () => {
    const weeks = monthWeeks("2026-12"); // 1 December 2026 is a Tuesday
    expect(weeks[0]).toEqual([null, "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06"]);
    expect(weeks.at(-1)?.filter(Boolean).at(-1)).toBe("2026-12-31");
    expect(monthRange("2028-02")).toEqual({ from: "2028-02-01", to: "2028-02-29" });
  });

  it("shows the one medication's mg, or a crossover's diazepam equivalent", () => {
    expect(plannedMg({ day: "d", medications: { diazepam: { mg: 18 } } })).toBe(18);
    expect(plannedMg({ day: "d", medications: { a: { mg: 1 }, b: { mg: 2 } }, diazepam_equivalent: { mg: 30 } })).toBe(30);
    expect(plannedMg({ day: "d", medications: {} })).toBeNull();
  });

  it("a day that differs on any medication is different", () => {
    const row = (state: "as_planned" | "below_plan" | "not_logged") => ({ day: "d", medication: "m", planned_mg: 1, logged_mg: 1, state });
    expect(dayState([row("as_planned"), row("below_plan")])).toBe("below_plan");
    expect(dayState([row("not_logged")])).toBe("not_logged");
    expect(dayState([])).toBeNull();
  });

  it("the list keeps one line per dose, from each step", () => {
    const d = (day: string, mg: number, step = false) => ({ day, medications: { diazepam: { mg } }, step });
    const list = changes([d("2026-12-01", 20), d("2026-12-02", 20), d("2026-12-03", 18, true), d("2026-12-04", 18)]);
    expect(list.map((c) => [c.day.day, c.until])).toEqual([
      ["2026-12-01", "2026-12-02"],
      ["2026-12-03", "2026-12-04"],
    ]);
  });
});

describe("the plan's and the trends' words", () => {
  it("never tell the person what to do with a dose, in either language", async () => {
    const { en } = await import("../src/i18n/en");
    const { es } = await import("../src/i18n/es");
    const { planEn } = await import("../src/i18n/plan-en");
    const { planEs } = await import("../src/i18n/plan-es");
    const ours = (messages: Record<string, unknown>) =>
      Object.entries(messages)
        .filter(([key]) => /^(plan\.|today\.(plan|dose_at|taken|skip|dose_taken|dose_skipped)|trends\.|settings\.push)/.test(key))
        .flatMap(([, m]) => (typeof m === "string" ? [m] : Object.values(m as Record<string, string>)));
    const english = ours({ ...en, ...planEn });
    const spanish = ours({ ...es, ...planEs });
    expect(english.length).toBeGreaterThan(100);
    expect(spanish.length).toBe(english.length);
    const advice = /\b(you should|you must|try to|consider|slow down|speed up|reduce your|increase your|pause your|switch to|skip your|take your|deberías|debes|intenta|considera|reduce tu|aumenta tu)\b/i;
    expect([...english, ...spanish].filter((text) => advice.test(text))).toEqual([]);
  });
});

describe("a dose's time", () => {
  it("is written in Spanish without the hour's leading zero, as the server and the reminders write it", async () => {
    const { formatClock } = await import("../src/i18n/i18n");
    expect(["08:00", "13:30", "00:15", "01:30", "10:05"].map((time) => formatClock(time, "es"))).toEqual(["8:00", "13:30", "0:15", "1:30", "10:05"]);
    expect(["08:00", "13:30", "00:15"].map((time) => formatClock(time, "en"))).toEqual(["08:00", "13:30", "00:15"]);
  });
});

describe("fields kept through an edit", () => {
  it("a crossover's later start and an agreed last step survive the form", () => {
    const fields = diazepam();
    fields.medications[0]!.last_step_from_mg = "2";
    fields.medications.push({ ...blankMedication(), medication: "clonazepam", tablet_strength_mg: "0.5", start_mg: "0", target_mg: "1", method: "fixed_mg", step_mg: "0.5", start_day: "2026-12-15" });
    expect(check(fields)).toEqual([]);
    const body = bodyOf(fields);
    expect(body.medications.map((m) => [m.start_day, m.last_step_from_mg])).toEqual([[undefined, 2], ["2026-12-15", undefined]]);
    expect(bodyOf(fieldsOf(body))).toEqual(body);
    fields.medications[1]!.start_day = "2026-11-01";
    fields.medications[1]!.last_step_from_mg = "0.5";
    expect(check(fields).map((e) => e.message)).toEqual(["plan.err_med_start", "plan.err_last_step_rising"]);
  });
});

describe("an ended plan, edited", () => {
  it("keeps its last day unless it is emptied, and refuses one before the start", () => {
    const body = { ...bodyOf(diazepam()), ended_on: "2027-01-31" };
    const fields = fieldsOf(body);
    expect(bodyOf(fields).ended_on).toBe("2027-01-31");
    expect(bodyOf({ ...fields, ended_on: "" }).ended_on).toBeUndefined();
    expect(check({ ...fields, ended_on: "2026-11-30" }).map((e) => e.field)).toEqual(["plan-ended"]);
  });
});

describe("after the plan reaches 0 mg", () => {
  const reached = (finish: string | null, today: string, extra: Partial<Plan> = {}, target = 0) =>
    ({ medications: [{ medication: "diazepam", target_mg: target }], holds: [], progress: { finish, today, next_step: null }, ...extra }) as unknown as Plan;

  it("says when, in days and then in whole months", () => {
    expect(nextStepText(reached("2026-12-07", "2026-12-07"), String)).toBe("Your plan reaches 0 mg today.");
    expect(nextStepText(reached("2026-12-06", "2026-12-07"), String)).toBe("Your plan reached 0 mg on Dec 6, 2026, 1 day ago.");
    expect(nextStepText(reached("2026-10-09", "2026-12-07"), String)).toBe("Your plan reached 0 mg on Oct 9, 2026, 59 days ago.");
    expect(nextStepText(reached("2026-10-08", "2026-12-07"), String)).toBe("Your plan reached 0 mg on Oct 8, 2026, 1 month ago.");
    expect(nextStepText(reached("2025-03-01", "2026-12-07"), String)).toBe("Your plan reached 0 mg on Mar 1, 2025, 21 months ago.");
  });

  it("notes that symptoms may go on, once a whole month has passed", () => {
    expect(protractedNote(reached("2026-11-08", "2026-12-07"))).toBeNull(); // 29 days
    expect(protractedNote(reached("2026-11-07", "2026-12-07"))).toMatch(/^Some people have withdrawal symptoms for months/);
  });

  it("says nothing of 0 mg before that day, for a plan ending above it, or one ended before it", () => {
    expect(sinceZero(reached("2026-12-08", "2026-12-07"))).toBeNull();
    expect(sinceZero(reached(null, "2026-12-07"))).toBeNull();
    expect(sinceZero(reached("2026-11-01", "2026-12-07", {}, 5))).toBeNull();
    expect(sinceZero(reached("2026-11-01", "2026-12-07", { ended_on: "2026-10-20" }))).toBeNull();
    expect(sinceZero(reached("2026-11-01", "2026-12-07", { ended_on: "2026-11-01" }))).toEqual({ day: "2026-11-01", days: 36, months: 1 });
  });
});
