// An earlier time chosen on Today: usable only when it is a time, not after now, and within the API's reach;
// an earlier day's planned dose is logged for its planned time that day.
import { describe, expect, it } from "vitest";
import { plannedAt } from "../src/plan/doses";
import { localIso } from "../src/store/outbox";
import { earlierProblem } from "../src/ui/Earlier";

const now = new Date("2026-12-07T09:30:00");

describe("an earlier time", () => {
  it("is used when it is before now and within five years", () => {
    expect(earlierProblem("2026-12-06T21:00", now)).toBeNull();
    expect(earlierProblem("2026-12-07T09:30", now)).toBeNull(); // now itself
    expect(earlierProblem("2022-01-01T08:00", now)).toBeNull();
  });

  it("names what keeps it from being used", () => {
    expect(earlierProblem("", now)).toBe("today.earlier_missing"); // the field emptied
    expect(earlierProblem("2026-12-07T09:31", now)).toBe("today.earlier_future");
    expect(earlierProblem("2021-11-01T08:00", now)).toBe("today.earlier_too_old");
  });
});

describe("an earlier day's planned dose", () => {
  it("is logged for its planned time that day", () => {
    expect(plannedAt("2026-12-06", "08:00", now)).toBe(localIso(new Date("2026-12-06T08:00:00")));
    expect(plannedAt("2026-12-06", "22:30", now)).toBe(localIso(new Date("2026-12-06T22:30:00")));
  });

  it("is never logged for a time still to come", () => {
    expect(plannedAt("2026-12-07", "20:00", now)).toBe(localIso(now));
  });
});
