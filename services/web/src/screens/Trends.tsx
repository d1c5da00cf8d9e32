// Trends: the chart, windows and waves listed with their dates and the plain explanation, and a table of
// the same numbers for screen readers.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Summary } from "../api/client";
import { fromFirstDay, symptomSeries, toChartData, withPlanned, EQUIVALENT_UNIT, type Band, type RedFlag } from "../chart/mapping";
import { SymptomMultiples } from "../chart/SymptomMultiples";
import { TrendsChart } from "../chart/TrendsChart";
import { localSymptoms, symptomLabels } from "../i18n/catalog";
import { currentLocale, dayIn, formatDateTime, formatDay, formatNumber, t } from "../i18n/i18n";
import type { MessageKey } from "../i18n/i18n";
import { loadPlan, loadSchedule } from "../store/plan";
import { loadSummaries, loadSymptoms } from "../store/remote";
import { Announce } from "../ui/Announce";
import { ScreenTitle } from "../ui/ScreenTitle";

// The plan's schedule is asked for at most this many days at once (the API's limit).
const MAX_PLAN_DAYS = 366;
// "All" asks for the most days one answer holds and starts the chart at the person's first entry.
const ALL_DAYS = 731;
const RANGES: { days: number; label: MessageKey }[] = [
  { days: 28, label: "trends.range_28" },
  { days: 90, label: "trends.range_90" },
  { days: 365, label: "trends.range_365" },
  { days: ALL_DAYS, label: "trends.range_all" },
];

/** The day `days` before today, today being the account's (the day the server counts a new entry in, in
 * the account's zone); this device's own day only when that zone is not known. A traveller whose phone is a
 * day behind the account would otherwise not see today's entries at all. */
function dayBefore(days: number, zone?: string): string {
  const now = new Date();
  const today = zone ? dayIn(now, zone) : `${now.getFullYear()}-${now.getMonth() + 1}-${now.getDate()}`;
  const [y, m, d] = today.split("-").map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) - days)).toISOString().slice(0, 10);
}

function bandText(band: Band): string {
  return t("trends.episode", {
    kind: t(band.kind === "wave" ? "trends.wave" : "trends.window"),
    start: formatDay(band.start),
    end: band.end ? formatDay(band.end) : t("trends.ongoing"),
  });
}

const value = (v: number | null) => (v === null ? "–" : formatNumber(v));

function doseUnit(unit: string | null): string {
  return t(unit === EQUIVALENT_UNIT ? "trends.dose_unit_eq" : "trends.dose_unit_mg");
}

type SymptomLabel = ReturnType<typeof symptomLabels>;

function flagNames(flags: RedFlag[], label: SymptomLabel): string {
  return flags.map((f) => label(f.code, f.label)).join(", ");
}

/** `zone`: the account's time zone, whose today the ranges end on. */
export function Trends({ zone }: { zone?: string }) {
  const [days, setDays] = useState(28);
  const [summary, setSummary] = useState<{ value: Summary; savedAt?: string } | null | undefined>(undefined);
  useEffect(() => {
    setSummary(undefined);
    // Both ends named, so the range shown is the one asked for, whatever the server's clock.
    void loadSummaries(days, dayBefore(days - 1, zone), dayBefore(0, zone)).then((loaded) => setSummary(loaded ?? null));
  }, [days, zone]);
  const shown = useMemo(
    () => (summary && days === ALL_DAYS ? fromFirstDay(summary.value) : summary?.value),
    [summary, days],
  );
  // Symptoms by the catalogue's names in the reader's language (the summary's English until it is read).
  const [label, setLabel] = useState<SymptomLabel>(() => symptomLabels());
  useEffect(() => {
    void loadSymptoms().then((loaded) => loaded && setLabel(() => symptomLabels(localSymptoms(loaded.value, currentLocale()))));
  }, []);
  // The plan's planned dose over the same days, when there is a plan (the last copy seen, offline).
  const [plannedDays, setPlannedDays] = useState<Record<string, unknown>[]>([]);
  useEffect(() => {
    setPlannedDays([]);
    void (async () => {
      if (!(await loadPlan())?.value) return;
      const from = dayBefore(Math.min(days, MAX_PLAN_DAYS) - 1, zone);
      const schedule = await loadSchedule(from, dayBefore(0, zone));
      setPlannedDays((schedule?.value?.days as Record<string, unknown>[] | undefined) ?? []);
    })().catch(() => setPlannedDays([]));
  }, [days, zone]);
  const data = useMemo(() => (shown ? withPlanned(toChartData(shown), plannedDays) : undefined), [shown, plannedDays]);
  const symptoms = useMemo(() => (shown ? symptomSeries(shown) : []), [shown]);
  // More than one answer holds: say that "all" shows the latest part.
  const clipped = days === ALL_DAYS && !!summary?.value.first_day && summary.value.first_day < summary.value.from;

  return (
    <>
      <ScreenTitle>{t("trends.title")}</ScreenTitle>
      <fieldset class="ranges">
        <legend>{t("trends.range")}</legend>
        {RANGES.map((r) => (
          <label key={r.days} class={days === r.days ? "choice wide on" : "choice wide"}>
            <input type="radio" name="range" checked={days === r.days} onChange={() => setDays(r.days)} />
            <span>{t(r.label)}</span>
          </label>
        ))}
      </fieldset>
      {summary === undefined && <p>{t("common.loading")}</p>}
      {/* In a region there before it: one added with its words is often not read. */}
      <Announce message={summary === null ? t("common.error") : ""} alert />
      {summary?.savedAt && <p class="muted">{t("trends.stale", { time: formatDateTime(summary.savedAt) })}</p>}
      {clipped && <p class="muted">{t("trends.all_clipped", { date: formatDay(summary!.value.from) })}</p>}
      {data && data.status === "no_data" && <p class="card">{t("trends.no_data")}</p>}
      {data && data.status === "none_in_range" && <p class="card">{t("trends.none_in_range")}</p>}
      {data && data.status !== "no_data" && data.status !== "none_in_range" && (
        <section class="card" aria-labelledby="chart-title">
          <h2 id="chart-title" class="visually-hidden">
            {t("trends.chart_label")}
          </h2>
          {data.status === "baseline" && <p>{t("trends.baseline", { count: data.baseline.logged, total: data.baseline.needed })}</p>}
          <p class="muted" aria-hidden="true">
            {t("trends.axis", { low: t("today.overall_low"), high: t("today.overall_high") })}
          </p>
          <TrendsChart data={data} />
          <ul class="legend">
            <li class="daily">{t("trends.daily")}</li>
            <li class="mean7">{t("trends.mean7")}</li>
            <li class="mean28">{t("trends.mean28")}</li>
            <li class="window">{t("trends.window")}</li>
            <li class="wave">{t("trends.wave")}</li>
            {data.doseUnit && <li class="dose">{t("trends.dose_legend", { unit: doseUnit(data.doseUnit) })}</li>}
            {data.plannedUnit && <li class="planned">{t("trends.planned_legend", { unit: doseUnit(data.plannedUnit) })}</li>}
            {data.steps.length > 0 && <li class="step">{t("trends.step_legend")}</li>}
            {data.redFlags.length > 0 && <li class="flag">{t("trends.flag_legend")}</li>}
          </ul>
          {data.bands.length > 0 && (
            <ul class="episodes" data-testid="episodes">
              {data.bands.map((band) => (
                <li key={`${band.kind}${band.start}`} class={band.kind}>
                  {bandText(band)}
                </li>
              ))}
            </ul>
          )}
          {/* A foggy reader who sees "Wave … ongoing" is told what it is and is not, and who decides on doses. */}
          {data.bands.some((band) => band.kind === "wave") && <p data-testid="wave-note">{t("trends.wave_note")}</p>}
          <p class="muted">{t("trends.disclaimer")}</p>
          <SymptomMultiples series={symptoms} label={label} />
          {data.redFlags.length > 0 && (
            <div class="card flagged" data-testid="red-flags">
              <p>{t("trends.flags_title")}</p>
              <ul class="flags">
                {[...data.redFlags].reverse().map((mark) => (
                  <li key={mark.day}>
                    {formatDay(mark.day)}: {flagNames(mark.flags, label)}
                  </li>
                ))}
              </ul>
              <p>{t("trends.flags_help")}</p>
            </div>
          )}
          <details>
            <summary>{t("trends.table")}</summary>
            {/* Focusable, so the keyboard can scroll it sideways on a phone. */}
            <div class="table-scroll" tabIndex={0} role="region" aria-label={t("trends.table")}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t("trends.col_day")}</th>
                    <th scope="col">{t("trends.col_burden")}</th>
                    <th scope="col">{t("trends.col_mean7")}</th>
                    <th scope="col">{t("trends.col_mean28")}</th>
                    <th scope="col">{t("trends.col_state")}</th>
                    {data.doseUnit && <th scope="col">{t("trends.col_dose", { unit: doseUnit(data.doseUnit) })}</th>}
                    {data.plannedUnit && <th scope="col">{t("trends.col_planned", { unit: doseUnit(data.plannedUnit) })}</th>}
                    <th scope="col">{t("trends.col_flags")}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...data.rows].map((row, i) => ({ row, planned: data.planned[i] ?? null })).reverse().map(({ row, planned }) => (
                    <tr key={row.day}>
                      <th scope="row">{formatDay(row.day)}</th>
                      <td>{value(row.burden)}</td>
                      <td>{value(row.mean7)}</td>
                      <td>{value(row.mean28)}</td>
                      <td>{row.state ? t(row.state === "wave" ? "trends.wave" : "trends.window") : ""}</td>
                      {data.doseUnit && <td>{row.dose === null ? "–" : formatNumber(row.dose, 3)}</td>}
                      {data.plannedUnit && <td>{planned === null ? "–" : formatNumber(planned, 3)}</td>}
                      <td>{flagNames(row.redFlags, label)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </section>
      )}
    </>
  );
}
