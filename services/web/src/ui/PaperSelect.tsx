// The paper a report is printed on, chosen where a report is asked for and in the weekly report's settings.
import { t } from "../i18n/i18n";
import { isPaper, PAPER_NAMES, PAPERS, type Paper } from "../reports/paper";

export function PaperSelect({ id, value, onChange }: { id: string; value: Paper; onChange: (paper: Paper) => void }) {
  return (
    <>
      <label for={id}>{t("reports.paper")}</label>
      <select
        id={id}
        class="short"
        value={value}
        onChange={(e) => {
          const chosen = e.currentTarget.value;
          if (isPaper(chosen)) onChange(chosen);
        }}
      >
        {PAPERS.map((paper) => (
          <option key={paper} value={paper}>
            {t(PAPER_NAMES[paper])}
          </option>
        ))}
      </select>
    </>
  );
}
