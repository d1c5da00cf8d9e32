// Each screen's main heading. The document's title follows it, and after a move to another screen (a link in
// the navigation, Back, signing in or out) focus lands on it, so a screen reader says where the person now
// is; on the link they left, it would say nothing.
import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n/i18n";
import { arrived } from "../router";

export function ScreenTitle({ children, id }: { children: string; id?: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${children} · ${t("app.name")}`;
  }, [children]);
  useEffect(() => {
    if (!arrived()) return;
    scrollTo(0, 0);
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={heading} id={id} tabIndex={-1}>
      {children}
    </h1>
  );
}
