// A form's submit handler that runs its save once at a time: a double tap (or an impatient second one) while
// the first is still being stored does nothing, so one tap never logs an entry twice.
import { useRef } from "preact/hooks";

export function useSaving(save: () => Promise<void>): (event: Event) => void {
  const busy = useRef(false);
  return (event) => {
    event.preventDefault();
    if (busy.current) return;
    busy.current = true;
    void save().finally(() => {
      busy.current = false;
    });
  };
}
