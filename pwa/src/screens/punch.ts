// Punch in / out: where the worker is (with the accuracy shown, since a poor fix is the
// most common reason for a punch in review), a live selfie from the front camera, and
// the verdict in plain words. Offline, the punch goes into the outbox with its client
// id and the time it was taken; the server judges it by that time and place.

import type { Answer } from "../api";
import { h } from "../dom";
import { t, type MessageKey } from "../i18n";
import { canvasToJpeg, CameraError, getPosition, grabFrame, PositionError, startCamera, stopCamera, type Position } from "../device-io";
import { deviceId } from "../device";
import { newId } from "../db";
import { mySites, type SiteBrief } from "../ledger";
import type { Screen } from "../router";
import { submit } from "../sync";
import { describeError, frame, messageBox, withSession } from "./common";

// A 640 px selfie is plenty for face matching and small enough for one bar of signal.
const SELFIE_SIDE = 640;

/** POST /api/attendance/punches; the schema leaves the checks an open object. */
export type PunchResult = Omit<Answer<"/api/attendance/punches", "post">, "checks"> & {
  checks?: { geofence?: { ok: boolean; distance_m?: number | null }; accuracy?: { accuracy_m?: number } };
};

const REASONS: Record<string, MessageKey> = {
  outside_geofence: "punch.reason.outside_geofence",
  face_mismatch: "punch.reason.face_mismatch",
  gps_inaccurate: "punch.reason.gps_inaccurate",
  fake_gps_suspected: "punch.reason.fake_gps_suspected",
  no_face: "punch.reason.no_face",
  multiple_faces: "punch.reason.multiple_faces",
  not_enrolled: "punch.reason.not_enrolled",
  cosign_required: "punch.reason.cosign_required",
  face_reenrolled: "punch.reason.face_reenrolled",
  clock_skew: "punch.reason.clock_skew",
  stale_punch: "punch.reason.stale_punch",
  impossible_travel: "punch.reason.impossible_travel",
  new_device: "punch.reason.new_device",
  site_inactive: "punch.reason.site_inactive",
};

export function reasonText(code: string): string {
  const key = REASONS[code];
  return key ? t(key) : code;
}

export function punchScreen(): Screen {
  return withSession((session) => {
    let position: Position | null = null;
    let stream: MediaStream | null = null;
    let disposed = false;
    let busy = false;

    const siteSelect = h("select", { class: "select", id: "punch-site", "data-testid": "punch-site" });
    const siteField = h(
      "div",
      { class: "field" },
      h("label", { class: "field-label", for: "punch-site" }, () => t("punch.site")),
      siteSelect,
    );
    const noSites = messageBox("punch-no-sites");

    const positionText = h("p", { class: "gps-text", "data-testid": "punch-position" }, () => t("punch.locating"));
    const accuracy = h("p", { class: "gps-accuracy", "data-testid": "punch-accuracy" });
    const relocate = h(
      "button",
      { type: "button", class: "btn btn-secondary", "data-testid": "punch-relocate", on: { click: () => void locate() } },
      () => t("punch.relocate"),
    );

    const video = h("video", { class: "camera-video selfie-video", "data-testid": "punch-video", autoplay: true, muted: true, playsinline: true });
    const cameraMessage = messageBox("punch-camera-message");
    const result = messageBox("punch-result");
    const reasons = h("ul", { class: "reasons", "data-testid": "punch-reasons", hidden: true });

    const buttonIn = h("button", { type: "button", class: "btn btn-primary btn-block", "data-testid": "punch-in", on: { click: () => void punch("in") } }, () => t("punch.in"));
    const buttonOut = h("button", { type: "button", class: "btn btn-secondary btn-block", "data-testid": "punch-out", on: { click: () => void punch("out") } }, () => t("punch.out"));

    const setBusy = (value: boolean) => {
      busy = value;
      buttonIn.disabled = value;
      buttonOut.disabled = value;
    };

    async function loadSites(): Promise<void> {
      const sites: SiteBrief[] = await mySites(session);
      siteSelect.replaceChildren(...sites.map((site) => h("option", { value: site.id }, site.name)));
      siteField.hidden = sites.length === 0;
      // One site (the usual worker): nothing to choose.
      siteSelect.disabled = sites.length <= 1;
      if (sites.length === 0) noSites.show("error", () => t("punch.no_sites"));
    }

    async function locate(): Promise<void> {
      positionText.textContent = t("punch.locating");
      accuracy.textContent = "";
      try {
        position = await getPosition();
        if (disposed) return;
        positionText.textContent = `${position.lat.toFixed(5)}, ${position.lon.toFixed(5)}`;
        accuracy.textContent = t("punch.accuracy", { m: Math.round(position.accuracy_m) });
        accuracy.dataset.accuracy = String(Math.round(position.accuracy_m));
        accuracy.dataset.poor = String(position.accuracy_m > 50);
      } catch (error) {
        position = null;
        const reason = error instanceof PositionError ? error.reason : "unavailable";
        positionText.textContent = t(`punch.gps.${reason}` as MessageKey);
      }
    }

    async function camera(): Promise<void> {
      try {
        stream = await startCamera(video, "user");
        if (disposed) stopCamera(stream);
        cameraMessage.hide();
      } catch (error) {
        const reason = error instanceof CameraError ? error.reason : "failed";
        cameraMessage.show("error", () => t(`camera.${reason}` as MessageKey));
      }
    }

    async function punch(kind: "in" | "out"): Promise<void> {
      if (busy) return;
      result.hide();
      reasons.hidden = true;
      const siteId = siteSelect.value;
      if (!siteId) {
        result.show("error", () => t("punch.no_sites"));
        return;
      }
      if (!position) {
        result.show("error", () => t("punch.need_position"));
        return;
      }
      if (!stream) {
        result.show("error", () => t("punch.need_camera"));
        return;
      }
      setBusy(true);
      try {
        const selfie = await canvasToJpeg(grabFrame(video, SELFIE_SIDE), 0.85);
        const id = newId();
        const capturedAt = new Date().toISOString();
        const meta = {
          id,
          site_id: siteId,
          kind,
          lat: position.lat,
          lon: position.lon,
          accuracy_m: position.accuracy_m,
          captured_at: capturedAt,
          device_id: deviceId(),
        };
        const { outcome } = await submit<PunchResult>({
          id,
          method: "POST",
          url: "/api/attendance/punches",
          created_at: capturedAt,
          kind: "punch",
          summary: kind === "in" ? t("punch.in") : t("punch.out"),
          body: {
            type: "multipart",
            parts: [
              { name: "meta", value: JSON.stringify(meta) },
              { name: "selfie", value: selfie, filename: "selfie.jpg" },
            ],
          },
        });
        if (disposed) return;
        if (outcome.state === "sent") showVerdict(outcome.data);
        else if (outcome.state === "failed") result.show("error", () => t("punch.refused"), outcome.message);
        else result.show("info", () => t("punch.queued"));
        result.el.dataset.punchId = id;
      } catch (error) {
        const { main, detail } = describeError(error);
        result.show("error", main, detail);
      } finally {
        setBusy(false);
      }
    }

    function showVerdict(body: PunchResult): void {
      const kind = body.status === "accepted" ? "ok" : body.status === "review" ? "warn" : "error";
      result.show(kind, () => t(`punch.status.${body.status}` as MessageKey));
      result.el.dataset.status = body.status;
      const shown = body.reasons.filter((code) => code !== "cosign_required" || !body.reasons.includes("not_enrolled"));
      reasons.replaceChildren(...shown.map((code) => h("li", { "data-reason": code }, () => reasonText(code))));
      reasons.hidden = shown.length === 0;
    }

    void loadSites();
    void locate();
    void camera();

    const el = frame(
      "punch",
      "punch.title",
      noSites.el,
      siteField,
      h("section", { class: "card gps-card" }, h("p", { class: "card-label" }, () => t("punch.position")), positionText, accuracy, relocate),
      h("section", { class: "camera-card" }, video, cameraMessage.el),
      result.el,
      reasons,
      h("div", { class: "screen-actions punch-actions" }, buttonIn, buttonOut),
    );
    return {
      el,
      dispose: () => {
        disposed = true;
        stopCamera(stream);
      },
    };
  });
}
