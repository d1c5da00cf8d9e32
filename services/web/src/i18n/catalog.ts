// The catalogues in the reader's language. The API's catalogues are in English; Spanish names, search words
// and red-flag reasons come from catalog-es.ts by code. Search keeps the English words too, so either finds.
import type { MedicationCatalog, SymptomCatalog } from "../api/client";
import { MEDICATIONS_ES, RED_FLAG_REASONS_ES, SYMPTOMS_ES } from "./catalog-es";
import type { Locale } from "./i18n";

export function localSymptoms(catalog: SymptomCatalog, locale: Locale): SymptomCatalog {
  if (locale !== "es") return catalog;
  return {
    ...catalog,
    symptoms: (catalog.symptoms ?? []).map((s) => {
      const es = SYMPTOMS_ES[s.code ?? ""];
      if (!es) return s;
      const reason = RED_FLAG_REASONS_ES[s.code ?? ""];
      return {
        ...s,
        label: es[0],
        synonyms: [...es[1], s.label ?? "", ...(s.synonyms ?? [])],
        ...(s.red_flag && reason ? { red_flag_reason: reason } : {}),
      };
    }),
  };
}

export function localMedications(catalog: MedicationCatalog, locale: Locale): MedicationCatalog {
  if (locale !== "es") return catalog;
  return {
    ...catalog,
    medications: (catalog.medications ?? []).map((m) => {
      const es = MEDICATIONS_ES[m.code ?? ""];
      return es ? { ...m, name: es[0], aliases: [...new Set([...es[1], ...(m.aliases ?? [])])] } : m;
    }),
  };
}

/** Names by code for entries already logged (History); a code the catalogue lacks shows as it is. */
export function namesByCode(symptoms?: SymptomCatalog, medications?: MedicationCatalog) {
  const symptom = new Map((symptoms?.symptoms ?? []).map((s) => [s.code ?? "", s.label ?? ""]));
  const medication = new Map((medications?.medications ?? []).map((m) => [m.code ?? "", m.name ?? ""]));
  return {
    symptom: (code: string) => symptom.get(code) ?? code,
    medication: (code: string) => medication.get(code) ?? code,
  };
}

/** A symptom's name for the reader, from its code, or the catalogue's English words when there is none. */
export function symptomLabel(code: string | null | undefined, english: string | null | undefined, locale: Locale): string {
  const es = locale === "es" && code ? SYMPTOMS_ES[code] : undefined;
  return es?.[0] ?? english ?? code ?? "";
}
