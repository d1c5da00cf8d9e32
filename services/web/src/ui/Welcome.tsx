// A first visit's few words on Today: where to start, and whose the data is. Shown until the person has logged
// anything (from any device) or closed it, then never again on this device.
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n/i18n";
import { hasStoredEntries } from "../store/remote";
import { subscribe } from "../store/syncer";

const KEY = "tyh.welcomed";

const welcomed = () => globalThis.localStorage?.getItem(KEY) === "1";
const remember = () => globalThis.localStorage?.setItem(KEY, "1");

/** Whether nothing is logged yet: none waiting on this device and none stored (undefined offline, when it
 * cannot be known). */
async function nothingLogged(pending: number): Promise<boolean | undefined> {
  if (pending > 0) return false;
  const stored = await hasStoredEntries();
  return stored === undefined ? undefined : !stored;
}

export function Welcome() {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (welcomed()) return;
    return subscribe(({ pending, rejected }) => {
      void nothingLogged(pending + rejected).then((none) => {
        if (none === false) remember(); // someone who has logged before needs no welcome here
        setShown(none === true && !welcomed());
      });
    });
  }, []);
  if (!shown) return null;
  return (
    <section class="card welcome" aria-labelledby="welcome-title">
      <h2 id="welcome-title">{t("welcome.title")}</h2>
      <p>{t("welcome.start")}</p>
      <p>{t("welcome.yours")}</p>
      <button
        type="button"
        onClick={() => {
          remember();
          setShown(false);
          document.querySelector<HTMLElement>("main h1")?.focus(); // the button is gone: back to the screen's start
        }}
      >
        {t("welcome.close")}
      </button>
    </section>
  );
}
