// Build of the web app: Preact, hashed assets under /app/, and a Workbox service worker scoped to /app/.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";
import { compression } from "vite-plugin-compression2";
import { VitePWA } from "vite-plugin-pwa";

export default defineConfig({
  base: "/app/",
  plugins: [
    preact(),
    VitePWA({
      // Registered from src/sw.ts: the plugin's registration would be an inline script, which our CSP refuses.
      injectRegister: false,
      registerType: "autoUpdate",
      strategies: "generateSW",
      scope: "/app/",
      manifest: {
        name: "Track Your Healing",
        short_name: "Healing",
        description: "Log how you feel while tapering, see your windows and waves, share a report.",
        start_url: "/app/",
        scope: "/app/",
        display: "standalone",
        background_color: "#f7f5f0",
        theme_color: "#2f5d50",
        icons: [
          { src: "icon.svg", sizes: "any", type: "image/svg+xml", purpose: "any" },
          { src: "icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png" },
          // Full-bleed, for Android's launcher shapes (the PNGs are drawn from the SVGs: `make screenshots`).
          { src: "icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      workbox: {
        globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"],
        // Every screen is the same shell; the API is never cached by the worker (the app keeps its own copy).
        navigateFallback: "/app/index.html",
        navigateFallbackAllowlist: [/^\/app\//],
        cleanupOutdatedCaches: true,
        // Dose reminders: the worker shows them (words from public/reminder-text.js) and records Taken /
        // Skipped (public/push-sw.js).
        importScripts: ["reminder-text.js", "push-sw.js"],
      },
    }),
    // Brotli and gzip copies beside each text file, which the server sends to browsers that accept them: a
    // first start on a slow phone connection downloads about a third of the bytes. The originals stay for the
    // rest, and the service worker's precache lists only the originals.
    compression({ algorithms: ["brotliCompress", "gzip"], include: /\.(js|css|html|svg|webmanifest)$/, threshold: 1024 }),
  ],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    // Assets are files, never data: URLs or inline code, so the CSP can stay strict.
    assetsInlineLimit: 0,
  },
});
