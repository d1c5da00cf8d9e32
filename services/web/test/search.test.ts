// Finding symptoms, medications and time zones by what a tired person types: as typed first, then within a
// typo or two, on the project's own catalogue files.
import { describe, expect, it } from "vitest";
import type { MedicationCatalog, SymptomCatalog } from "../src/api/client";
import { search, typos } from "../src/i18n/search";

const files = import.meta.glob<unknown>("../../../shared/catalog/*.json", { eager: true, import: "default" });
const symptoms = (files["../../../shared/catalog/symptoms.json"] as SymptomCatalog).symptoms ?? [];
const medications = (files["../../../shared/catalog/medications.json"] as MedicationCatalog).medications ?? [];

const findSymptom = (q: string) => search(symptoms, (s) => [s.label ?? "", ...(s.synonyms ?? [])], q);
const findMedication = (q: string) => search(medications, (m) => [m.name ?? "", ...(m.aliases ?? [])], q);
const codes = (found: { entries: { code?: string }[] }) => found.entries.map((e) => e.code);

describe("search", () => {
  it("finds words as typed, and then offers no close spellings", () => {
    const sleep = findSymptom("sleep");
    expect(codes(sleep)).toEqual(expect.arrayContaining(["insomnia", "hypersomnia"]));
    expect(sleep.close).toBe(false);
  });

  it.each([
    ["dizy", "dizziness_balance"], // a letter dropped
    ["insomia", "insomnia"],
    ["anxeity", "anxiety"], // two letters swapped
    ["nausia", "nausea_vomiting"], // a letter changed
    ["hedache", "headache"],
    ["muscle twich", "muscle_twitches"], // every word near one of the entry's
    ["cant slep", "insomnia"],
    ["brain fogg", "poor_memory_concentration"],
  ])("finds %s, a symptom typed with a typo, as a close spelling", (typed, code) => {
    const found = findSymptom(typed);
    expect(codes(found)[0]).toBe(code);
    expect(found.close).toBe(true);
  });

  it("finds a red flag misspelled, so its urgent-care advice still shows", () => {
    for (const [typed, code] of [["siezure", "seizure"], ["sucidal", "suicidal_thoughts_self_harm"]]) {
      const found = findSymptom(typed!).entries[0];
      expect(found?.code).toBe(code);
      expect(found?.red_flag).toBe(true);
    }
  });

  it("finds nothing for words not near any, so the person adds their own", () => {
    expect(findSymptom("buzzing earlobes")).toEqual({ entries: [], close: false });
    expect(findSymptom("xqz")).toEqual({ entries: [], close: false });
  });

  it("allows no typo in a short word, where one makes another word", () => {
    expect(codes(findSymptom("pian"))).toContain("pain_stiffness"); // four letters: one typo
    expect(findSymptom("pxn").entries).toEqual([]); // three: none
  });

  it.each([
    ["Klonipin", "clonazepam"],
    ["Xanex", "alprazolam"],
    ["Valim", "diazepam"],
    ["lorazapam", "lorazepam"],
  ])("finds the medication %s names, by a brand or generic name misspelled, closest first", (typed, code) => {
    expect(codes(findMedication(typed))[0]).toBe(code);
  });

  it("finds a time zone by its city, with spaces or underscores, and misspelled", () => {
    const zones = Intl.supportedValuesOf("timeZone");
    const find = (q: string) => search(zones, (z) => [z.replace(/_/g, " ")], q.replace(/_/g, " ")).entries;
    expect(find("Los_Angeles")).toEqual(["America/Los_Angeles"]);
    expect(find("los angelas")).toEqual(["America/Los_Angeles"]);
    expect(find("buenos aries")).toEqual(["America/Buenos_Aires"]);
  });

  it("counts edits between words, a swap as one, and stops past the most allowed", () => {
    expect(typos("anxeity", "anxiety", 2)).toBe(1);
    expect(typos("dizy", "dizz", 1)).toBe(1);
    expect(typos("sleep", "sleep", 1)).toBe(0);
    expect(typos("abcdef", "uvwxyz", 2)).toBe(3);
    expect(typos("ab", "abcdef", 2)).toBe(3);
  });
});
