// The catalogues in Spanish: every code in the project's catalogue files has a Spanish name (a new symptom
// or medication without one fails here), search finds by Spanish and English words, red flags keep urging
// urgent care.
import { describe, expect, it } from "vitest";
import type { MedicationCatalog, SymptomCatalog } from "../src/api/client";
import { localMedications, localSymptoms, namesByCode } from "../src/i18n/catalog";
import { MEDICATIONS_ES, RED_FLAG_REASONS_ES, SYMPTOMS_ES } from "../src/i18n/catalog-es";
import { fold } from "../src/screens/Today";

// Read when the tests run (a glob, not an import the type check follows): the app's own build, in the
// Docker image too, sees only services/web.
const files = import.meta.glob<unknown>("../../../shared/catalog/*.json", { eager: true, import: "default" });
const symptoms = files["../../../shared/catalog/symptoms.json"] as SymptomCatalog;
const medications = files["../../../shared/catalog/medications.json"] as MedicationCatalog;

describe("Spanish catalogue names", () => {
  it("cover every symptom and medication code, and every red flag's reason", () => {
    const symptomCodes = (symptoms.symptoms ?? []).map((s) => s.code ?? "");
    expect(symptomCodes.filter((c) => !(c in SYMPTOMS_ES))).toEqual([]);
    expect(Object.keys(SYMPTOMS_ES).filter((c) => !symptomCodes.includes(c))).toEqual([]);
    const medicationCodes = (medications.medications ?? []).map((m) => m.code ?? "");
    expect(medicationCodes.filter((c) => !(c in MEDICATIONS_ES))).toEqual([]);
    const redFlags = (symptoms.symptoms ?? []).filter((s) => s.red_flag).map((s) => s.code ?? "");
    expect(Object.keys(RED_FLAG_REASONS_ES).sort()).toEqual([...redFlags].sort());
    for (const reason of Object.values(RED_FLAG_REASONS_ES)) expect(reason).toMatch(/urgencias|emergencias/);
  });

  it("replace the labels in Spanish and keep English words searchable", () => {
    const es = localSymptoms(symptoms, "es").symptoms ?? [];
    const find = (q: string) => es.filter((s) => [s.label ?? "", ...(s.synonyms ?? [])].some((w) => fold(w).includes(fold(q)))).map((s) => s.code);
    expect(es.find((s) => s.code === "dizziness_balance")?.label).toBe("Mareo, aturdimiento o falta de equilibrio");
    expect(find("mareo")).toContain("dizziness_balance");
    expect(find("nauseas")).toContain("nausea_vomiting"); // without the accent
    expect(find("dizzy")).toContain("dizziness_balance");
    expect(es.find((s) => s.code === "seizure")?.red_flag_reason).toBe(RED_FLAG_REASONS_ES.seizure);
  });

  it("leave English as the catalogue says", () => {
    expect(localSymptoms(symptoms, "en")).toBe(symptoms);
    expect(localMedications(medications, "en")).toBe(medications);
  });

  it("find medications by Spanish brand names, and name logged entries by code", () => {
    const es = localMedications(medications, "es").medications ?? [];
    const lorazepam = es.find((m) => m.code === "lorazepam");
    expect(lorazepam?.aliases).toEqual(expect.arrayContaining(["Orfidal", "Ativan"]));
    expect(es.find((m) => m.code === "zopiclone")?.name).toBe("Zopiclona");
    const names = namesByCode(localSymptoms(symptoms, "es"), localMedications(medications, "es"));
    expect(names.symptom("insomnia")).toBe("Dificultad para dormirse o para seguir dormido");
    expect(names.medication("chlordiazepoxide")).toBe("Clordiazepóxido");
    expect(names.symptom("not_in_the_catalogue")).toBe("not_in_the_catalogue");
  });
});
