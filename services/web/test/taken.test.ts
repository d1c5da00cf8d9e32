// Today's "last dose logged": the newest dose taken among those stored and those waiting on this device.
import { describe, expect, it } from "vitest";
import { lastTaken } from "../src/history/lastDose";
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
