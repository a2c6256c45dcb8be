// Scan a QR label with the back camera. Linux Chromium (and older phones) have no
// BarcodeDetector, so frames are decoded by jsQR, bundled and served from our own
// origin, loaded with this screen only. Typing the code printed under the QR is the
// fallback for a scratched label or a camera that will not start.

import { h } from "../dom";
import { t, type MessageKey } from "../i18n";
import { CameraError, grabFrame, startCamera, stopCamera } from "../device-io";
import { codeFromScan } from "../ledger";
import { navigate, type Screen } from "../router";
import { frame, messageBox, withSession } from "./common";

// Frames are decoded at this size: a label filling a fifth of the picture still has
// a few pixels per module, and jsQR takes tens of milliseconds instead of hundreds.
const DECODE_SIDE = 800;
const FRAME_INTERVAL_MS = 120;

type JsQR = typeof import("jsqr").default;

export function scanScreen(): Screen {
  return withSession(() => {
    let stream: MediaStream | null = null;
    let disposed = false;
    let timer: number | undefined;
    const canvas = document.createElement("canvas");

    const video = h("video", { class: "camera-video scan-video", "data-testid": "scan-video", autoplay: true, muted: true, playsinline: true });
    const viewfinder = h("div", { class: "viewfinder" }, video, h("div", { class: "viewfinder-frame", "aria-hidden": "true" }));
    const message = messageBox("scan-message");
    const hint = h("p", { class: "hint", "data-testid": "scan-hint" }, () => t("scan.hint"));

    const codeInput = h("input", {
      id: "scan-code",
      type: "text",
      inputmode: "text",
      autocapitalize: "characters",
      autocomplete: "off",
      spellcheck: "false",
      placeholder: "ABCDE-12345",
      "data-testid": "scan-code",
    });
    const manual = h(
      "form",
      {
        class: "manual-code",
        "data-testid": "scan-manual",
        novalidate: true,
        on: {
          submit: (event) => {
            event.preventDefault();
            const code = codeFromScan(codeInput.value);
            if (code) navigate(`/s/${code}`);
            else message.show("error", () => t("scan.bad_code"));
          },
        },
      },
      h("label", { class: "field-label", for: "scan-code" }, () => t("scan.manual")),
      h("div", { class: "input-row" }, codeInput, h("button", { type: "submit", class: "btn btn-primary", "data-testid": "scan-open" }, () => t("scan.open"))),
    );

    async function run(): Promise<void> {
      let decode: JsQR;
      try {
        [decode, stream] = await Promise.all([import("jsqr").then((m) => m.default), startCamera(video, "environment")]);
      } catch (error) {
        const reason = error instanceof CameraError ? error.reason : "failed";
        message.show("error", () => t(`camera.${reason}` as MessageKey));
        viewfinder.hidden = true;
        return;
      }
      if (disposed) {
        stopCamera(stream);
        return;
      }
      const tick = () => {
        if (disposed) return;
        try {
          const frameCanvas = grabFrame(video, DECODE_SIDE, canvas);
          const context = frameCanvas.getContext("2d", { willReadFrequently: true });
          const image = context?.getImageData(0, 0, frameCanvas.width, frameCanvas.height);
          const found = image ? decode(image.data, image.width, image.height, { inversionAttempts: "dontInvert" }) : null;
          if (found?.data) {
            const code = codeFromScan(found.data);
            if (code) {
              navigator.vibrate?.(80);
              navigate(`/s/${code}`);
              return;
            }
            message.show("warn", () => t("scan.not_ours"), found.data.slice(0, 120));
          }
        } catch {
          // A frame that is not ready yet: try the next one.
        }
        timer = window.setTimeout(tick, FRAME_INTERVAL_MS);
      };
      tick();
    }
    void run();

    const el = frame("scan", "scan.title", viewfinder, hint, message.el, manual);
    return {
      el,
      dispose: () => {
        disposed = true;
        window.clearTimeout(timer);
        stopCamera(stream);
      },
    };
  });
}
