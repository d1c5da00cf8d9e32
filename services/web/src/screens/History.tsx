// History: what waits on this device (with the server's reason when it was refused), then what the server
// holds, newest first, each deletable.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../api/client";
import { formatDateTime, formatNumber, t } from "../i18n/i18n";
import { discard, entries, type OutboxEntry } from "../store/outbox";
import { database, refreshCounts } from "../store/syncer";

type Stored = Schemas["EventOut"];

function describe(type: string | undefined, data: Record<string, unknown>): string {
  switch (type) {
    case "check_in":
      return t("history.check_in", { value: Number(data.overall) });
    case "symptom":
      return t("history.symptom", { label: String(data.label ?? data.code ?? data.custom_label ?? ""), value: Number(data.severity) });
    case "dose":
      return data.status === "skipped"
        ? t("history.dose_skipped", { label: String(data.label ?? data.medication ?? data.custom_medication ?? "") })
        : t("history.dose", { label: String(data.label ?? data.medication ?? data.custom_medication ?? ""), amount: formatNumber(Number(data.amount_mg), 3) });
    default:
      return t("history.note");
  }
}

export function History() {
  const [waiting, setWaiting] = useState<OutboxEntry[]>([]);
  const [stored, setStored] = useState<Stored[]>();
  const load = async () => {
    setWaiting(await entries(await database()));
    try {
      setStored((await api.GET("/v1/events", { params: { query: { limit: 100 } } })).data?.events ?? []);
    } catch {
      setStored(undefined);
    }
  };
  useEffect(() => void load(), []);

  async function remove(eventId: string, local: boolean) {
    if (local) await discard(await database(), eventId);
    else await api.DELETE("/v1/events/{event_id}", { params: { path: { event_id: eventId } } });
    await refreshCounts();
    await load();
  }

  return (
    <>
      <h1>{t("history.title")}</h1>
      <ul class="history">
        {waiting.map((entry) => (
          <li key={entry.event.event_id} class={entry.state}>
            <span>
              {describe(entry.event.type, entry.event)}
              <br />
              <span class="muted">
                {formatDateTime(entry.event.occurred_at)} · {t("history.pending")}
              </span>
              {entry.problem && (
                <span class="error" role="note">
                  <br />
                  {t("sync.problem", { detail: String(entry.problem.detail ?? entry.problem.title ?? "") })}
                </span>
              )}
            </span>
            <button type="button" onClick={() => void remove(entry.event.event_id, true)}>
              {t("sync.discard")}
            </button>
          </li>
        ))}
        {(stored ?? []).map((event) => (
          <li key={event.event_id}>
            <span>
              {describe(event.type, event.data ?? {})}
              <br />
              <span class="muted">{event.occurred_at ? formatDateTime(event.occurred_at) : ""}</span>
            </span>
            <button type="button" onClick={() => void remove(event.event_id ?? "", false)}>
              {t("history.delete")}
            </button>
          </li>
        ))}
      </ul>
      {waiting.length === 0 && stored?.length === 0 && <p>{t("history.empty")}</p>}
    </>
  );
}
