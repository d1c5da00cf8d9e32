// Per-symptom small multiples under the Trends chart: one short bar strip per symptom on the same days and
// the same 0-4 scale, so they compare at a glance. Plain SVG (a few hundred rectangles at most): no chart
// library instance per symptom.
import type { SymptomSeries } from "../chart/mapping";
import type { symptomLabels } from "../i18n/catalog";
import { t } from "../i18n/i18n";

const HEIGHT = 40;
const MAX_SEVERITY = 4;

function Strip({ series }: { series: SymptomSeries }) {
  const n = series.max.length;
  return (
    <svg class="strip" viewBox={`0 0 ${n} ${HEIGHT}`} preserveAspectRatio="none" aria-hidden="true">
      <line class="base" x1={0} x2={n} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} />
      {series.max.map((v, i) =>
        v === null ? null : <rect key={i} x={i + 0.1} width={0.8} y={HEIGHT - Math.max(1, (v / MAX_SEVERITY) * HEIGHT)} height={Math.max(1, (v / MAX_SEVERITY) * HEIGHT)} />,
      )}
    </svg>
  );
}

export function SymptomMultiples({ series, label }: { series: SymptomSeries[]; label: ReturnType<typeof symptomLabels> }) {
  if (series.length === 0) return null;
  return (
    <section class="multiples" aria-labelledby="multiples-title" data-testid="symptom-multiples">
      <h2 id="multiples-title">{t("trends.symptoms")}</h2>
      <p class="muted">{t("trends.symptoms_scale")}</p>
      <ul>
        {series.map((s) => {
          const name = label(s.code, s.label);
          return (
            <li key={s.key}>
              <p>
                <strong>{name}</strong>{" "}
                <span class="muted">{t("trends.symptom_days", { count: s.daysLogged, highest: s.highest })}</span>
              </p>
              <Strip series={s} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}
