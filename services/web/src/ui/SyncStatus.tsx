import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n/i18n";
import { subscribe, syncNow, type Counts } from "../store/syncer";

/** "Waiting to sync (N)", announced politely to screen readers as it changes. */
export function SyncStatus() {
  const [counts, setCounts] = useState<Counts>({ pending: 0, rejected: 0 });
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => subscribe(setCounts), []);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    addEventListener("online", update);
    addEventListener("offline", update);
    return () => {
      removeEventListener("online", update);
      removeEventListener("offline", update);
    };
  }, []);
  return (
    <div class="sync" role="status" aria-live="polite">
      {!online && <p class="offline">{t("common.offline")}</p>}
      {counts.pending > 0 ? (
        <p>
          <span data-testid="pending">{t("sync.pending", { count: counts.pending })}</span>{" "}
          {online && (
            <button type="button" class="link" onClick={() => void syncNow()}>
              {t("sync.now")}
            </button>
          )}
        </p>
      ) : (
        <p class="muted" data-testid="synced">
          {t("sync.synced")}
        </p>
      )}
      {counts.rejected > 0 && <p class="warn">{t("sync.rejected", { count: counts.rejected })}</p>}
    </div>
  );
}
