// A stored photo with the hazard model's boxes drawn over it. Boxes come in the stored
// image's pixels (API.md); placed in percentages of the frame, they follow whatever
// size the photo is shown at, on any screen, with no resize handling.

import type { Answer } from "../api";
import { h } from "../dom";
import { t } from "../i18n";

/** One box of the hazard model (API.md); the schema leaves a detection an open object. */
export interface Detection {
  label: string;
  score: number;
  box: [number, number, number, number];
  /** Whether the label counts as a hazard (a bare head does, a helmet does not). */
  hazard?: boolean;
}

type PhotoOut = Answer<"/api/photos/{photo_id}">;

/** What these screens read of a stored photo (PhotoOut, also a hazard's `photo`). */
export type PhotoBody = Pick<PhotoOut, "id" | "site_id" | "url" | "thumb_url" | "width" | "height" | "captured_at"> & {
  hazard: Pick<PhotoOut["hazard"], "status" | "model"> & { detections: Detection[] };
};

export function photoWithBoxes(photo: PhotoBody): HTMLElement {
  const { width, height } = photo;
  const frame = h("div", { class: "staff-photo", "data-testid": "hazard-photo" });
  // Reserve the photo's shape before it loads, so boxes and buttons do not jump.
  if (width > 0 && height > 0) frame.style.aspectRatio = `${width} / ${height}`;
  const img = h("img", { class: "staff-photo-img", src: photo.url, alt: () => t("staff.hazard.photo_alt"), decoding: "async" });
  img.addEventListener("error", () => frame.classList.add("staff-photo-broken"));
  frame.append(img);
  if (width <= 0 || height <= 0) return frame;

  const pct = (value: number, whole: number) => `${(Math.min(Math.max(value, 0), whole) / whole) * 100}%`;
  for (const d of photo.hazard.detections) {
    const [x1, y1, x2, y2] = d.box;
    const box = h(
      "div",
      {
        class: d.hazard === false ? "staff-box staff-box-ok" : "staff-box",
        "data-testid": "hazard-box",
        "data-label": d.label,
        title: `${d.label} ${Math.round(d.score * 100)}%`,
      },
      // The score only: boxes on a crowded photo sit close, and the card names the labels.
      h("span", { class: "staff-box-label" }, `${Math.round(d.score * 100)}%`),
    );
    box.style.left = pct(x1, width);
    box.style.top = pct(y1, height);
    box.style.width = pct(x2 - x1, width);
    box.style.height = pct(y2 - y1, height);
    frame.append(box);
  }
  return frame;
}
