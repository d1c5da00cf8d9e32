// What a dose reminder's notification says (public/reminder-text.js, the script the service worker imports),
// with what the app records for the worker (src/settings/notifications.ts) in a real IndexedDB
// implementation (fake-indexeddb). By default nothing names a medication or an amount.
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import "../public/reminder-text.js";
import type { MedicationCatalog } from "../src/api/client";
import { readDisplay, recordLanguage, setShowDoses, showsDoses, type Display } from "../src/settings/notifications";

interface Shown {
  title: string;
  body: string;
  taken: string;
  skipped: string;
}
const { compose, composeCheckIn } = (
  globalThis as unknown as {
    reminderText: {
      compose: (p: object, d?: Partial<Display>, fallback?: string) => Shown;
      composeCheckIn: (d?: Partial<Display>, fallback?: string) => { title: string; body: string };
    };
  }
).reminderText;

const CLONAZEPAM = { medication: "clonazepam", name: "clonazepam", mg: 0.25, amount: { tablets: 0.5 }, token: "t1" };
const ONE = { kind: "dose_reminder", time: "08:00", doses: [CLONAZEPAM] };
// A crossover: two medications at one time, one a liquid.
const TWO = {
  kind: "dose_reminder",
  time: "01:30",
  doses: [
    { medication: "chlordiazepoxide", name: "chlordiazepoxide", mg: 12.5, amount: null, token: "t2" },
    { medication: "diazepam", name: "diazepam", mg: 7.5, amount: { ml: 1.5 }, token: "t3" },
  ],
};
const DOSE_WORDS = /clonazepam|diazepam|chlordiazepoxide|clordiazep|\bmg\b|tablet|comprimido|\bml\b/i;

describe("a reminder's notification", () => {
  it("says only the time by default, in the app's language, else the browser's, else English", () => {
    const english = compose(ONE, undefined, "en-GB");
    expect(english).toEqual({ title: "Your 08:00 reminder", body: "From your plan. Tap to open, or answer here.", taken: "Taken", skipped: "Skipped" });
    expect(compose(ONE, undefined, "es-ES")).toEqual({
      title: "Tu recordatorio de las 8:00",
      body: "De tu plan. Toca para abrir la app o responde aquí.",
      taken: "Tomada",
      skipped: "Omitida",
    });
    expect(compose(ONE, { language: "es" }, "en-US").title).toBe("Tu recordatorio de las 8:00");
    expect(compose(TWO, { language: "es" }).title).toBe("Tu recordatorio de la 1:30");
    // The hour as a Spanish speaker reads it ("la 1:30", "las 13:30", "las 0:15"); English keeps "01:30".
    expect(compose({ ...ONE, time: "13:30" }, { language: "es" }).title).toBe("Tu recordatorio de las 13:30");
    expect(compose({ ...ONE, time: "00:15" }, { language: "es" }).title).toBe("Tu recordatorio de las 0:15");
    expect(compose(TWO, { language: "en" }).title).toBe("Your 01:30 reminder");
    expect(compose(ONE, undefined, "fr-FR").title).toBe("Your 08:00 reminder");
    for (const payload of [ONE, TWO])
      for (const device of [undefined, { language: "en" as const }, { language: "es" as const, showDoses: false }]) {
        const shown = compose(payload, device, "es");
        expect(shown.title + " " + shown.body).not.toMatch(DOSE_WORDS);
      }
  });

  it("names each dose, as the plan measures it, only where the person turned that on", () => {
    expect(compose(ONE, { language: "en", showDoses: true }).body).toBe("In your plan: 0.25 mg clonazepam (½ tablet)");
    expect(compose(ONE, { language: "es", showDoses: true }).body).toBe("En tu plan: 0,25 mg de clonazepam (½ comprimido)");
    const many = { ...ONE, doses: [{ ...CLONAZEPAM, mg: 0.75, amount: { tablets: 1.5 } }] };
    expect(compose(many, { language: "en", showDoses: true }).body).toBe("In your plan: 0.75 mg clonazepam (1½ tablets)");
    expect(compose(TWO, { language: "en", showDoses: true }).body).toBe("In your plan: 12.5 mg chlordiazepoxide and 7.5 mg diazepam (1.5 mL)");
    // Spanish names come from what the app recorded with the language.
    const es = { language: "es" as const, showDoses: true, names: { chlordiazepoxide: "Clordiazepóxido" } };
    expect(compose(TWO, es).body).toBe("En tu plan: 12,5 mg de clordiazepóxido y 7,5 mg de diazepam (1,5 mL)");
    expect(compose(TWO, es).title).toBe("Tu recordatorio de la 1:30");
  });

  it("stays neutral when the push lacks what it needs", () => {
    expect(compose({ kind: "dose_reminder", time: "soon", doses: [{ medication: "x" }] }, { showDoses: true }, "en")).toEqual({
      title: "Your reminder",
      body: "From your plan. Tap to open, or answer here.",
      taken: "Taken",
      skipped: "Skipped",
    });
  });
});

// The medication catalogue as the app keeps it from the API, and as it kept it before the API sent translations.
const MEDICATIONS: MedicationCatalog = {
  medications: [
    { code: "chlordiazepoxide", name: "Chlordiazepoxide", aliases: [], translations: { es: { name: "Clordiazepóxido", aliases: [] } } },
    { code: "zopiclone", name: "Zopiclone", aliases: [], translations: { es: { name: "Zopiclona", aliases: ["Limovan"] } } },
    { code: "diazepam", name: "Diazepam", aliases: ["Valium"], translations: {} },
  ],
};
const OLD_MEDICATIONS: MedicationCatalog = { medications: (MEDICATIONS.medications ?? []).map(({ translations: _, ...m }) => m) };

describe("what the app records for the worker", () => {
  it("is off until turned on, keeps the language with its medication names, and keeps each change", async () => {
    const db = "reminders-test";
    expect(await showsDoses(db)).toBe(false);
    await recordLanguage("es", MEDICATIONS, db);
    expect(await readDisplay(db)).toMatchObject({ language: "es", names: { chlordiazepoxide: "Clordiazepóxido", zopiclone: "Zopiclona" } });
    await setShowDoses(true, db);
    expect(compose(TWO, await readDisplay(db)).body).toBe("En tu plan: 12,5 mg de clordiazepóxido y 7,5 mg de diazepam (1,5 mL)");
    await recordLanguage("en", MEDICATIONS, db);
    expect(await readDisplay(db)).toEqual({ language: "en", names: {}, showDoses: true });
    expect(compose(ONE, await readDisplay(db)).body).toBe("In your plan: 0.25 mg clonazepam (½ tablet)");
    await setShowDoses(false, db);
    expect(await showsDoses(db)).toBe(false);
  });

  it("without a catalogue in the language (none yet, or one kept from before), names doses as the push does", async () => {
    const db = "reminders-test-old";
    for (const catalogue of [undefined, OLD_MEDICATIONS]) {
      await recordLanguage("es", catalogue, db);
      await setShowDoses(true, db);
      expect(await readDisplay(db)).toEqual({ language: "es", names: {}, showDoses: true });
      expect(compose(TWO, await readDisplay(db)).body).toBe("En tu plan: 12,5 mg de chlordiazepoxide y 7,5 mg de diazepam (1,5 mL)");
    }
  });
});

describe("a check-in reminder's notification", () => {
  it("names nothing about health, in the app's language, else the browser's, else English", () => {
    const english = { title: "Time for your check-in", body: "How is today going? A minute is enough." };
    expect(composeCheckIn(undefined, "en-US")).toEqual(english);
    expect(composeCheckIn(undefined, "fr-FR")).toEqual(english);
    const spanish = { title: "Hora de tu registro", body: "¿Cómo va el día? Con un minuto basta." };
    expect(composeCheckIn(undefined, "es-MX")).toEqual(spanish);
    expect(composeCheckIn({ language: "es", showDoses: true }, "en-US")).toEqual(spanish);
    for (const text of [english, spanish]) expect(`${text.title} ${text.body}`).not.toMatch(DOSE_WORDS);
  });
});
