// Reports: ask for the last week's report or a chosen range, follow it while it is made, open or download it,
// and share it through private links the person gives to whoever they choose (listed with their opens,
// revocable). The server makes and stores the reports; this screen only asks and shows.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../api/client";
import type { MessageKey } from "../i18n/i18n";
import { formatDateTime, formatDay, t } from "../i18n/i18n";
import { accountDay, inProgress, mailtoLink, periodProblem, pollDelay, SHARE_DAYS, type PeriodProblem } from "../reports/period";
import { devicePaper, rememberPaper, type Paper } from "../reports/paper";
import { Announce, useAnnouncement } from "../ui/Announce";
import { PaperSelect } from "../ui/PaperSelect";
import { ScreenTitle } from "../ui/ScreenTitle";

type Report = Schemas["Report"];
type Share = Schemas["Share"];

const SHARE_STATES: Record<string, MessageKey> = {
  active: "reports.share_active",
  expired: "reports.share_expired",
  revoked: "reports.share_revoked",
};
// A report's state: its words and look.
const STATES: Record<Report["status"], [MessageKey, string]> = {
  queued: ["reports.preparing", ""],
  building: ["reports.preparing", ""],
  ready: ["reports.ready", "saved"],
  failed: ["reports.failed", "error"],
};

function askProblem(status: number): string {
  if (status === 409) return t("reports.already_building");
  if (status === 429) return t("reports.too_many");
  return t("common.error");
}

function AskForm({ zone, onAsked }: { zone?: string; onAsked: () => void }) {
  const [custom, setCustom] = useState(false);
  // Days as the account counts them, as the server will: a traveller's phone may be a day off.
  const [start, setStart] = useState(accountDay(zone, -7));
  const [end, setEnd] = useState(accountDay(zone, -1));
  const [notes, setNotes] = useState(false);
  const [paper, setPaper] = useState<Paper>(devicePaper());
  const [problem, setProblem] = useAnnouncement();

  async function ask(event: Event) {
    event.preventDefault();
    const invalid: PeriodProblem | null = custom ? periodProblem(start, end, accountDay(zone)) : null;
    if (invalid) return setProblem(t(invalid, { max: 93 }));
    const period = custom ? { period_start: start, period_end: end } : {};
    try {
      const { response } = await api.POST("/v1/reports", { body: { ...period, include_notes: notes, paper } });
      setProblem(response.ok ? "" : askProblem(response.status));
    } catch {
      return setProblem(t("reports.ask_offline"));
    }
    onAsked();
  }

  return (
    <form class="card" onSubmit={ask} aria-labelledby="ask-title">
      <h2 id="ask-title">{t("reports.ask")}</h2>
      <fieldset>
        <legend>{t("reports.period")}</legend>
        <label class="check">
          <input type="radio" name="period" checked={!custom} onChange={() => setCustom(false)} />
          {t("reports.last_week")}
        </label>
        <label class="check">
          <input type="radio" name="period" checked={custom} onChange={() => setCustom(true)} />
          {t("reports.custom")}
        </label>
      </fieldset>
      {custom && (
        <div class="row gap">
          <span>
            <label for="period-start">{t("reports.from")}</label>
            <input id="period-start" type="date" class="short" value={start} onInput={(e) => setStart(e.currentTarget.value)} />
          </span>
          <span>
            <label for="period-end">{t("reports.to")}</label>
            <input id="period-end" type="date" class="short" value={end} onInput={(e) => setEnd(e.currentTarget.value)} />
          </span>
        </div>
      )}
      <label class="check">
        <input type="checkbox" checked={notes} onChange={(e) => setNotes(e.currentTarget.checked)} />
        {t("reports.include_notes")}
      </label>
      <PaperSelect
        id="report-paper"
        value={paper}
        onChange={(chosen) => {
          setPaper(chosen);
          rememberPaper(chosen); // this device's paper from now on
        }}
      />
      <button type="submit" class="primary">
        {t("reports.ask_button")}
      </button>
      <Announce message={problem} alert />
    </form>
  );
}

function ShareItem({ share, onRevoke }: { share: Share; onRevoke: () => void }) {
  const [copied, say] = useAnnouncement();
  const opens = share.opens ?? [];
  const last = opens[opens.length - 1];
  const who = share.recipient || t("reports.share_unnamed");

  async function copy() {
    await navigator.clipboard?.writeText(share.url ?? "").catch(() => undefined);
    say(t("reports.copied"));
  }

  return (
    <li class={`share ${share.status}`} data-testid="share">
      <p>
        <strong>{who}</strong>
        {SHARE_STATES[share.status] && ` · ${t(SHARE_STATES[share.status]!, { day: formatDateTime(share.expires_at) })}`}
        <br />
        <span class="muted">
          {opens.length === 0
            ? t("reports.opens_none")
            : t("reports.opens", { count: opens.length, time: last ? formatDateTime(last.opened_at) : "" })}
        </span>
      </p>
      {share.status === "active" && share.url && (
        <>
          <label for={`link-${share.id}`}>{t("reports.share_link", { who })}</label>
          <input id={`link-${share.id}`} readOnly value={share.url} onFocus={(e) => e.currentTarget.select()} />
          <div class="row">
            <button type="button" onClick={() => void copy()}>
              {t("reports.copy")}
            </button>
            <a class="button" href={mailtoLink(share.url, t("reports.mail_subject"), t("reports.mail_body"))}>
              {t("reports.email_it")}
            </a>
            <button type="button" class="danger-outline" onClick={onRevoke}>
              {t("reports.revoke", { who })}
            </button>
          </div>
          <Announce message={copied} />
        </>
      )}
    </li>
  );
}

function Shares({ report }: { report: Report }) {
  const [shares, setShares] = useState<Share[]>();
  const [recipient, setRecipient] = useState("");
  const [days, setDays] = useState(14);
  const [error, setError] = useAnnouncement();
  const [revokeError, setRevokeError] = useAnnouncement();
  const path = { params: { path: { report_id: report.id } } };
  const load = async () => {
    const answer = await api.GET("/v1/reports/{report_id}/shares", path).catch(() => null); // offline: keep what shows
    if (answer) setShares(answer.data?.shares ?? []);
  };
  useEffect(() => void load(), [report.id]);

  async function make(event: Event) {
    event.preventDefault();
    const answer = await api
      .POST("/v1/reports/{report_id}/shares", { ...path, body: { recipient: recipient.trim() || null, expires_in_days: days } })
      .catch(() => null);
    if (!answer) return setError(t("reports.share_offline"));
    setError(answer.response.ok ? "" : t("common.error"));
    if (answer.response.ok) setRecipient("");
    await load();
  }

  async function revoke(share: Share) {
    // Offline the link still works: say so, rather than leave it looking revoked or do nothing.
    const answer = await api
      .DELETE("/v1/reports/{report_id}/shares/{share_id}", { params: { path: { report_id: report.id, share_id: share.id } } })
      .catch(() => null);
    setRevokeError(answer ? "" : t("reports.revoke_offline"));
    await load();
  }

  const formId = `share-${report.id}`;
  return (
    <div class="shares">
      <form onSubmit={make} aria-labelledby={`${formId}-title`}>
        <h3 id={`${formId}-title`}>{t("reports.share_title")}</h3>
        <p class="muted">{t("reports.share_intro")}</p>
        <label for={`${formId}-who`}>{t("reports.recipient")}</label>
        <input id={`${formId}-who`} maxLength={200} value={recipient} onInput={(e) => setRecipient(e.currentTarget.value)} />
        <label for={`${formId}-days`}>{t("reports.expires")}</label>
        <select id={`${formId}-days`} class="short" value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          {SHARE_DAYS.map((d) => (
            <option key={d} value={d}>
              {t("reports.days", { count: d })}
            </option>
          ))}
        </select>
        <button type="submit">{t("reports.make_link")}</button>
        <Announce message={error} alert />
      </form>
      {shares && shares.length > 0 && (
        <ul class="plain">
          {shares.map((share) => (
            <ShareItem key={share.id} share={share} onRevoke={() => void revoke(share)} />
          ))}
        </ul>
      )}
      <Announce message={revokeError} alert />
    </div>
  );
}

function ReportItem({ report }: { report: Report }) {
  // Shares are read when the person opens them, not for every report in the list at once.
  const [sharing, setSharing] = useState(false);
  const period = t("reports.period_of", { start: formatDay(report.period_start), end: formatDay(report.period_end) });
  const kind = t(report.kind === "weekly" ? "reports.kind_weekly" : "reports.kind_on_demand");
  const [state, look] = STATES[report.status];
  return (
    <li class="card" data-testid="report">
      <h2>{period}</h2>
      <p class="muted">
        {kind} · {t("reports.asked", { time: formatDateTime(report.created_at) })}
      </p>
      {/* One region for the report's state, there from the start, so "Ready" is read out when it comes. */}
      <Announce message={t(state)} class={look} />
      {report.status === "ready" && report.pdf_url && report.html_url && (
        <>
          <div class="row">
            <a class="button" href={report.html_url} target="_blank" rel="noopener">
              {t("reports.view")}
            </a>
            <a class="button" href={report.pdf_url} download>
              {t("reports.download")}
            </a>
          </div>
          <details onToggle={(e) => setSharing(e.currentTarget.open)}>
            <summary>{t("reports.share")}</summary>
            {sharing && <Shares report={report} />}
          </details>
        </>
      )}
    </li>
  );
}

/** `zone`: the account's time zone, in which report periods are days. */
export function Reports({ zone }: { zone?: string }) {
  const [reports, setReports] = useState<Report[] | null>();
  const [looks, setLooks] = useState(0); // while a report is being made
  const load = async () => {
    try {
      setReports((await api.GET("/v1/reports")).data?.reports ?? null);
    } catch {
      setReports(null); // offline: reports live on the server
    }
  };
  const asked = () => {
    setLooks(0);
    void load();
  };
  useEffect(() => {
    void load();
    // Back online, the list comes (the screen says it will).
    const online = () => void load();
    addEventListener("online", online);
    return () => removeEventListener("online", online);
  }, []);
  useEffect(() => {
    if (!reports || !inProgress(reports)) return;
    const timer = setTimeout(() => {
      setLooks((n) => n + 1);
      void load();
    }, pollDelay(looks));
    return () => clearTimeout(timer);
  }, [reports]);

  return (
    <>
      <ScreenTitle>{t("reports.title")}</ScreenTitle>
      <p>{t("reports.intro")}</p>
      <AskForm zone={zone} onAsked={asked} />
      {reports === undefined && <p>{t("common.loading")}</p>}
      {reports === null && <p class="warn">{t("reports.offline")}</p>}
      {reports?.length === 0 && <p>{t("reports.none")}</p>}
      <ul class="plain">
        {(reports ?? []).map((report) => (
          <ReportItem key={report.id} report={report} />
        ))}
      </ul>
    </>
  );
}
