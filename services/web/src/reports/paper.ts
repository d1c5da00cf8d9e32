// The paper a report is printed on: the one the person chose on this device, else their region's (North
// America prints on Letter, everywhere else on A4). The weekly report's paper is kept with its settings.
import type { MessageKey } from "../i18n/i18n";

export const PAPERS = ["A4", "Letter"] as const;
export type Paper = (typeof PAPERS)[number];
export const PAPER_NAMES: Record<Paper, MessageKey> = { A4: "reports.paper_a4", Letter: "reports.paper_letter" };
export const KEY = "tyh.paper";

/** The paper of the region a browser language names ("en-US", "es-MX"): Letter in North America. */
export function regionPaper(language = globalThis.navigator?.language ?? ""): Paper {
  return /-(US|CA|MX)$/i.test(language) ? "Letter" : "A4";
}

export function isPaper(value: unknown): value is Paper {
  return PAPERS.includes(value as Paper);
}

/** The paper chosen on this device, or the region's until one is. */
export function devicePaper(): Paper {
  const saved = globalThis.localStorage?.getItem(KEY);
  return isPaper(saved) ? saved : regionPaper();
}

export function rememberPaper(paper: Paper): void {
  globalThis.localStorage?.setItem(KEY, paper);
}
