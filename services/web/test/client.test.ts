// The API client asks for the app's language on every call (the server's problems are worded in it), and
// follows a change of language at once.
import { expect, it } from "vitest";
import { api } from "../src/api/client";
import { currentLocale, setLocale } from "../src/i18n/i18n";

// setLocale marks the page's language; Node has no page.
globalThis.document ??= { documentElement: {} } as Document;

it("asks for the chosen language, and the next call for a language chosen since", async () => {
  const asked: (string | null)[] = [];
  const server = async (request: Request) => {
    asked.push(request.headers.get("Accept-Language"));
    return new Response("{}", { status: 200, headers: { "Content-Type": "application/json" } });
  };
  const before = currentLocale();
  setLocale("es");
  await api.GET("/v1/me", { baseUrl: "http://app.test", fetch: server });
  setLocale("en");
  await api.GET("/v1/me", { baseUrl: "http://app.test", fetch: server });
  setLocale(before);
  expect(asked).toEqual(["es", "en"]);
});
