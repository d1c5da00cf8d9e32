// The sync queue against a real IndexedDB implementation (fake-indexeddb, in memory), through idb as the
// app uses it. The server is played by `send`, answering per-event statuses as POST /v1/events/batch does.
import "fake-indexeddb/auto";
import { beforeEach, describe, expect, it } from "vitest";
import { openAppDB, type Database } from "../src/store/db";
import {
  BatchRefused,
  counts,
  entries,
  enqueue,
  localIso,
  MAX_BATCH,
  sync,
  type EventBody,
  type SendBatch,
} from "../src/store/outbox";

let db: Database;
let n = 0;

beforeEach(async () => {
  n += 1;
  db = await openAppDB(`test-${n}`);
});

function checkIn(id: string, overall = 3): EventBody {
  return { event_id: id, type: "check_in", occurred_at: localIso(), overall };
}

/** A server that stores each event_id once and refuses overall > 10 like the API's 422. */
function server() {
  const stored = new Map<string, EventBody>();
  const batches: EventBody[][] = [];
  const send: SendBatch = async ({ events }) => {
    batches.push(events);
    return {
      results: events.map((e, index) => {
        if ((e.overall as number) > 10) {
          return { index, event_id: e.event_id, status: "rejected", problem: { status: 422, detail: "overall: Must be between 0 and 10." } };
        }
        const status = stored.has(e.event_id) ? "duplicate" : "accepted";
        stored.set(e.event_id, e);
        return { index, event_id: e.event_id, status };
      }),
    };
  };
  return { stored, batches, send };
}

describe("outbox", () => {
  it("keeps entries with their event_id and device clock until synced", async () => {
    await enqueue(db, checkIn("a"), new Date("2026-12-06T08:00:00Z"));
    await enqueue(db, checkIn("b"), new Date("2026-12-06T09:00:00Z"));
    const kept = await entries(db);
    expect(kept.map((e) => e.event.event_id)).toEqual(["a", "b"]);
    expect(kept[0]?.logged_at).toMatch(/^2026-12-06T\d\d:00:00\.000[+-]\d\d:\d\d$/);
    expect(await counts(db)).toEqual({ pending: 2, rejected: 0 });
  });

  it("removes an entry only once the server says accepted or duplicate", async () => {
    const { stored, send } = server();
    await enqueue(db, checkIn("a"));
    stored.set("b", checkIn("b"));
    await enqueue(db, checkIn("b"));
    const outcome = await sync(db, send);
    expect(outcome).toEqual({ stored: 2, rejected: 0, remaining: 0 });
    expect(await counts(db)).toEqual({ pending: 0, rejected: 0 });
  });

  it("lets a planned dose's answer go when the dose was answered first elsewhere, and only then", async () => {
    const conflict = { status: 409, type: "https://trackyourhealing.org/problems/event-id-conflict" };
    const send: SendBatch = async ({ events }) => ({
      results: events.map((e, index) => ({ index, event_id: e.event_id, status: "rejected", problem: conflict })),
    });
    const dose = (id: string): EventBody => ({ event_id: id, type: "dose", occurred_at: localIso(), medication: "diazepam", amount_mg: 5, status: "taken" });
    await enqueue(db, dose("planned"), new Date(), { planned: true });
    await enqueue(db, dose("mine"));
    expect(await sync(db, send)).toEqual({ stored: 1, rejected: 1, remaining: 0 });
    const [kept] = await entries(db);
    expect([kept?.event.event_id, kept?.state]).toEqual(["mine", "rejected"]);
  });

  it("keeps a rejected entry with the server's problem, and does not send it again", async () => {
    const { send, batches } = server();
    await enqueue(db, checkIn("bad", 11));
    await enqueue(db, checkIn("good"));
    await sync(db, send);
    const [kept] = await entries(db);
    expect(kept?.event.event_id).toBe("bad");
    expect(kept?.state).toBe("rejected");
    expect(kept?.problem?.status).toBe(422);
    expect(await counts(db)).toEqual({ pending: 0, rejected: 1 });
    await sync(db, send);
    expect(batches).toHaveLength(1);
  });

  it("keeps everything when the network fails, and sends each event exactly once after", async () => {
    const { stored, send } = server();
    for (const id of ["a", "b", "c"]) await enqueue(db, checkIn(id));
    const offline: SendBatch = async () => {
      throw new TypeError("Failed to fetch");
    };
    const failed = await sync(db, offline);
    expect(failed.remaining).toBe(3);
    expect(failed.error).toBeInstanceOf(TypeError);
    await sync(db, send);
    await sync(db, send);
    expect([...stored.keys()].sort()).toEqual(["a", "b", "c"]);
    expect(await counts(db)).toEqual({ pending: 0, rejected: 0 });
  });

  it("survives the database being closed and opened again (a closed tab)", async () => {
    await enqueue(db, checkIn("a"));
    db.close();
    db = await openAppDB(`test-${n}`);
    expect((await entries(db)).map((e) => e.event.event_id)).toEqual(["a"]);
  });

  it("sends many entries in batches of at most MAX_BATCH, oldest first", async () => {
    const { send, batches } = server();
    const start = Date.parse("2026-12-01T00:00:00Z");
    for (let i = 0; i < MAX_BATCH + 5; i += 1) {
      await enqueue(db, checkIn(`e${String(i).padStart(4, "0")}`), new Date(start + i * 60_000));
    }
    const outcome = await sync(db, send);
    expect(outcome.stored).toBe(MAX_BATCH + 5);
    expect(batches.map((b) => b.length)).toEqual([MAX_BATCH, 5]);
    expect(batches[0]?.[0]?.event_id).toBe("e0000");
  });

  it("keeps an entry the server refuses in any batch as rejected, and sends every other one", async () => {
    // One entry whose body the server cannot read (as a lone half of an emoji once made it) refuses the
    // whole request: resending that batch would fail for ever, and hold back everything logged after it.
    const { stored, send, batches } = server();
    const malformed = { status: 400, title: "Bad request", detail: "The body is not valid JSON." };
    const strict: SendBatch = async (body) => {
      if (body.events.some((e) => e.event_id === "poison")) throw new BatchRefused(400, malformed);
      return send(body);
    };
    const start = Date.parse("2026-12-01T00:00:00Z");
    const ids = Array.from({ length: MAX_BATCH + 9 }, (_, i) => (i === 37 ? "poison" : `e${String(i).padStart(4, "0")}`));
    for (const [i, id] of ids.entries()) await enqueue(db, checkIn(id), new Date(start + i * 60_000));
    const outcome = await sync(db, strict);
    expect(outcome).toEqual({ stored: MAX_BATCH + 8, rejected: 1, remaining: 0 });
    expect(stored.has("poison")).toBe(false);
    const [kept] = await entries(db);
    expect([kept?.event.event_id, kept?.state, kept?.problem]).toEqual(["poison", "rejected", malformed]);
    expect(batches.length).toBeLessThan(20); // halves, not one request per entry
    const sent = batches.length;
    expect(await sync(db, strict)).toEqual({ stored: 0, rejected: 0, remaining: 0 });
    expect(batches.length).toBe(sent);
  });

  it("keeps every entry when the request is refused for a reason that passes (signed out, too many)", async () => {
    const { send } = server();
    for (const id of ["a", "b"]) await enqueue(db, checkIn(id));
    for (const status of [401, 429, 503]) {
      const refusing: SendBatch = async () => {
        throw new BatchRefused(status, { status });
      };
      const outcome = await sync(db, refusing);
      expect([outcome.remaining, outcome.rejected]).toEqual([2, 0]);
    }
    expect(await sync(db, send)).toEqual({ stored: 2, rejected: 0, remaining: 0 });
  });

  it("ignores answers for events it did not send, and stops on an answer that settles nothing", async () => {
    await enqueue(db, checkIn("a"));
    const confused: SendBatch = async () => ({ results: [{ index: 0, event_id: "other", status: "accepted" }] });
    const outcome = await sync(db, confused);
    expect(outcome.remaining).toBe(1);
    expect(outcome.error).toBeDefined();
  });
});

describe("an edit (a new event that replaces a stored one)", () => {
  it("deletes the old version only after the new one is stored", async () => {
    const { stored, send } = server();
    const deleted: string[] = [];
    const remove = async (id: string) => {
      expect(stored.has("new")).toBe(true); // never before the edit is safe on the server
      deleted.push(id);
    };
    await enqueue(db, checkIn("new", 7), new Date(), { replaces: "old" });
    const outcome = await sync(db, send, undefined, remove);
    expect(outcome).toEqual({ stored: 1, rejected: 0, remaining: 0 });
    expect(deleted).toEqual(["old"]);
    expect(await counts(db)).toEqual({ pending: 0, rejected: 0 });
  });

  it("keeps the edit when the deletion cannot be made, and finishes it on the next sync", async () => {
    const { batches, send } = server();
    const deleted: string[] = [];
    let online = false;
    const remove = async (id: string) => {
      if (!online) throw new TypeError("Failed to fetch");
      deleted.push(id);
    };
    await enqueue(db, checkIn("new", 7), new Date(), { replaces: "old" });
    const failed = await sync(db, send, undefined, remove);
    expect(failed.error).toBeInstanceOf(TypeError);
    expect(await counts(db)).toEqual({ pending: 1, rejected: 0 });
    online = true;
    expect(await sync(db, send, undefined, remove)).toEqual({ stored: 1, rejected: 0, remaining: 0 });
    expect(batches).toHaveLength(2); // sent again, answered "duplicate": stored once
    expect(deleted).toEqual(["old"]);
  });

  it("leaves the old version alone when the edit is refused", async () => {
    const { send } = server();
    const deleted: string[] = [];
    await enqueue(db, checkIn("new", 11), new Date(), { replaces: "old" });
    const outcome = await sync(db, send, undefined, async (id) => void deleted.push(id));
    expect(outcome).toMatchObject({ stored: 0, rejected: 1 });
    expect(deleted).toEqual([]);
    const [entry] = await entries(db);
    expect(entry?.state).toBe("rejected");
    expect(entry?.replaces).toBe("old");
  });
});
