// uPlot draws the daily burden points, the 7- and 28-day means, windows and waves as shaded bands, the
// daily dose as a stepped line on its own scale (right) with taper steps as dashed lines, and red flags as
// marks along the top, and the plan's planned dose as a broad light stepped band under the logged one (a canvas: a year of days draws at once on a phone). The screen gives the same data
// as a table.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { currentLocale, t } from "../i18n/i18n";
import { dayLabels, xRange, type Band, type ChartData, type DayMark } from "./mapping";

const HEIGHT = 260;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function drawBands(bands: Band[]) {
  return (u: uPlot) => {
    const { ctx, bbox } = u;
    ctx.save();
    for (const band of bands) {
      const left = u.valToPos(band.x0, "x", true);
      const right = u.valToPos(band.x1, "x", true);
      ctx.fillStyle = cssVar(band.kind === "wave" ? "--wave-fill" : "--window-fill");
      ctx.fillRect(Math.max(left, bbox.left), bbox.top, Math.min(right, bbox.left + bbox.width) - Math.max(left, bbox.left), bbox.height);
    }
    ctx.restore();
  };
}

function drawMarks(steps: DayMark[], redFlags: DayMark[]) {
  return (u: uPlot) => {
    const { ctx, bbox } = u;
    const scale = devicePixelRatio || 1;
    ctx.save();
    ctx.strokeStyle = cssVar("--dose");
    ctx.lineWidth = 1.5 * scale;
    ctx.setLineDash([4 * scale, 4 * scale]);
    for (const step of steps) {
      const x = u.valToPos(step.x, "x", true);
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.fillStyle = cssVar("--error");
    const size = 6 * scale;
    for (const flag of redFlags) {
      // A downward triangle at the top edge: visible over any band or line, whatever the burden that day.
      const x = u.valToPos(flag.x, "x", true);
      ctx.beginPath();
      ctx.moveTo(x - size, bbox.top);
      ctx.lineTo(x + size, bbox.top);
      ctx.lineTo(x, bbox.top + size * 1.6);
      ctx.closePath();
      ctx.fill();
    }
    ctx.restore();
  };
}

export function TrendsChart({ data }: { data: ChartData & { planned?: (number | null)[]; plannedUnit?: string | null } }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const dayFormat = new Intl.DateTimeFormat(currentLocale(), { day: "numeric", month: "short", timeZone: "UTC" });
    const text = cssVar("--text");
    const grid = cssVar("--grid");
    const withPlanned = Boolean(data.plannedUnit && data.planned);
    const withDose = data.doseUnit !== null || withPlanned;
    const maxDose = Math.max(0, ...data.dose.map((d) => d ?? 0), ...(data.planned ?? []).map((d) => d ?? 0));
    const opts: uPlot.Options = {
      width: el.clientWidth,
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true, range: (_u, min, max) => xRange(data.x) ?? [min, max] }, y: { range: [0, 10] }, dose: { range: [0, maxDose > 0 ? maxDose * 1.15 : 1] } },
      axes: [
        { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid }, values: (_u, splits) => dayLabels(splits, (v) => dayFormat.format(new Date(v * 1000))) },
        { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid }, splits: () => [0, 2, 4, 6, 8, 10], size: 36 },
        ...(withDose ? [{ scale: "dose", side: 1, stroke: cssVar("--dose"), grid: { show: false }, ticks: { stroke: grid }, size: 40 }] : []),
      ],
      series: [
        {},
        { label: t("trends.daily"), stroke: cssVar("--daily"), width: 0, paths: () => null, points: { show: true, size: 6, fill: cssVar("--daily") } },
        { label: t("trends.mean7"), stroke: cssVar("--mean7"), width: 2.5, spanGaps: true, points: { show: false } },
        { label: t("trends.mean28"), stroke: cssVar("--mean28"), width: 2, dash: [6, 4], spanGaps: true, points: { show: false } },
        // The plan as a broad light band drawn first, so the logged line lies on it where they agree and
        // apart from it where they do not.
        ...(withPlanned
          ? [{ label: t("trends.planned"), scale: "dose", stroke: cssVar("--planned"), width: 9, spanGaps: false, paths: uPlot.paths.stepped?.({ align: 1 }), points: { show: false } }]
          : []),
        ...(withDose
          ? [{ label: t("trends.dose"), scale: "dose", stroke: cssVar("--dose"), width: 2, spanGaps: true, paths: uPlot.paths.stepped?.({ align: 1 }), points: { show: false } }]
          : []),
      ],
      // data-drawn-days says the chart has drawn (and how many days), data-planned whether with the plan's
      // dose: tests and the bench wait for them.
      hooks: { drawClear: [drawBands(data.bands)], draw: [drawMarks(data.steps, data.redFlags), () => { el.dataset.drawnDays = String(data.x.length); el.dataset.planned = String(withPlanned); }] },
    };
    const series = [data.x, data.daily, data.mean7, data.mean28, ...(withPlanned ? [data.planned] : []), ...(withDose ? [data.dose] : [])];
    const plot = new uPlot(opts, series as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data]);
  return <div ref={host} class="chart" role="img" aria-label={t("trends.chart_label")} data-testid="chart" />;
}
