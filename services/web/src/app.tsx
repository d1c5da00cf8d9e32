// The app shell: who is signed in (or the last copy, offline), the screen for the path, the navigation and
// the sync status.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Me } from "./api/client";
import { currentLocale, t } from "./i18n/i18n";
import { navigate, useScreen } from "./router";
import { History } from "./screens/History";
import { Reports } from "./screens/Reports";
import { Settings } from "./screens/Settings";
import { SignIn } from "./screens/SignIn";
import { Today } from "./screens/Today";
import { Trends } from "./screens/Trends";
import { forgetReminders } from "./settings/device";
import * as push from "./settings/push";
import { loadMe } from "./store/remote";
import { Navigation } from "./ui/Navigation";
import { Announce } from "./ui/Announce";
import { SyncStatus } from "./ui/SyncStatus";

/** The Plan screen, fetched when first opened: nothing on it is needed to log (the worker keeps it offline). */
function LazyPlan() {
  const [Screen, setScreen] = useState<ComponentType | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import("./screens/Plan").then((m) => setScreen(() => m.Plan), () => setFailed(true));
  }, []);
  // A failure is said in a region there before it (one added with its words is often not read).
  return Screen ? (
    <Screen />
  ) : (
    <>
      <Announce message={failed ? t("common.error") : ""} alert />
      {!failed && <p>{t("common.loading")}</p>}
    </>
  );
}

export function App() {
  const screen = useScreen();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [failed, setFailed] = useState(false);

  const refresh = () =>
    loadMe()
      .then((loaded) => {
        setMe(loaded?.value ?? null);
        if (loaded && !loaded.savedAt) void push.resync().catch(() => undefined);
      })
      .catch(() => setFailed(true));
  const signedOut = () => {
    void forgetReminders();
    setMe(null);
  };

  useEffect(() => void refresh(), []);
  useEffect(() => {
    if (me === null && screen !== "signin") navigate("signin", true);
    if (me && screen === "signin") navigate("today", true);
  }, [me, screen]);
  // The document's title is each screen's heading (ui/ScreenTitle.tsx).
  useEffect(() => {
    document.documentElement.lang = currentLocale();
  });

  return (
    <>
      <a class="skip" href="#main">
        {t("app.skip")}
      </a>
      <header>
        <p class="brand">{t("app.name")}</p>
        {me && <SyncStatus />}
      </header>
      <main id="main" tabIndex={-1}>
        <Announce message={failed ? t("common.error") : ""} alert />
        {me === undefined && !failed && <p>{t("common.loading")}</p>}
        {/* Once the path says so, so that arriving from a signed-in screen moves focus to its heading. */}
        {me === null && screen === "signin" && <SignIn onSignedIn={() => void refresh()} />}
        {me && screen === "today" && <Today />}
        {me && screen === "plan" && <LazyPlan />}
        {me && screen === "trends" && <Trends zone={me.time_zone} />}
        {me && screen === "history" && <History zone={me.time_zone} />}
        {me && screen === "reports" && <Reports zone={me.time_zone} />}
        {me && screen === "settings" && <Settings me={me} onChanged={setMe} onSignedOut={signedOut} />}
      </main>
      {me && <Navigation screen={screen} />}
    </>
  );
}
