// The catalogues in the reader's language. Each entry from the API carries its words in the other languages
// (`translations`, by language code); where one is missing (a copy this device kept from before the API sent
// them, or a word not yet translated) the entry shows its English words. Search keeps the English words too,
// so either finds.
import type { MedicationCatalog, SymptomCatalog } from "../api/client";
import type { Locale } from "./i18n";

export function localSymptoms(catalog: SymptomCatalog, locale: Locale): SymptomCatalog {
  if (locale === "en") return catalog;
  return {
    ...catalog,
    symptoms: (catalog.symptoms ?? []).map((s) => {
      const local = s.translations?.[locale];
      if (!local) return s;
      return {
        ...s,
        label: local.label ?? s.label,
        synonyms: [...(local.synonyms ?? []), ...(local.label ? [s.label ?? ""] : []), ...(s.synonyms ?? [])],
        ...(s.red_flag && local.red_flag_reason ? { red_flag_reason: local.red_flag_reason } : {}),
      };
    }),
  };
}

export function localMedications(catalog: MedicationCatalog, locale: Locale): MedicationCatalog {
  if (locale === "en") return catalog;
  return {
    ...catalog,
    medications: (catalog.medications ?? []).map((m) => {
      const local = m.translations?.[locale];
      if (!local) return m;
      return { ...m, name: local.name ?? m.name, aliases: [...new Set([...(local.aliases ?? []), ...(m.aliases ?? [])])] };
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

/** A symptom's name for the reader: the (localised) catalogue's for a code it lists, else the words it came
 * with (a custom symptom's own label, or the English a summary gives). */
export function symptomLabels(symptoms?: SymptomCatalog) {
  const labels = new Map((symptoms?.symptoms ?? []).map((s) => [s.code ?? "", s.label ?? ""]));
  return (code: string | null | undefined, label: string | null | undefined): string => (code && labels.get(code)) || label || code || "";
}

/** Medication names by code in `locale`, where the catalogue has them: none for English, the push's words. */
export function medicationNames(medications: MedicationCatalog | undefined, locale: Locale): Record<string, string> {
  const names: Record<string, string> = {};
  for (const m of medications?.medications ?? []) {
    const name = m.translations?.[locale]?.name;
    if (m.code && name) names[m.code] = name;
  }
  return names;
}
