// Service worker registration with an "update available" prompt (registerType
// "prompt"): a new version is downloaded and precached in the background, then waits
// until the worker taps "Update now", so nobody loses a half-filled form to a reload.

import { registerSW } from "virtual:pwa-register";
import { h } from "./dom";
import { t } from "./i18n";

// A field app stays open for a whole shift; look for a new version now and then.
const UPDATE_CHECK_INTERVAL_MS = 60 * 60 * 1000;
// "Ready to work offline" is news once; it goes away by itself.
const OFFLINE_READY_VISIBLE_MS = 8000;

export function setUpServiceWorker(region: HTMLElement): void {
  if (!("serviceWorker" in navigator)) return;

  const updateSW = registerSW({
    immediate: true,
    onNeedRefresh() {
      showBanner(region, "update-banner", () => t("update.available"), [
        { testid: "update-reload", label: () => t("update.reload"), primary: true, action: () => void updateSW(true) },
        { testid: "update-later", label: () => t("update.later"), action: (banner) => banner.remove() },
      ]);
    },
    onOfflineReady() {
      const banner = showBanner(region, "offline-ready", () => t("update.offline_ready"), [
        { testid: "offline-ready-dismiss", label: () => t("update.dismiss"), action: (b) => b.remove() },
      ]);
      setTimeout(() => banner.remove(), OFFLINE_READY_VISIBLE_MS);
    },
    onRegisteredSW(_swUrl, registration) {
      if (!registration) return;
      setInterval(() => {
        if (navigator.onLine && !registration.installing) void registration.update().catch(() => {});
      }, UPDATE_CHECK_INTERVAL_MS);
    },
    onRegisterError(error: unknown) {
      // The app still works online without a service worker; say so in the console only.
      console.warn("service worker registration failed", error);
    },
  });
}

interface BannerAction {
  testid: string;
  label: () => string;
  primary?: boolean;
  action: (banner: HTMLElement) => void;
}

function showBanner(region: HTMLElement, testid: string, message: () => string, actions: BannerAction[]): HTMLElement {
  region.querySelector(`[data-testid="${testid}"]`)?.remove();
  const banner: HTMLElement = h(
    "div",
    { class: "banner", role: "status", "data-testid": testid },
    h("p", { class: "banner-text" }, message),
    h(
      "div",
      { class: "banner-actions" },
      ...actions.map((a) =>
        h(
          "button",
          {
            type: "button",
            class: a.primary ? "btn btn-primary" : "btn btn-secondary",
            "data-testid": a.testid,
            on: { click: () => a.action(banner) },
          },
          a.label,
        ),
      ),
    ),
  );
  region.append(banner);
  return banner;
}
