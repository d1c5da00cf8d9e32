import { useEffect, useRef } from "preact/hooks";
import { currentLocale, t } from "../i18n/i18n";
import { crisisLines } from "./crisis-lines";

/** Shown at once when a red-flag symptom is logged (the safety email still goes). */
export function Safety({ reason, onClose }: { reason?: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} class="safety" aria-labelledby="safety-title" onClose={onClose}>
      <h2 id="safety-title">{t("safety.title")}</h2>
      {reason && <p>{reason}</p>}
      <p>{t("safety.body")}</p>
      <p>{t("safety.lines")}</p>
      <ul>
        {crisisLines(currentLocale()).map(({ key, tel }) => (
          <li key={key}>
            <a href={`tel:${tel}`}>{t(key)}</a>
          </li>
        ))}
        <li>
          <a href="https://findahelpline.com" target="_blank" rel="noopener noreferrer">
            {t("safety.line_other")}
          </a>
        </li>
      </ul>
      <p>{t("safety.clinician")}</p>
      <form method="dialog">
        <button type="submit" class="primary">
          {t("safety.ok")}
        </button>
      </form>
    </dialog>
  );
}
