import { defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";

// Keep in step with scripts/make-icons.mjs and src/styles.css.
const THEME_COLOR = "#14171c";
const BACKGROUND_COLOR = "#14171c";

// Everything the Litestar app answers itself; during `npm run dev` (and `npm run
// preview`) these go to the API on :8000. In production the API serves the built
// PWA from the same origin, so the app only ever uses relative URLs.
const API_TARGET = "http://127.0.0.1:8000";
const proxy = Object.fromEntries(
  ["/api", "/health", "/schema"].map((path) => [path, { target: API_TARGET, changeOrigin: false }]),
);

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  server: { proxy },
  preview: { proxy },
  plugins: [
    VitePWA({
      // The new service worker waits until the worker taps "Reload" in the update
      // banner (src/pwa.ts), so a form half filled in is never lost to a reload.
      registerType: "prompt",
      injectRegister: false,
      strategies: "generateSW",
      filename: "sw.js",
      manifestFilename: "manifest.webmanifest",
      // public/ (icons included) is precached through globPatterns below.
      includeManifestIcons: false,
      manifest: {
        id: "/",
        name: "SiteCheck",
        short_name: "SiteCheck",
        description: "Site attendance, QR scanning and safety inspections — works offline.",
        start_url: "/",
        scope: "/",
        display: "standalone",
        theme_color: THEME_COLOR,
        background_color: BACKGROUND_COLOR,
        categories: ["business", "productivity"],
        icons: [
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      workbox: {
        // Precache names are "sitecheck-precache-v2-<scope>"; every entry carries a
        // content revision (hashed file names for assets, a hash for the rest), so a
        // new build replaces exactly the files that changed.
        cacheId: "sitecheck",
        cleanupOutdatedCaches: true,
        clientsClaim: false,
        skipWaiting: false,
        // Background Sync: wakes open pages to replay the outbox (public/sw-sync.js).
        importScripts: ["sw-sync.js"],
        // The plugin adds manifest.webmanifest itself.
        globPatterns: ["**/*.{html,js,css,svg,png,ico,woff2}"],
        // History routing: any navigation the SW does not know gets the app shell,
        // except the server's own paths, which must always reach the network.
        navigateFallback: "/index.html",
        navigateFallbackDenylist: [/^\/api(\/|$)/, /^\/health(\/|$)/, /^\/schema(\/|$)/],
        // API responses are never cached by the SW: reads come from the network and
        // writes go through the IndexedDB outbox (src/db.ts).
        runtimeCaching: [],
      },
      devOptions: { enabled: false },
    }),
  ],
});
