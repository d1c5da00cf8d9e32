// What the Reports screen decides on the device: a chosen range, whether to keep checking, and the email a
// person sends a link in.
import { describe, expect, it } from "vitest";
import { regionPaper } from "../src/reports/paper";
import { inProgress, localDay, mailtoLink, periodProblem, pollDelay } from "../src/reports/period";

describe("a custom report period", () => {
  it("is accepted within 93 days ending today or before", () => {
    expect(periodProblem("2026-09-05", "2026-12-06", "2026-12-06")).toBeNull(); // 93 days
    expect(periodProblem("2026-12-01", "2026-12-01", "2026-12-06")).toBeNull();
  });

  it("says what is wrong otherwise", () => {
    expect(periodProblem("", "2026-12-01", "2026-12-06")).toBe("reports.period_missing");
    expect(periodProblem("2026-12-02", "2026-12-01", "2026-12-06")).toBe("reports.period_order");
    expect(periodProblem("2026-09-04", "2026-12-06", "2026-12-06")).toBe("reports.period_long"); // 94 days
    expect(periodProblem("2026-12-01", "2026-12-07", "2026-12-06")).toBe("reports.period_future");
  });

  it("counts local days across a month end", () => {
    expect(localDay(new Date(2026, 11, 1), -1)).toBe("2026-11-30");
  });
});

describe("reports in the list", () => {
  it("are looked at again soon, then less and less often, at most every 30 s", () => {
    expect([0, 1, 2, 3, 5, 6, 9, 12, 100].map(pollDelay)).toEqual([2_000, 2_000, 2_000, 4_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });


  it("are checked again only while one is queued or building", () => {
    expect(inProgress([{ status: "ready" }, { status: "building" }])).toBe(true);
    expect(inProgress([{ status: "queued" }])).toBe(true);
    expect(inProgress([{ status: "ready" }, { status: "failed" }])).toBe(false);
    expect(inProgress([])).toBe(false);
  });

  it("share by an email the person sends, with the link in its body", () => {
    const link = mailtoLink("https://example.org/r/abc?x=1&y=2", "My report", "Here it is.");
    expect(link).toBe("mailto:?subject=My%20report&body=Here%20it%20is.%0A%0Ahttps%3A%2F%2Fexample.org%2Fr%2Fabc%3Fx%3D1%26y%3D2");
  });
});

describe("a report's paper", () => {
  it("is Letter in North America and A4 elsewhere, from the browser's language", () => {
    expect(["en-US", "es-MX", "fr-CA", "en-us"].map((l) => regionPaper(l))).toEqual(["Letter", "Letter", "Letter", "Letter"]);
    expect(["en-GB", "es-ES", "es-AR", "es", ""].map((l) => regionPaper(l))).toEqual(["A4", "A4", "A4", "A4", "A4"]);
  });
});
