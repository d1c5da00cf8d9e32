// The catalogues in the reader's language, from each entry's `translations` as the API serves them (built here
// from the project's catalogue files the way the server builds them): names, search by Spanish and English
// words, red flags still urging urgent care, and a copy kept from before the API sent translations still
// naming everything, in English.
import { describe, expect, it } from "vitest";
import type { MedicationCatalog, SymptomCatalog } from "../src/api/client";
import { localMedications, localSymptoms, medicationNames, namesByCode, symptomLabels } from "../src/i18n/catalog";
import { search } from "../src/i18n/search";

// Read when the tests run (a glob, not an import the type check follows): the app's own build, in the
// Docker image too, sees only services/web.
const files = import.meta.glob<unknown>("../../../shared/catalog/*.json", { eager: true, import: "default" });
type Entries = Record<string, Record<string, unknown>>;
const es = files["../../../shared/catalog/es.json"] as { symptoms: Entries; medications: Entries };
const withSpanish = <T extends { code?: string }>(entries: T[] | undefined, spanish: Entries) =>
  (entries ?? []).map((e) => ({ ...e, translations: e.code && spanish[e.code] ? { es: spanish[e.code] } : {} }));
// What the app kept from an API that sent no translations.
const oldSymptoms = files["../../../shared/catalog/symptoms.json"] as SymptomCatalog;
const oldMedications = files["../../../shared/catalog/medications.json"] as MedicationCatalog;
const symptoms: SymptomCatalog = { ...oldSymptoms, symptoms: withSpanish(oldSymptoms.symptoms, es.symptoms) };
const medications: MedicationCatalog = { ...oldMedications, medications: withSpanish(oldMedications.medications, es.medications) };

const finder = (catalog: SymptomCatalog) => (q: string) =>
  search(catalog.symptoms ?? [], (s) => [s.label ?? "", ...(s.synonyms ?? [])], q).entries.map((s) => s.code);

describe("catalogues in Spanish", () => {
  it("replace the labels in Spanish and keep English words searchable", () => {
    const local = localSymptoms(symptoms, "es");
    const find = finder(local);
    expect(local.symptoms?.find((s) => s.code === "dizziness_balance")?.label).toBe("Mareo, aturdimiento o falta de equilibrio");
    expect(find("mareo")).toContain("dizziness_balance");
    expect(find("nauseas")).toContain("nausea_vomiting"); // without the accent
    expect(find("dizzy")).toContain("dizziness_balance"); // an English synonym
    expect(find("Dizziness")).toContain("dizziness_balance"); // the English label
  });

  it("find words typed with a phone's curly apostrophe, or with none", () => {
    const find = finder(symptoms);
    expect(find("can't sleep")).toContain("insomnia");
    expect(find("can’t sleep")).toContain("insomnia"); // what a phone's keyboard types
    expect(find("cant sleep")).toContain("insomnia");
  });

  it("give every red flag its Spanish reason, pointing to urgent care, and no other symptom one", () => {
    for (const s of localSymptoms(symptoms, "es").symptoms ?? []) {
      if (s.red_flag) expect(s.red_flag_reason).toMatch(/urgencias|emergencias/);
      else expect(s.red_flag_reason ?? null).toBeNull();
    }
  });

  it("leave English as the catalogue says", () => {
    expect(localSymptoms(symptoms, "en")).toBe(symptoms);
    expect(localMedications(medications, "en")).toBe(medications);
  });

  it("find medications by Spanish brand names, and name logged entries by code", () => {
    const local = localMedications(medications, "es").medications ?? [];
    const lorazepam = local.find((m) => m.code === "lorazepam");
    expect(lorazepam?.aliases).toEqual(expect.arrayContaining(["Orfidal", "Ativan"]));
    expect(local.find((m) => m.code === "zopiclone")?.name).toBe("Zopiclona");
    const names = namesByCode(localSymptoms(symptoms, "es"), localMedications(medications, "es"));
    expect(names.symptom("insomnia")).toBe("Dificultad para dormirse o para seguir dormido");
    expect(names.medication("chlordiazepoxide")).toBe("Clordiazepóxido");
    expect(names.symptom("not_in_the_catalogue")).toBe("not_in_the_catalogue");
  });

  it("name a summary's symptoms by the catalogue, else by the words they came with", () => {
    const label = symptomLabels(localSymptoms(symptoms, "es"));
    expect(label("seizure", "Seizure, fit or loss of consciousness")).toBe("Convulsión, crisis o pérdida del conocimiento");
    expect(label(null, "my own symptom")).toBe("my own symptom");
    expect(label("not_in_the_catalogue", "Its label")).toBe("Its label");
    expect(symptomLabels()("insomnia", "Trouble sleeping")).toBe("Trouble sleeping"); // before the catalogue is read
  });

  it("give the reminders' worker the medication names by code in that language, and none in English", () => {
    const names = medicationNames(medications, "es");
    expect(names).toMatchObject({ chlordiazepoxide: "Clordiazepóxido", zopiclone: "Zopiclona" });
    expect(Object.keys(names).sort()).toEqual((medications.medications ?? []).map((m) => m.code).sort());
    expect(medicationNames(medications, "en")).toEqual({});
    expect(medicationNames(undefined, "es")).toEqual({});
  });
});

describe("a catalogue kept from before the API sent translations", () => {
  it("still names, finds and explains everything, in English", () => {
    const local = localSymptoms(oldSymptoms, "es");
    expect(local.symptoms).toEqual(oldSymptoms.symptoms);
    expect(finder(local)("dizzy")).toContain("dizziness_balance");
    expect(local.symptoms?.find((s) => s.code === "seizure")?.red_flag_reason).toMatch(/emergency|urgent/i);
    expect(localMedications(oldMedications, "es").medications).toEqual(oldMedications.medications);
    expect(namesByCode(undefined, localMedications(oldMedications, "es")).medication("zopiclone")).toBe("Zopiclone");
    expect(medicationNames(oldMedications, "es")).toEqual({});
  });

  it("keeps the English words an entry lacks in a language", () => {
    const partial: SymptomCatalog = {
      symptoms: [
        { code: "seizure", label: "Seizure", synonyms: ["fit"], red_flag: true, red_flag_reason: "Get urgent care now.", translations: { es: { synonyms: ["convulsiones"] } } },
      ],
    };
    const [seizure] = localSymptoms(partial, "es").symptoms ?? [];
    expect(seizure).toMatchObject({ label: "Seizure", red_flag_reason: "Get urgent care now." });
    expect(seizure?.synonyms).toEqual(["convulsiones", "fit"]);
  });
});
