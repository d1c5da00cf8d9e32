// The email preference groups the Settings forms send (the API replaces a group whole), and how a refusal
// is told.
import { describe, expect, it } from "vitest";
import { devicePaper } from "../src/reports/paper";
import { refusal, reminderForm, reminderGroup, weeklyForm, weeklyGroup } from "../src/settings/preferences";

describe("preference groups", () => {
  const reminders = { enabled: false, local_time: "19:00", days: ["monday" as const], quiet_hours: null, paused_until: null };

  it("send the reminder group whole, with quiet hours and a pause only when chosen", () => {
    const form = { ...reminderForm(reminders), enabled: true, quiet: true, quiet_start: "21:30", paused_until: "2026-12-20" };
    expect(reminderGroup(reminders, form)).toEqual({
      enabled: true,
      local_time: "19:00",
      days: ["monday"],
      quiet_hours: { start: "21:30", end: "08:00" },
      paused_until: "2026-12-20",
    });
    const off = reminderGroup({ ...reminders, quiet_hours: { start: "22:00", end: "07:00" }, paused_until: "2026-12-20" }, {
      ...reminderForm(reminders),
      quiet: false,
      paused_until: "",
    });
    expect(off.quiet_hours).toBeNull();
    expect(off.paused_until).toBeNull();
  });

  it("send the weekly report group whole, with no clinician when the field is empty", () => {
    const weekly = { enabled: false, weekday: "monday" as const, local_time: "09:00", to_self: true, clinician_email: null, attach_pdf: false, include_notes: false, paper: "Letter" as const };
    const form = { ...weeklyForm(weekly), enabled: true, weekday: "friday", clinician_email: "  " };
    expect(weeklyGroup(weekly, form)).toEqual({ ...weekly, enabled: true, weekday: "friday" });
    const clinicianOnly = { ...weeklyForm(weekly), to_self: false, clinician_email: " dr@example.org " };
    expect(weeklyGroup(weekly, clinicianOnly)).toMatchObject({ to_self: false, clinician_email: "dr@example.org" });
  });

  it("show the weekly report's paper as this device's until one is chosen, and send the one shown", () => {
    const unchosen = { enabled: true, paper: null };
    expect(weeklyForm(unchosen).paper).toBe(devicePaper());
    expect(weeklyGroup(unchosen, { ...weeklyForm(unchosen), paper: "A4" }).paper).toBe("A4");
  });

  it("tell the server's reasons for a refusal", () => {
    expect(refusal({ detail: "Some fields are not valid", invalid_params: [{ name: "x", reason: "Use 24-hour HH:MM, e.g. 09:00." }] })).toBe(
      "Use 24-hour HH:MM, e.g. 09:00.",
    );
    expect(refusal({ detail: "Too many" })).toBe("Too many");
    expect(refusal(undefined)).toBe("");
  });
});
