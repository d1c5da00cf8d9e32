// The taper plan from the API, kept on the device as it arrives (so Today, Trends and the Plan screen open
// offline with the last copy), and the changes, which need a connection: a change is a new version.
import { api, type Schemas } from "../api/client";
import type { PlanBody } from "../plan/form";
import type { AdherenceRow, ScheduleDay } from "../plan/calendar";
import { cacheGet, cachePut } from "./db";
import { unlessOffline, type Loaded } from "./remote";
import { database } from "./syncer";

export interface TodayDose {
  time: string;
  mg: number;
  amount?: unknown;
  medication: string;
  event_id: string;
  token?: string;
  status: null | "taken" | "skipped";
}

export type Plan = Schemas["Plan"] & {
  dose_times?: { time: string; share: number }[];
  progress: Schemas["Plan"]["progress"] & { today_doses?: TodayDose[] };
};
export type Schedule = Omit<Schemas["Schedule"], "days" | "adherence"> & { days: ScheduleDay[]; adherence: AdherenceRow[] };
export type Question = Schemas["Question"];
export type Version = Schemas["PlanVersion"] & { dose_times?: { time: string; share: number }[] };

/** The answer, or this device's copy when the network fails; `null` value: no plan (404). */
async function kept<T>(key: string, fetcher: () => Promise<{ data?: T; response: Response }>): Promise<Loaded<T | null> | undefined> {
  const db = await database();
  try {
    const { data, response } = await fetcher();
    if (data !== undefined || response.status === 404) {
      const value = data ?? null;
      await cachePut(db, key, value);
      return { value };
    }
  } catch (error) {
    if (!(error instanceof TypeError)) throw error; // a network failure; anything else is a bug
  }
  const copy = await cacheGet<T | null>(db, key);
  return copy ? { value: copy.value, savedAt: copy.saved_at } : undefined;
}

export function loadPlan(): Promise<Loaded<Plan | null> | undefined> {
  return kept("plan", () => api.GET("/v1/plan") as Promise<{ data?: Plan; response: Response }>);
}

export function loadSchedule(from: string, to: string): Promise<Loaded<Schedule | null> | undefined> {
  return kept(`plan:schedule:${from}:${to}`, () =>
    api.GET("/v1/plan/schedule", { params: { query: { from, to } } }) as Promise<{ data?: Schedule; response: Response }>,
  );
}

/** A day's planned doses as the server has them now, each with its id and answer; undefined offline (an
 * earlier day's doses are answered only against what is recorded, so no copy is kept). */
export async function loadDayDoses(day: string): Promise<TodayDose[] | undefined> {
  const answer = await unlessOffline(() => api.GET("/v1/plan/schedule", { params: { query: { from: day, to: day } } }));
  if (answer?.data) return ((answer.data.days[0] as { doses?: TodayDose[] } | undefined)?.doses ?? []);
  return answer?.response.status === 404 ? [] : undefined;
}

export function loadQuestions(): Promise<Loaded<Schemas["QuestionList"] | null> | undefined> {
  return kept("plan:questions", () => api.GET("/v1/plan/questions"));
}

export function loadVersions(): Promise<Loaded<{ versions: Version[] } | null> | undefined> {
  return kept("plan:versions", () => api.GET("/v1/plan/versions"));
}

export type Outcome = { ok: true; plan: Plan } | { ok: false; status: number; problem: unknown };

/** Save a new version made from `basedOn` (0: there was none); 409 when another was saved since. */
export async function savePlan(body: PlanBody, basedOn: number): Promise<Outcome> {
  const { data, error, response } = await api.POST("/v1/plan/versions", {
    body: { ...body, based_on_version: basedOn } as Schemas["PlanRequest"],
  });
  return data ? { ok: true, plan: data as Plan } : { ok: false, status: response.status, problem: error };
}

export async function endPlan(day: string, basedOn: number): Promise<Outcome> {
  const { data, error, response } = await api.POST("/v1/plan/end", { body: { day, based_on_version: basedOn } });
  return data ? { ok: true, plan: data as Plan } : { ok: false, status: response.status, problem: error };
}

export async function deletePlan(): Promise<boolean> {
  const { response } = await api.DELETE("/v1/plan");
  if (response.ok) await cachePut(await database(), "plan", null);
  return response.ok;
}
