// The crisis lines the safety dialog offers, each one tap to call (988 takes texts too, from the phone's
// own messages app). Their wording is in the i18n catalogues.
import type { Locale, MessageKey } from "../i18n/i18n";

export interface CrisisLine {
  key: MessageKey;
  tel: string;
}

const LINES: readonly CrisisLine[] = [
  { key: "safety.line_us", tel: "988" },
  { key: "safety.line_uk", tel: "116123" },
  { key: "safety.line_au", tel: "131114" },
  { key: "safety.line_es", tel: "024" },
  { key: "safety.line_mx", tel: "8009112000" },
];
// A Spanish reader most likely lives in Spain or Mexico: their lines come first.
const NEAREST: Partial<Record<Locale, readonly MessageKey[]>> = { es: ["safety.line_es", "safety.line_mx"] };

export function crisisLines(locale: Locale): CrisisLine[] {
  const nearest = NEAREST[locale] ?? [];
  const first = LINES.filter((line) => nearest.includes(line.key));
  return [...first, ...LINES.filter((line) => !first.includes(line))];
}
