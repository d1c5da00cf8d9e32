// The way to the home screen: nothing once installed, the browser's offer where it makes one, the steps in words
// on iPhone and iPad (iPadOS saying it is a Mac), and nothing anywhere else.
import { describe, expect, it } from "vitest";
import { installed, ios, keepOffers, offered, promptToInstall, way, type Surroundings } from "../src/settings/install";

const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const IPAD = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
const MAC = IPAD; // a Mac's Safari says the same, but has no touch screen
const ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

function at(userAgent: string, { touches = 0, standalone, displayMode = "browser" }: { touches?: number; standalone?: boolean; displayMode?: string } = {}): Surroundings {
  return {
    navigator: { userAgent, maxTouchPoints: touches, standalone },
    matchMedia: (query) => ({ matches: query === `(display-mode: ${displayMode})` }),
  };
}

describe("the way to the home screen", () => {
  it("is none needed once the app runs from it", () => {
    expect(way(at(ANDROID, { displayMode: "standalone" }), true)).toBe("installed");
    expect(way(at(IPHONE, { touches: 5, standalone: true }), false)).toBe("installed"); // iOS's own flag
    expect(way(at(IPHONE, { touches: 5, displayMode: "standalone" }), false)).toBe("installed");
    expect(installed(at(IPHONE, { touches: 5, standalone: false }))).toBe(false);
  });

  it("is the browser's own dialog where it offers one", () => {
    expect(way(at(ANDROID, { touches: 5 }), true)).toBe("offer");
  });

  it("is the steps in words on an iPhone or iPad, which say it is a Mac", () => {
    expect(way(at(IPHONE, { touches: 5 }), false)).toBe("ios");
    expect(way(at(IPAD, { touches: 5 }), false)).toBe("ios");
    expect(ios(at(MAC))).toBe(false);
  });

  it("is nothing said anywhere else", () => {
    expect(way(at(MAC), false)).toBe("none");
    expect(way(at(ANDROID, { touches: 5 }), false)).toBe("none"); // no offer (yet, or declined)
    expect(way(at(FIREFOX), false)).toBe("none");
  });
});

/** An install offer as Chromium makes one; `answer` settles its userChoice. */
function anOffer() {
  const event = new Event("beforeinstallprompt", { cancelable: true });
  let answer: (outcome: "accepted" | "dismissed") => void = () => undefined;
  const prompts: number[] = [];
  Object.assign(event, {
    prompt: async () => void prompts.push(1),
    userChoice: new Promise((resolve) => (answer = (outcome) => resolve({ outcome, platform: "web" }))),
  });
  return { event, prompts, answer: (outcome: "accepted" | "dismissed") => answer(outcome) };
}

describe("the browser's offer", () => {
  const page = new EventTarget();
  keepOffers(page);

  it("is kept for the app's button, not shown by the browser, and spent once answered", async () => {
    const { event, prompts, answer } = anOffer();
    page.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    expect(offered()).toBe(true);

    const prompting = promptToInstall();
    await Promise.resolve();
    expect(prompts).toHaveLength(1);
    expect(offered()).toBe(true); // until the person answers
    answer("dismissed");
    await prompting;
    expect(offered()).toBe(false);
  });

  it("goes once the app is installed", () => {
    page.dispatchEvent(anOffer().event);
    expect(offered()).toBe(true);
    page.dispatchEvent(new Event("appinstalled"));
    expect(offered()).toBe(false);
  });
});
