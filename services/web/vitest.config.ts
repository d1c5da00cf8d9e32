// Unit tests (the sync queue, the chart mapping) run in Node; IndexedDB comes from fake-indexeddb.
import { defineConfig } from "vitest/config";

export default defineConfig({ test: { environment: "node", include: ["test/**/*.test.ts"] } });
