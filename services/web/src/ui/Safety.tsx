import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n/i18n";

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
        <li>{t("safety.line_us")}</li>
        <li>{t("safety.line_uk")}</li>
        <li>{t("safety.line_au")}</li>
        <li>{t("safety.line_other")}</li>
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
