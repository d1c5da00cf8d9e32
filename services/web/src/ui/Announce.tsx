// What a screen reader reads out as it happens (saved, needs a connection, a problem): in a live region that is
// always there, empty while there is nothing to say, because one added together with its words is often not
// read. A problem is an alert, read at once; anything else a polite status.
import { useEffect, useRef, useState } from "preact/hooks";

// Long enough for the emptied region to reach the accessibility tree before the words come back.
const AGAIN_MS = 100;

export function Announce({ message, alert = false, id, class: look }: { message: string; alert?: boolean; id?: string; class?: string }) {
  return (
    <p id={id} class={look ?? (alert ? "error" : "saved")} role={alert ? "alert" : "status"}>
      {message}
    </p>
  );
}

/** The words for an <Announce>, and a way to say them. The same words twice (a second save) are said again:
 * a live region reads only a change, so it is emptied first and given them a moment later. */
export function useAnnouncement(): [string, (words: string) => void] {
  const [message, setMessage] = useState("");
  const shown = useRef("");
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const say = (words: string) => {
    clearTimeout(timer.current);
    const again = words !== "" && words === shown.current;
    shown.current = words;
    setMessage(again ? "" : words);
    if (again) timer.current = setTimeout(() => setMessage(words), AGAIN_MS);
  };
  return [message, say];
}

/** What an action came to, in two regions: its words when it worked, a problem (an alert) when it did not.
 * Saying one empties the other, so only the latest outcome is on the screen. */
export function useOutcome() {
  const [saved, say] = useAnnouncement();
  const [problem, warn] = useAnnouncement();
  return {
    saved,
    problem,
    ok(words: string) {
      warn("");
      say(words);
    },
    failed(words: string) {
      say("");
      warn(words);
    },
    clear() {
      say("");
      warn("");
    },
  };
}

export function Outcome({ of }: { of: ReturnType<typeof useOutcome> }) {
  return (
    <>
      <Announce message={of.saved} />
      <Announce message={of.problem} alert />
    </>
  );
}
