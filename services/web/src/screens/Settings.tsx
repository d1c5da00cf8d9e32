// Settings: language, time zone (a searchable list, never free text), the weekly report and reminder emails,
// putting the app on the home screen, devices with sign-out, the data download, erasure, and this device's
// sign-out.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type Device, type Me } from "../api/client";
import { currentLocale, formatDateTime, LOCALES, setLocale, t, type Locale } from "../i18n/i18n";
import { search } from "../i18n/search";
import * as install from "../settings/install";
import * as notifications from "../settings/notifications";
import * as push from "../settings/push";
import { clearAll } from "../store/db";
import { loadMedications } from "../store/remote";
import { database, syncNow } from "../store/syncer";
import { PageLinks } from "../ui/PageLinks";
import { ReminderSettings, WeeklyReportSettings } from "./MailSettings";
import { Announce, Outcome, useAnnouncement, useOutcome } from "../ui/Announce";
import { ScreenTitle } from "../ui/ScreenTitle";

const MAX_ZONES = 8;
// The API's erasure phrase. The person types its wording in their own language (settings.erase_phrase), so
// that nobody erases by a stray tap and everyone understands what they type; the app then sends the API's.
const ERASE_PHRASE = "erase my account";

function DataAndErasure({ onErased }: { onErased: () => void }) {
  const [typed, setTyped] = useState("");
  const [error, setError] = useAnnouncement();

  const phrase = t("settings.erase_phrase");
  const confirmed = typed.trim().toLocaleLowerCase() === phrase.toLocaleLowerCase();

  async function erase(event: Event) {
    event.preventDefault();
    if (!confirmed) return;
    const answer = await api.DELETE("/v1/me", { body: { confirm: ERASE_PHRASE } }).catch(() => null);
    if (!answer) return setError(t("settings.erase_offline"));
    if (answer.response.ok) {
      await clearAll(await database());
      onErased();
    } else setError(t("common.error"));
  }

  return (
    <>
      <section class="card" aria-labelledby="export-title">
        <h2 id="export-title">{t("settings.export")}</h2>
        <p>{t("settings.export_intro")}</p>
        <a class="button" href="/v1/me/export" download>
          {t("settings.export_link")}
        </a>
      </section>
      <form class="card danger" onSubmit={erase} aria-labelledby="erase-title">
        <h2 id="erase-title">{t("settings.erase")}</h2>
        <p>{t("settings.erase_intro")}</p>
        <label for="erase-confirm">{t("settings.erase_confirm", { phrase })}</label>
        <input id="erase-confirm" autocomplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
        <button type="submit" class="danger" disabled={!confirmed}>
          {t("settings.erase_button")}
        </button>
        <Announce message={error} alert />
      </form>
    </>
  );
}

function TimeZonePicker({ me, onChanged }: { me: Me; onChanged: (me: Me) => void }) {
  const zones = useMemo(() => Intl.supportedValuesOf("timeZone"), []);
  const [query, setQuery] = useState("");
  const outcome = useOutcome();
  // "Los Angeles" or "los_angeles" finds America/Los_Angeles.
  const matches = search(zones, (z) => [z.replace(/_/g, " ")], query.replace(/_/g, " ")).entries.slice(0, MAX_ZONES);

  async function choose(zone: string) {
    const answer = await api.PATCH("/v1/me", { body: { time_zone: zone } }).catch(() => null);
    const data = answer?.data;
    if (!data) return outcome.failed(t(answer ? "common.error" : "settings.time_zone_offline"));
    outcome.ok(t("settings.time_zone_saved", { zone }));
    onChanged(data);
    setQuery("");
  }

  return (
    <section class="card" aria-labelledby="tz-title">
      <h2 id="tz-title">{t("settings.time_zone")}</h2>
      <p>{me.time_zone}</p>
      <label for="tz-search">{t("settings.time_zone_search")}</label>
      <input id="tz-search" type="search" autocomplete="off" aria-describedby="tz-hint" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      <p id="tz-hint" class="muted">
        {t("settings.time_zone_hint")}
      </p>
      <ul class="picks">
        {matches.map((zone) => (
          <li key={zone}>
            <button type="button" onClick={() => void choose(zone)}>
              {zone.replace(/_/g, " ")}
            </button>
          </li>
        ))}
      </ul>
      <Outcome of={outcome} />
    </section>
  );
}

/** The devices signed in to this account; each other one can be signed out from here (this one signs out below). */
function Devices() {
  const [devices, setDevices] = useState<Device[]>();
  const [error, setError] = useAnnouncement();
  const load = async () => {
    const answer = await api.GET("/v1/me/devices").catch(() => null);
    if (!answer) {
      if (!devices) setError(t("settings.devices_offline")); // a list already read stays as it was
      return;
    }
    setDevices(answer.data);
    setError("");
  };
  useEffect(() => {
    void load();
    // Opened offline, the list is read once the connection is back.
    const again = () => void load();
    window.addEventListener("online", again);
    return () => window.removeEventListener("online", again);
  }, []);

  async function revoke(device: Device) {
    const answer = await api.DELETE("/v1/me/devices/{device_id}", { params: { path: { device_id: device.id ?? "" } } }).catch(() => null);
    if (!answer) return setError(t("settings.sign_out_offline"));
    setError("");
    await load();
  }

  return (
    <section class="card" aria-labelledby="devices-title">
      <h2 id="devices-title">{t("settings.devices")}</h2>
      <ul class="devices">
        {(devices ?? []).map((device) => (
          <li key={device.id}>
            <span>
              <strong>{device.name}</strong>
              {device.current ? ` (${t("settings.this_device")})` : ""}
              <br />
              <span class="muted">{device.last_used_at ? t("settings.last_used", { time: formatDateTime(device.last_used_at) }) : ""}</span>
            </span>
            {!device.current && (
              <button type="button" onClick={() => void revoke(device)}>
                {t("settings.revoke", { name: device.name ?? "" })}
              </button>
            )}
          </li>
        ))}
      </ul>
      <Announce message={error} alert />
    </section>
  );
}

/** Whether this device's reminders name the doses; off until the person turns it on (a locked screen shows them). */
function DoseDetails() {
  const [on, setOn] = useState<boolean | undefined>(undefined);
  const outcome = useOutcome();
  useEffect(() => void notifications.showsDoses().then(setOn, () => setOn(false)), []);

  async function toggle(next: boolean) {
    try {
      await notifications.setShowDoses(next);
      setOn(next);
      outcome.ok(t(next ? "settings.push_details_saved_on" : "settings.push_details_saved_off"));
    } catch {
      outcome.failed(t("common.error"));
    }
  }

  return (
    <>
      <label class="check">
        <input type="checkbox" checked={on === true} disabled={on === undefined} onChange={(e) => void toggle(e.currentTarget.checked)} />
        {t("settings.push_details")}
      </label>
      <p class="muted">{t("settings.push_details_hint")}</p>
      <Outcome of={outcome} />
    </>
  );
}

/** How to put the app on the home screen, where the browser offers to (its button) or on iPhone and iPad (the
 * steps in words); nothing once it runs from there, or where the app cannot tell how. */
function HomeScreen({ way }: { way: install.Way }) {
  if (way !== "offer" && way !== "ios") return null;
  return (
    <section class="card" aria-labelledby="install-title">
      <h2 id="install-title">{t("settings.install")}</h2>
      {way === "offer" ? (
        <>
          <p>{t("settings.install_intro")}</p>
          <button type="button" onClick={() => void install.promptToInstall()}>
            {t("settings.install_button")}
          </button>
        </>
      ) : (
        <>
          <p>{t("settings.install_ios_intro")}</p>
          <ol>
            <li>{t("settings.install_ios_share")}</li>
            <li>{t("settings.install_ios_add")}</li>
            <li>{t("settings.install_ios_open")}</li>
          </ol>
        </>
      )}
    </section>
  );
}

/** Reminders on this device (the plan's doses, and the check-in reminder while it is on): the browser asks for
 * permission only when the switch is turned on. On iPhone and iPad, Web Push exists only in the app opened
 * from the Home Screen, so there that is what it says. */
function DeviceReminders({ way }: { way: install.Way }) {
  const [state, setState] = useState<push.PushState | undefined>(undefined);
  const outcome = useOutcome();
  const [busy, setBusy] = useState(false);
  useEffect(() => void push.current().then(setState, () => setState("unsupported")), []);

  async function toggle(on: boolean) {
    setBusy(true);
    outcome.clear();
    const result = await (on ? push.switchOn() : push.switchOff()).catch((): push.Outcome => "failed");
    setBusy(false);
    if (result === "on" || result === "off") {
      setState(result);
      outcome.ok(t(result === "on" ? "settings.push_saved_on" : "settings.push_saved_off"));
    } else if (result === "unsupported" || result === "denied") setState(result);
    else outcome.failed(t(result === "unavailable" ? "settings.push_unavailable" : "settings.push_failed"));
  }

  return (
    <section class="card" aria-labelledby="push-title">
      <h2 id="push-title">{t("settings.push")}</h2>
      {state === "unsupported" && <p>{t(way === "ios" ? "settings.push_ios" : "settings.push_unsupported")}</p>}
      {state === "denied" && <p>{t("settings.push_denied")}</p>}
      {(state === "on" || state === "off") && (
        <>
          <label class="check">
            <input type="checkbox" checked={state === "on"} disabled={busy} onChange={(e) => void toggle(e.currentTarget.checked)} />
            {t("settings.push_on")}
          </label>
          <p class="muted">{t("settings.push_hint")}</p>
          <DoseDetails />
        </>
      )}
      <Outcome of={outcome} />
    </section>
  );
}

export function Settings({ me, onChanged, onSignedOut }: { me: Me; onChanged: (me: Me) => void; onSignedOut: () => void }) {
  const [locale, setLocaleState] = useState<Locale>(currentLocale());
  const [signOutError, setSignOutError] = useAnnouncement();
  const way = install.useInstallWay();

  async function signOut() {
    await syncNow(); // send what waits first: signing out forgets this device's copy
    // Offline, the device stays signed in and keeps what waits to sync.
    if (!(await api.DELETE("/v1/auth/session").catch(() => null))) return setSignOutError(t("settings.sign_out_offline"));
    await clearAll(await database());
    onSignedOut(); // this device's reminders go too (settings/device.ts)
  }

  return (
    <>
      <ScreenTitle>{t("settings.title")}</ScreenTitle>
      <section class="card" aria-labelledby="account-title">
        <h2 id="account-title">{t("settings.account")}</h2>
        <p>{t("settings.signed_in_as", { email: me.email ?? "" })}</p>
        <label for="language">{t("settings.language")}</label>
        <select
          id="language"
          value={locale}
          onChange={(e) => {
            const next = e.currentTarget.value as Locale;
            setLocale(next);
            setLocaleState(next);
            // The reminders' language at once (a reminder can come any moment), their medication names in it
            // once the catalogue is read.
            void notifications
              .recordLanguage(next)
              .then(() => loadMedications().catch(() => undefined))
              .then((loaded) => loaded && notifications.recordLanguage(next, loaded.value))
              .catch(() => undefined);
            onChanged({ ...me });
            // The account keeps it too, so the emails follow (this device shows its choice either way).
            void api
              .PATCH("/v1/me", { body: { language: next } })
              .then(({ data }) => data && onChanged(data))
              .catch(() => undefined);
          }}
        >
          {Object.entries(LOCALES).map(([code, name]) => (
            <option key={code} value={code} lang={code}>
              {name}
            </option>
          ))}
        </select>
      </section>
      <TimeZonePicker me={me} onChanged={onChanged} />
      <WeeklyReportSettings me={me} onChanged={onChanged} />
      <ReminderSettings me={me} onChanged={onChanged} />
      <HomeScreen way={way} />
      <DeviceReminders way={way} />
      <Devices />
      <DataAndErasure onErased={onSignedOut} />
      <section class="card">
        <button type="button" onClick={() => void signOut()}>
          {t("settings.sign_out")}
        </button>
        <Announce message={signOutError} alert />
      </section>
      <PageLinks />
    </>
  );
}
