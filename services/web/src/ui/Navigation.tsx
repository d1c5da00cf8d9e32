// The navigation between screens, kept at the bottom of a phone's screen (sticky, so the page's end is never
// under it). It is as tall as its words need at any text size; the page learns its height so what the
// keyboard reaches scrolls into view above it, and a navigation taller than a third of the screen (very
// large text on a small or turned phone) stays at the page's end instead of covering what is read.
import { useEffect, useRef, useState } from "preact/hooks";
import { t, type MessageKey } from "../i18n/i18n";
import { hrefOf, navigate, type Screen } from "../router";

const ITEMS: { screen: Screen; label: MessageKey }[] = [
  { screen: "today", label: "nav.today" },
  { screen: "plan", label: "nav.plan" },
  { screen: "trends", label: "nav.trends" },
  { screen: "history", label: "nav.history" },
  { screen: "reports", label: "nav.reports" },
  { screen: "settings", label: "nav.settings" },
];
const MAX_SHARE = 1 / 3;

export function Navigation({ screen }: { screen: Screen }) {
  const nav = useRef<HTMLElement>(null);
  const [tall, setTall] = useState(false);
  useEffect(() => {
    const el = nav.current;
    if (!el) return;
    const measure = () => {
      const height = el.getBoundingClientRect().height;
      const tooTall = height > innerHeight * MAX_SHARE;
      setTall(tooTall);
      document.documentElement.style.setProperty("--nav-height", `${tooTall ? 0 : Math.ceil(height)}px`);
    };
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    addEventListener("resize", measure);
    return () => {
      observer.disconnect();
      removeEventListener("resize", measure);
      document.documentElement.style.removeProperty("--nav-height");
    };
  }, []);

  const go = (target: Screen) => (event: MouseEvent) => {
    event.preventDefault();
    // The screen shown already: back to its heading, as a move to it would.
    if (target === screen) document.querySelector<HTMLElement>("main h1")?.focus();
    else navigate(target);
  };

  return (
    <nav ref={nav} aria-label={t("nav.label")} class={tall ? "tall" : undefined}>
      <ul>
        {ITEMS.map((item) => (
          <li key={item.screen}>
            <a href={hrefOf(item.screen)} aria-current={screen === item.screen ? "page" : undefined} onClick={go(item.screen)}>
              {t(item.label)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
