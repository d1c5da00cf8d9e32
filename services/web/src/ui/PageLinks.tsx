// The service's own pages (about, privacy, contact), served on the app's origin by the API's service: what we
// do with a person's data is one tap away, before they sign in and after. In the reader's language.
import { currentLocale, t } from "../i18n/i18n";

const PAGES = [
  { path: "/about", label: "pages.about" },
  { path: "/privacy", label: "pages.privacy" },
  { path: "/contact", label: "pages.contact" },
] as const;

export function PageLinks() {
  const lang = currentLocale();
  return (
    <footer class="page-links">
      {PAGES.map(({ path, label }) => (
        <a key={path} href={`${path}?lang=${lang}`}>
          {t(label)}
        </a>
      ))}
    </footer>
  );
}
