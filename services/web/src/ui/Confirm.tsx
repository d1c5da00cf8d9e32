// A question asked once more before what cannot be undone, as a modal dialog: the rest of the page is out of
// reach meanwhile (focus stays in it), the safe answer has focus first, Escape keeps, and either answer
// returns focus to what opened it.
import { useEffect, useRef } from "preact/hooks";

interface Props {
  id: string;
  question: string;
  keep: string;
  confirm: string;
  onKeep: () => void;
  onConfirm: () => void;
}

export function Confirm({ id, question, keep, confirm, onKeep, onConfirm }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
    keepButton.current?.focus();
  }, []);
  // Closed first, so the browser gives focus back to what opened the dialog before it goes.
  const answer = (then: () => void) => () => {
    dialog.current?.close();
    then();
  };
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby={id} onCancel={(e) => { e.preventDefault(); answer(onKeep)(); }}>
      <p id={id}>{question}</p>
      <div class="row">
        <button type="button" ref={keepButton} onClick={answer(onKeep)}>
          {keep}
        </button>
        <button type="button" class="danger" onClick={answer(onConfirm)}>
          {confirm}
        </button>
      </div>
    </dialog>
  );
}
