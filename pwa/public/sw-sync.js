// Background Sync for the outbox, imported into the generated service worker
// (vite.config.ts workbox.importScripts). The replay itself lives in the page
// (src/sync.ts): it needs the signed-in session, which only the page holds. So the
// service worker's part is to wake any open SiteCheck tab when the browser says the
// network is back. With no tab open it fails the event, which makes Chromium retry
// it later (with its own backoff); the next app start replays in any case.
self.addEventListener("sync", (event) => {
  if (event.tag !== "sitecheck-outbox") return;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((clients) => {
      for (const client of clients) client.postMessage({ type: "sitecheck-replay" });
      if (clients.length === 0) throw new Error("no SiteCheck page open to replay the outbox");
    }),
  );
});
