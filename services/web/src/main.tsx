import { render } from "preact";
import { App } from "./app";
import { startSyncing } from "./store/syncer";
import "./styles.css";

render(<App />, document.getElementById("root")!);
startSyncing();

// The service worker keeps the app's files so it opens offline; registered here, not by an inline script.
if ("serviceWorker" in navigator) {
  void navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
}
