import { useEffect, useRef } from "preact/hooks";
import { currentLocale, t } from "../i18n/i18n";
import { crisisLines } from "./crisis-lines";

/** Shown at once when a red-flag symptom is logged (the safety email still goes). Focus starts on its title,
 * so a screen reader reads the message from the top, not from a crisis line one stray tap would call. */
export function Safety({ reason, onClose }: { reason?: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
    title.current?.focus();
  }, []);
  return (
    <dialog ref={dialog} class="safety" aria-labelledby="safety-title" onClose={onClose}>
      <h2 id="safety-title" ref={title} tabIndex={-1}>
        {t("safety.title")}
      </h2>
      {reason && <p>{reason}</p>}
      <p>{t("safety.body")}</p>
      <p>{t("safety.lines")}</p>
      <ul class="lines">
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
