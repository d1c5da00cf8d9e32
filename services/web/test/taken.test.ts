// Today's "last dose logged" and "start from your last check-in": the newest among the entries stored and those
// waiting on this device; History's time since the last dose.
import { describe, expect, it } from "vitest";
import { afterDose, lastCheckIn, lastTaken } from "../src/history/taken";
import type { Stored } from "../src/history/days";
import type { OutboxEntry } from "../src/store/outbox";

const stored = (id: string, at: string, data: Record<string, unknown>, type = "dose") =>
  ({ event_id: id, type, occurred_at: at, local_day: at.slice(0, 10), data }) as unknown as Stored;
const waiting = (id: string, at: string, data: Record<string, unknown>, extra: Partial<OutboxEntry> = {}) =>
  ({ event: { event_id: id, type: "dose", occurred_at: at, ...data }, logged_at: at, state: "pending", ...extra }) as OutboxEntry;

describe("the last dose taken", () => {
  const morning = stored("a", "2026-12-07T08:00:00Z", { medication: "diazepam", amount_mg: 9, status: "taken" });

  it("is the newest taken, stored or waiting, whatever the order", () => {
    const evening = waiting("b", "2026-12-07T20:00:00Z", { medication: "diazepam", amount_mg: 9 });
    expect(lastTaken([morning], [evening])).toMatchObject({ occurred_at: "2026-12-07T20:00:00Z" });
    expect(lastTaken([morning], [])).toMatchObject({ medication: "diazepam", amount_mg: 9, occurred_at: "2026-12-07T08:00:00Z" });
    // Logged later for an earlier time (07:00 UTC), it is not the last: times compare as instants.
    const before = waiting("c", "2026-12-07T09:00:00+02:00", { custom_medication: "Bromazepam", amount_mg: 3 });
    expect(lastTaken([morning], [before])).toMatchObject({ occurred_at: "2026-12-07T08:00:00Z" });
    expect(lastTaken([], [before])).toMatchObject({ custom_medication: "Bromazepam", amount_mg: 3 });
  });

  it("is never a skipped dose, one the server refused, an edit's old version or another kind of entry", () => {
    const skipped = waiting("s", "2026-12-07T21:00:00Z", { medication: "diazepam", amount_mg: 9, status: "skipped" });
    const refused = waiting("r", "2026-12-07T22:00:00Z", { medication: "diazepam", amount_mg: 9 }, { state: "rejected" });
    const note = stored("n", "2026-12-07T23:00:00Z", { text: "x" }, "note");
    expect(lastTaken([morning, note], [skipped, refused])).toMatchObject({ occurred_at: "2026-12-07T08:00:00Z" });
    const edit = waiting("e", "2026-12-07T08:00:00Z", { medication: "diazepam", amount_mg: 7 }, { replaces: "a" });
    expect(lastTaken([morning], [edit])).toMatchObject({ amount_mg: 7 });
    expect(lastTaken([], [skipped])).toBeNull();
  });
});

describe("the time since the last dose", () => {
  const dose = (id: string, at: string, extra: Record<string, unknown> = {}) => stored(id, at, { medication: "diazepam", amount_mg: 9, ...extra });
  const symptom = (id: string, at: string) => stored(id, at, { code: "insomnia", severity: 2 }, "symptom");

  it("is given to each symptom and check-in from the last dose taken before it", () => {
    const found = afterDose(
      [dose("d1", "2026-12-06T08:00:00Z"), dose("d2", "2026-12-06T20:00:00Z", { status: "skipped" }), symptom("s1", "2026-12-06T21:30:00Z"), symptom("s0", "2026-12-06T07:00:00Z")],
      [waiting("c1", "2026-12-07T07:45:00Z", {}, {}), { ...waiting("k1", "2026-12-07T06:00:00Z", {}), event: { event_id: "k1", type: "check_in", occurred_at: "2026-12-07T06:00:00Z", overall: 5 } }],
    );
    // The skipped 20:00 dose is not one taken: 21:30 is 13 h 30 min after 08:00.
    expect(found.get("s1")).toBe(13 * 60 + 30);
    expect(found.get("k1")).toBe(22 * 60);
    expect(found.has("s0")).toBe(false); // no dose before it
    expect(found.has("c1")).toBe(false); // a dose itself
  });

  it("is not given beyond two days, nor from a dose older than the entries listed", () => {
    const old = [dose("d1", "2026-12-01T08:00:00Z"), symptom("s1", "2026-12-03T09:00:00Z"), symptom("s2", "2026-12-03T07:00:00Z")];
    const found = afterDose(old, []);
    expect(found.has("s1")).toBe(false);
    expect(found.get("s2")).toBe(47 * 60); // within two days
    expect(afterDose([dose("d1", "2026-12-06T08:00:00Z"), symptom("s1", "2026-12-06T09:00:00Z")], [], "2026-12-06T08:30:00Z").has("s1")).toBe(false);
  });
});

describe("the last check-in", () => {
  const checkIn = (id: string, at: string, data: Record<string, unknown>) => stored(id, at, data, "check_in");
  const waitingCheckIn = (id: string, at: string, data: Record<string, unknown>, extra: Partial<OutboxEntry> = {}) =>
    ({ event: { event_id: id, type: "check_in", occurred_at: at, ...data }, logged_at: at, state: "pending", ...extra }) as OutboxEntry;
  const evening = checkIn("a", "2026-12-06T21:00:00Z", { overall: 6, mood: 1, sleep_hours: 5.5 });

  it("is the newest check-in, stored or waiting, with its answers", () => {
    expect(lastCheckIn([evening], [])).toMatchObject({ overall: 6, mood: 1, sleep_hours: 5.5 });
    const morning = waitingCheckIn("b", "2026-12-07T08:00:00Z", { overall: 4 });
    expect(lastCheckIn([evening], [morning])).toEqual({ event_id: "b", type: "check_in", occurred_at: "2026-12-07T08:00:00Z", overall: 4 });
    // Logged later for an earlier time, it is not the last.
    const missed = waitingCheckIn("c", "2026-12-05T21:00:00Z", { overall: 9 });
    expect(lastCheckIn([evening], [missed])).toMatchObject({ overall: 6 });
  });

  it("is never one the server refused, an edit's old version, or another kind of entry", () => {
    const refused = waitingCheckIn("r", "2026-12-07T09:00:00Z", { overall: 2 }, { state: "rejected" });
    const dose = stored("d", "2026-12-07T10:00:00Z", { medication: "diazepam", amount_mg: 9 });
    expect(lastCheckIn([evening, dose], [refused])).toMatchObject({ overall: 6 });
    const edit = waitingCheckIn("e", "2026-12-06T21:00:00Z", { overall: 3 }, { replaces: "a" });
    expect(lastCheckIn([evening], [edit])).toMatchObject({ overall: 3 });
    expect(lastCheckIn([dose], [])).toBeNull();
  });
});
