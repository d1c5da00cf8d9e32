// What a reminder's notification says (imported by the generated worker before push-sw.js, see
// vite.config.ts; test/reminder-text.test.ts checks it). A notification shows on a locked screen: a check-in
// reminder names nothing about health, and a dose reminder by default says only the time: no medication, no
// amount. Only on a device where the person turned that on in Settings does it name the doses, from the
// push's structured `doses`. In the app's language, which the app records for the worker
// (src/settings/notifications.ts); else the browser's; else English.
(function () {
  const PIECES = { 0.125: "⅛", 0.25: "¼", 0.375: "⅜", 0.5: "½", 0.625: "⅝", 0.75: "¾", 0.875: "⅞" };
  const TIME = /^\d{1,2}:\d{2}$/;
  const WORDS = {
    en: {
      title: (time) => (time ? `Your ${time} reminder` : "Your reminder"),
      body: "From your plan. Tap to open, or answer here.",
      details: (doses) => `In your plan: ${doses.join(" and ")}`,
      dose: (mg, name) => `${mg} mg ${name}`,
      tablets: (n, count) => `${n} ${count > 1 ? "tablets" : "tablet"}`,
      taken: "Taken",
      skipped: "Skipped",
      checkInTitle: "Time for your check-in",
      checkInBody: "How is today going? A minute is enough.",
    },
    es: {
      // The hour as Spanish reads it, with no leading zero: "de la 1:30", "de las 8:00", "de las 13:30".
      title: (time) => (time ? `Tu recordatorio de ${/^0?1:/.test(time) ? "la" : "las"} ${time.replace(/^0(?=\d:)/, "")}` : "Tu recordatorio"),
      body: "De tu plan. Toca para abrir la app o responde aquí.",
      details: (doses) => `En tu plan: ${doses.join(" y ")}`,
      dose: (mg, name) => `${mg} mg de ${name}`,
      tablets: (n, count) => `${n} ${count > 1 ? "comprimidos" : "comprimido"}`,
      taken: "Tomada",
      skipped: "Omitida",
      checkInTitle: "Hora de tu registro",
      checkInBody: "¿Cómo va el día? Con un minuto basta.",
    },
  };

  function languageOf(device, fallback) {
    if (device && WORDS[device.language]) return device.language;
    const browser = String(fallback || "en").slice(0, 2);
    return WORDS[browser] ? browser : "en";
  }

  /** "½", "1½", "2", or the number itself for a piece with no glyph. */
  function tabletCount(count, number) {
    const whole = Math.floor(count);
    const glyph = PIECES[Math.round((count - whole) * 1000) / 1000];
    if (count > whole && !glyph) return number(count);
    return (whole ? String(whole) : "") + (glyph || "");
  }

  function doseText(dose, words, language, names) {
    const number = (n) => new Intl.NumberFormat(language, { maximumFractionDigits: 3 }).format(n);
    const name = String((names && names[dose.medication]) || dose.name || dose.medication || "").toLocaleLowerCase(language);
    const text = words.dose(number(dose.mg), name);
    const amount = dose.amount || {};
    if (typeof amount.tablets === "number") return `${text} (${words.tablets(tabletCount(amount.tablets, number), amount.tablets)})`;
    if (typeof amount.ml === "number") return `${text} (${number(amount.ml)} mL)`;
    return text;
  }

  /** The notification for a dose reminder push: {title, body, taken, skipped}. `device` is what the app
   * recorded ({language, showDoses, names}), or nothing; `fallback` the browser's language. */
  function compose(payload, device, fallback) {
    const language = languageOf(device, fallback);
    const words = WORDS[language];
    const time = TIME.test(payload.time || "") ? payload.time : "";
    const doses = (payload.doses || []).filter((d) => typeof d.mg === "number");
    const named = Boolean(device && device.showDoses === true) && doses.length > 0;
    return {
      title: words.title(time),
      body: named ? words.details(doses.map((d) => doseText(d, words, language, device.names))) : words.body,
      taken: words.taken,
      skipped: words.skipped,
    };
  }

  /** The notification for a check-in reminder push: {title, body}, in the device's language. */
  function composeCheckIn(device, fallback) {
    const words = WORDS[languageOf(device, fallback)];
    return { title: words.checkInTitle, body: words.checkInBody };
  }

  globalThis.reminderText = { compose, composeCheckIn };
})();
