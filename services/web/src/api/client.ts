// The one API client: generated types (schema.d.ts, from the ingestion service's OpenAPI document at build
// time) and openapi-fetch. Calls go to this origin; the browser adds the HttpOnly device cookie itself.
import createClient from "openapi-fetch";
import { currentLocale } from "../i18n/i18n";
import type { components, paths } from "./schema";

// The server refuses cookie-signed writes without this header (a cross-site page cannot add it).
export const CSRF_HEADER = "X-Requested-With";

export const api = createClient<paths>({
  baseUrl: "",
  credentials: "same-origin",
  headers: { [CSRF_HEADER]: "TrackYourHealing" },
});

// The server words its problems (what a field needs, why an entry was not saved) in the language a call asks
// for: the one chosen now, read at each call, so a change in Settings applies without a reload.
api.use({
  onRequest({ request }) {
    request.headers.set("Accept-Language", currentLocale());
    return request;
  },
});

export type Schemas = components["schemas"];
export type Me = Schemas["Me"];
export type Device = Schemas["Device"];
export type BatchResult = Schemas["BatchResult"];
export type SymptomCatalog = Schemas["SymptomCatalog"];
export type MedicationCatalog = Schemas["MedicationCatalog"];
export type Summary = Schemas["Summary"];
