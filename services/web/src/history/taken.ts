// The last dose taken, for Today ("did I take it?" is hard to answer in a fog): the newest of the doses the
// server holds and those waiting on this device. An edit waiting stands in for what it replaces; a skipped
// dose, or one the server refused, is not a dose taken.
import type { OutboxEntry } from "../store/outbox";
import type { Stored } from "./days";

export interface TakenDose {
  occurred_at: string;
  medication?: string;
  custom_medication?: string;
  amount_mg: number;
}

export function lastTaken(stored: Stored[], waiting: OutboxEntry[]): TakenDose | null {
  const replaced = new Set(waiting.map((w) => w.replaces).filter(Boolean));
  const doses: Record<string, unknown>[] = [
    ...stored.filter((e) => e.type === "dose" && !replaced.has(e.event_id)).map((e) => ({ ...e.data, occurred_at: e.occurred_at })),
    ...waiting.filter((w) => w.event.type === "dose" && w.state !== "rejected").map((w) => w.event),
  ];
  let last: TakenDose | null = null;
  for (const dose of doses) {
    if (dose.status === "skipped" || typeof dose.occurred_at !== "string" || typeof dose.amount_mg !== "number") continue;
    if (!last || Date.parse(dose.occurred_at) > Date.parse(last.occurred_at)) last = dose as unknown as TakenDose;
  }
  return last;
}
