import { describe, expect, it } from "vitest";
import { en } from "../src/i18n/en";
import { es } from "../src/i18n/es";
import { crisisLines } from "../src/ui/crisis-lines";

describe("crisis lines", () => {
  it("offers every line to everyone, the reader's nearest first", () => {
    const english = crisisLines("en").map((line) => line.tel);
    const spanish = crisisLines("es").map((line) => line.tel);
    expect(english).toEqual(["988", "116123", "131114", "024", "8009112000"]);
    expect(spanish).toEqual(["024", "8009112000", "988", "116123", "131114"]);
  });

  it("dials the number each line shows", () => {
    for (const catalog of [en, es] as Record<string, unknown>[]) {
      for (const { key, tel } of crisisLines("en")) {
        expect(String(catalog[key]).replace(/\D/g, "")).toContain(tel);
      }
    }
  });
});
