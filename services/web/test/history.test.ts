// History's arrangement by day and the event an edit sends.
import { describe, expect, it } from "vitest";
import { byDay, editable, editedEvent, type Stored } from "../src/history/days";
import { dayIn, deviceZone, formatTimeIn } from "../src/i18n/i18n";
import type { OutboxEntry } from "../src/store/outbox";

function stored(id: string, day: string, type = "check_in", data: Record<string, unknown> = { overall: 4 }): Stored {
  return {
    event_id: id,
    type: type as Stored["type"],
    occurred_at: `${day}T12:00:00Z`,
    occurred_at_device: `${day}T13:00:00+01:00`,
    local_day: day,
    time_zone: "Europe/Madrid",
    received_at: `${day}T12:00:01Z`,
    clock_corrected: false,
    data,
  };
}

function waiting(id: string, occurredAt: string, replaces?: string): OutboxEntry {
  return {
    event: { event_id: id, type: "check_in", occurred_at: occurredAt, overall: 5 },
    logged_at: occurredAt,
    state: "pending",
    ...(replaces ? { replaces } : {}),
  };
}

describe("history by day", () => {
  it("groups by the local day, newest day first, waiting entries before stored ones", () => {
    const days = byDay(
      [waiting("w1", "2026-12-06T00:30:00.000+09:00")],
      [stored("s1", "2026-12-06"), stored("s2", "2026-12-04"), stored("s3", "2026-12-05")],
    );
    expect(days.map((d) => d.day)).toEqual(["2026-12-06", "2026-12-05", "2026-12-04"]);
    // 00:30 at +09:00 is still 5 December in UTC, but the person logged it on the 6th.
    expect(days[0]?.waiting.map((w) => w.event.event_id)).toEqual(["w1"]);
    expect(days[0]?.stored.map((s) => s.event_id)).toEqual(["s1"]);
  });

  it("puts a waiting entry on the account's day, not the phone's, as the server will", () => {
    // 05:30 in Madrid, where the phone is, is still 5 December in New York, the account's zone.
    const days = byDay([waiting("w1", "2026-12-06T05:30:00.000+01:00")], [stored("s1", "2026-12-05")], "America/New_York");
    expect(days.map((d) => d.day)).toEqual(["2026-12-05"]);
    expect(days[0]?.waiting.map((w) => w.event.event_id)).toEqual(["w1"]);
    // An edit waiting to sync is counted in the zone of the entry it replaces.
    const edit = { ...waiting("e1", "2026-12-06T05:30:00.000+01:00", "s1"), event: { ...waiting("e1", "2026-12-06T05:30:00.000+01:00").event, time_zone: "Europe/Madrid" } };
    expect(byDay([edit], [], "America/New_York").map((d) => d.day)).toEqual(["2026-12-06"]);
  });

  it("shows a waiting edit in place of the stored version it replaces", () => {
    const days = byDay([waiting("new", "2026-12-05T13:00:00.000+01:00", "old")], [stored("old", "2026-12-05"), stored("other", "2026-12-05")]);
    expect(days).toHaveLength(1);
    expect(days[0]?.stored.map((s) => s.event_id)).toEqual(["other"]);
    expect(days[0]?.waiting[0]?.replaces).toBe("old");
  });

  it("is empty with nothing logged", () => {
    expect(byDay([], [])).toEqual([]);
  });

  it("shows an entry the server already holds once, as stored, while the old version stays replaced", () => {
    const days = byDay([waiting("new", "2026-12-05T13:00:00.000+01:00", "old")], [stored("old", "2026-12-05"), stored("new", "2026-12-05")]);
    expect(days[0]?.waiting).toEqual([]);
    expect(days[0]?.stored.map((s) => s.event_id)).toEqual(["new"]);
  });

  it("keeps a refused entry in view even when the server holds its id (a conflict)", () => {
    const refused = { ...waiting("same", "2026-12-05T13:00:00.000+01:00"), state: "rejected" as const };
    const days = byDay([refused], [stored("same", "2026-12-05")]);
    expect(days[0]?.waiting.map((w) => w.event.event_id)).toEqual(["same"]);
  });
});

describe("an edit", () => {
  it("keeps the type, the device time, the day's zone and the other fields, with a new event_id and the change", () => {
    const old = stored("old", "2026-12-05", "dose", { medication: "diazepam", amount_mg: 5, form: "tablet", status: "taken" });
    expect(editedEvent(old, { amount_mg: 4.5 }, "new")).toEqual({
      event_id: "new",
      type: "dose",
      occurred_at: "2026-12-05T13:00:00+01:00",
      time_zone: "Europe/Madrid",
      medication: "diazepam",
      amount_mg: 4.5,
      form: "tablet",
      status: "taken",
    });
  });

  it("edits the main value of each kind of entry, and not a skipped dose", () => {
    expect(editable(stored("a", "2026-12-05"))).toEqual({ field: "overall", value: 4 });
    expect(editable(stored("b", "2026-12-05", "symptom", { code: "insomnia", severity: 2 }))).toEqual({ field: "severity", value: 2 });
    expect(editable(stored("c", "2026-12-05", "note", { text: "hello" }))).toEqual({ field: "text", value: "hello" });
    expect(editable(stored("d", "2026-12-05", "dose", { medication: "diazepam", amount_mg: 5, status: "skipped" }))).toBeNull();
    expect(editable(stored("e", "2026-12-05", "taper_step", { new_daily_dose_mg: 5 }))).toBeNull();
  });
});

describe("an entry's time", () => {
  it("is read on the clock of the zone its day was counted in, named when this device's clock differs", () => {
    const away = deviceZone() === "America/New_York" ? "Europe/Madrid" : "America/New_York";
    const instant = "2026-12-06T04:30:00Z"; // 23:30 on the 5th in New York, 05:30 on the 6th in Madrid
    const [time, zoneName, day] = away === "America/New_York" ? ["11:30", "EST", "2026-12-05"] : ["5:30", "GMT+1", "2026-12-06"];
    expect(formatTimeIn(instant, away)).toMatch(new RegExp(`^${time}\\s[AP]M\\s${zoneName.replace("+", "\\+")}$`));
    expect(dayIn(instant, away)).toBe(day);
    // In the device's own zone, no zone name: the clock on the wall says the same.
    expect(formatTimeIn(instant, deviceZone())).toMatch(/^\d{1,2}:\d{2}\s[AP]M$/);
  });
});
