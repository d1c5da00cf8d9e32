// Email, then the 6-digit code from the email; the server answers with the HttpOnly device cookie.
import { useRef, useState } from "preact/hooks";
import { api } from "../api/client";
import { currentLocale, t } from "../i18n/i18n";
import { Announce } from "../ui/Announce";
import { PageLinks } from "../ui/PageLinks";
import { ScreenTitle } from "../ui/ScreenTitle";

function deviceName(): string {
  const ua = navigator.userAgent;
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Mac/.test(ua) ? "Mac" : /Windows/.test(ua) ? "Windows" : /Linux/.test(ua) ? "Linux" : "";
  const browser = /Firefox\//.test(ua) ? "Firefox" : /Edg\//.test(ua) ? "Edge" : /Chrom/.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  return os ? `${browser} · ${os}` : browser;
}

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState(new URLSearchParams(location.search).get("email") ?? "");
  const [step, setStep] = useState<"email" | "code">("email");
  const [code, setCode] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const codeInput = useRef<HTMLInputElement>(null);
  const emailInput = useRef<HTMLInputElement>(null);
  // The problem is tied to the field it is about (read on reaching it) as well as announced.
  const problem = error ? { "aria-invalid": true, "aria-describedby": "signin-error" } : {};

  async function requestCode(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      const { response } = await api.POST("/v1/auth/code", { body: { email, language: currentLocale() } });
      if (response.status === 202) {
        setStep("code");
        setTimeout(() => codeInput.current?.focus(), 0);
      } else setError(t(response.status === 429 ? "signin.too_many" : response.status === 422 ? "signin.invalid_email" : "common.error"));
    } catch {
      setError(t("common.offline"));
    } finally {
      setBusy(false);
    }
  }

  async function exchange(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      const { response } = await api.POST("/v1/auth/session", { body: { email, code, device_name: deviceName(), language: currentLocale() } });
      if (response.status === 201) onSignedIn();
      else setError(t(response.status === 429 ? "signin.too_many" : "signin.failed"));
    } catch {
      setError(t("common.offline"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <section aria-labelledby="signin-title" class="card narrow">
        <ScreenTitle id="signin-title">{t("signin.title")}</ScreenTitle>
        {step === "email" ? (
          // Keyed: the two forms' fields must not be one element reused, or the code's pattern stays on the
          // email field coming back, and it refuses every address.
          <form key="email" onSubmit={requestCode}>
            <p>{t("signin.intro")}</p>
            <label for="email">{t("signin.email")}</label>
            <input id="email" ref={emailInput} name="email" type="email" autocomplete="email" inputMode="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} {...problem} />
            <button type="submit" class="primary" disabled={busy}>
              {t("signin.send")}
            </button>
          </form>
        ) : (
          <form key="code" onSubmit={exchange}>
            <p>{t("signin.sent", { email })}</p>
            <label for="code">{t("signin.code")}</label>
            <input
              id="code"
              name="code"
              ref={codeInput}
              inputMode="numeric"
              autocomplete="one-time-code"
              pattern="[0-9]{6}"
              required
              aria-describedby={error ? "code-hint signin-error" : "code-hint"}
              aria-invalid={error ? true : undefined}
              value={code}
              // Digits only, then six (a maxLength would cut a pasted " 123 456" before its spaces are gone); the
              // field shows what is kept.
              onInput={(e) => {
                const digits = e.currentTarget.value.replace(/\D/g, "").slice(0, 6);
                e.currentTarget.value = digits;
                setCode(digits);
              }}
            />
            <p id="code-hint" class="muted">
              {t("signin.code_hint")}
            </p>
            <button type="submit" class="primary" disabled={busy}>
              {t("signin.submit")}
            </button>
            <button
              type="button"
              class="link"
              onClick={() => {
                setStep("email");
                setError("");
                setTimeout(() => emailInput.current?.focus(), 0);
              }}
            >
              {t("signin.other_email")}
            </button>
          </form>
        )}
        <Announce id="signin-error" message={error} alert />
      </section>
      <div class="narrow">
        <p>
          {t("signin.new_here")} <a href={`/about?lang=${currentLocale()}`}>{t("signin.about")}</a>
        </p>
        <PageLinks />
      </div>
    </>
  );
}
