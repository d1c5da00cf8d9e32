// Message lookup with plurals, and locale-aware dates and numbers (Intl), for the chosen language.
import { en, type Message, type MessageKey as AppKey } from "./en";
import { es } from "./es";
import type { PlanMessageKey } from "./plan-en";

export const LOCALES = { en: "English", es: "Español" } as const;
export type Locale = keyof typeof LOCALES;
/** Every key: the app's, and those a lazily loaded screen adds (addMessages) before it shows them. */
export type MessageKey = AppKey | PlanMessageKey;
const CATALOGS: Record<Locale, Partial<Record<MessageKey, Message>>> = { en: { ...en }, es: { ...es } };
export const STORAGE_KEY = "tyh.locale";

export function detectLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved && saved in LOCALES) return saved as Locale;
  // A link from one of our pages names the language it was in (the invitation's "Open Track Your Healing":
  // ?lang=es): a device that has no choice yet keeps it, as if chosen in Settings.
  const linked = new URLSearchParams(globalThis.location?.search ?? "").get("lang");
  if (linked && Object.hasOwn(LOCALES, linked)) {
    globalThis.localStorage?.setItem(STORAGE_KEY, linked);
    return linked as Locale;
  }
  const preferred = (globalThis.navigator?.languages ?? ["en"]).map((l) => l.slice(0, 2));
  return (preferred.find((l) => l in LOCALES) as Locale | undefined) ?? "en";
}

let locale: Locale = detectLocale();

export function currentLocale(): Locale {
  return locale;
}

export function setLocale(next: Locale): void {
  locale = next;
  globalThis.localStorage?.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}

export type Params = Record<string, string | number>;

export function format(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? formatNumber(value) : value;
  });
}

/** A lazily loaded screen's messages, added when it loads. */
export function addMessages(messages: Record<Locale, Partial<Record<MessageKey, Message>>>): void {
  for (const loc of Object.keys(LOCALES) as Locale[]) Object.assign(CATALOGS[loc], messages[loc]);
}

export function translate(loc: Locale, key: MessageKey, params: Params = {}): string {
  const message = CATALOGS[loc][key] ?? key; // a key shows as itself only if its screen forgot addMessages
  if (typeof message === "string") return format(message, params);
  const count = Number(params.count ?? 0);
  const form = new Intl.PluralRules(loc).select(count) === "one" ? message.one : message.other;
  return format(form, params);
}

export function t(key: MessageKey, params: Params = {}): string {
  return translate(locale, key, params);
}

export function formatNumber(value: number, digits = 1): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

/** A local calendar day ("2026-12-06") as the reader's language writes it. */
export function formatDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)),
  );
}

export function formatTime(iso: string | Date): string {
  return new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" }).format(new Date(iso));
}

/** A plan's dose time ("08:00", a 24-hour clock) as the language writes it: Spanish without the hour's
 * leading zero ("8:00", "0:15"), as the server's texts and the reminders write it; English keeps "08:00". */
export function formatClock(time: string, loc: Locale = locale): string {
  return loc === "es" ? time.replace(/^0(?=\d:)/, "") : time;
}

/** The zone this device's clock is in. */
export function deviceZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** UTC offset of `zone` at `when`, in minutes (what tells two zone names apart on a given day). */
function offsetMinutes(when: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric",
  }).formatToParts(when);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return (Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute")) - Math.floor(when.getTime() / 60000) * 60000) / 60000;
}

/** A time as the clock read in `zone` (the zone its day was counted in), so it agrees with the day it is
 * listed under; named with the zone's short name ("11:30 PM EST") when this device's clock reads otherwise. */
export function formatTimeIn(iso: string | Date, zone: string | undefined): string {
  const when = new Date(iso);
  if (!zone) return formatTime(when);
  const elsewhere = offsetMinutes(when, zone) !== offsetMinutes(when, deviceZone());
  return new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit", timeZone: zone, ...(elsewhere ? { timeZoneName: "short" } : {}) }).format(when);
}

/** The calendar day ("2026-12-06") an instant falls on in `zone`. */
export function dayIn(iso: string | Date, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

/** A weekday's name, Monday = 0, as the reader's language writes it. */
export function weekdayName(index: number): string {
  // 2024-01-01 was a Monday.
  return new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + index)));
}
