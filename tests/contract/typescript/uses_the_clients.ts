// What an app written against the generated types does; `tsc --strict` must accept it as it is. The
// `@ts-expect-error` lines are bodies the server refuses: the types must refuse them too.
import createClient from "openapi-fetch";
import type { components, paths } from "./ingestion";
import type { paths as notificationPaths } from "./notification";

type Schemas = components["schemas"];

const api = createClient<paths>({ baseUrl: "https://api.example.org" });
const notification = createClient<notificationPaths>({ baseUrl: "https://example.org" });

const symptom: Schemas["SingleSymptomEvent"] = {
  event_id: "0b7f3c1e-5d2a-4c8e-9f61-2a4b6c8d0e12",
  type: "symptom",
  code: "insomnia",
  severity: 3,
  occurred_at: "2026-03-02T07:30:00+01:00",
};

// @ts-expect-error a symptom names a catalogue code or a custom label
const nameless: Schemas["SingleSymptomEvent"] = { event_id: "e", type: "symptom", severity: 1, occurred_at: "" };

// @ts-expect-error a check-in is not a symptom
const mixed: Schemas["SingleCheckInEvent"] = { event_id: "e", type: "symptom", overall: 3, occurred_at: "" };

export async function roundTrip(token: string): Promise<unknown[]> {
  const headers = { Authorization: `Bearer ${token}` };
  const created = await api.POST("/v1/events", { body: symptom, headers });
  const outcome: "accepted" | "duplicate" | "rejected" | undefined = created.data?.status;
  const problem: number | undefined = created.error?.status;

  const batch = await api.POST("/v1/events/batch", {
    body: { sent_at: "2026-03-02T07:31:00+01:00", events: [{ ...symptom, event_id: "e2" }] },
    headers,
  });
  const page = await api.GET("/v1/events", { params: { query: { limit: 10, type: "symptom" } }, headers });
  const cursor: string | null | undefined = page.data?.next_cursor;
  const summaries = await api.GET("/v1/summaries", { params: { query: { from: "2026-03-01" } }, headers });
  const from: string | undefined = summaries.data?.from;

  const report = await api.POST("/v1/reports", { body: { paper: "Letter" }, headers });
  const state: "queued" | "building" | "ready" | "failed" | undefined = report.data?.status;
  const path = { report_id: report.data?.id ?? "" };
  const pdf = await api.GET("/v1/reports/{report_id}/pdf", { params: { path }, parseAs: "blob", headers });
  const share = await api.POST("/v1/reports/{report_id}/shares", { params: { path }, body: {}, headers });
  const exported = await api.POST("/v1/me/exports", { headers });

  const joined = await notification.POST("/v1/waitlist", { body: { email: "sam@example.org", consent: true } });
  return [outcome, problem, batch.data?.accepted, cursor, from, state, pdf.data, share.data?.url, exported.data?.status_url, joined.data];
}

export const unused = [nameless, mixed];
