// Start an inspection: site, title, notes, and photos from the back camera
// (`capture="environment"` opens the camera, not the gallery, on phones). Photos are
// compressed on the phone as soon as they are taken (src/photos/compress.ts), so the
// worker sees the size that will be sent. Saving queues the inspection and then each
// photo, each photo waiting for its inspection; offline, all of it waits in the outbox.

import { h } from "../dom";
import { t } from "../i18n";
import { getPosition, type Position } from "../device-io";
import { newId, type EnqueueInput } from "../db";
import { mySites } from "../ledger";
import { compressPhoto, type CompressedPhoto } from "../photos/compress";
import type { Screen } from "../router";
import { submitAll } from "../sync";
import { describeError, frame, messageBox, withSession } from "./common";

interface TakenPhoto {
  id: string;
  capturedAt: string;
  photo: Promise<CompressedPhoto>;
}

export function inspectionScreen(): Screen {
  return withSession((session) => {
    const query = new URLSearchParams(location.search);
    const equipmentId = query.get("equipment");
    let position: Position | null = null;
    let disposed = false;
    let saving = false;
    let photos: TakenPhoto[] = [];
    const urls: string[] = [];

    const siteSelect = h("select", { class: "select", id: "inspect-site", "data-testid": "inspect-site" });
    const title = h("input", { id: "inspect-title", type: "text", maxlength: 200, "data-testid": "inspect-title", value: query.get("title") ?? "" });
    const notes = h("textarea", { id: "inspect-notes", class: "textarea", rows: 4, maxlength: 10000, "data-testid": "inspect-notes" });
    const fileInput = h("input", {
      id: "inspect-photo",
      class: "visually-hidden",
      type: "file",
      accept: "image/*",
      capture: "environment",
      multiple: true,
      "data-testid": "inspect-photo",
      on: { change: () => void addPhotos() },
    });
    const gallery = h("ul", { class: "photo-list", "data-testid": "inspect-photos" });
    const message = messageBox("inspect-message");
    const save = h("button", { type: "button", class: "btn btn-primary btn-block", "data-testid": "inspect-save", on: { click: () => void onSave() } }, () => t("inspect.save"));

    void mySites(session).then((sites) => {
      siteSelect.replaceChildren(...sites.map((site) => h("option", { value: site.id }, site.name)));
      const wanted = query.get("site");
      if (wanted && sites.some((site) => site.id === wanted)) siteSelect.value = wanted;
      siteSelect.disabled = sites.length <= 1;
      if (sites.length === 0) message.show("error", () => t("punch.no_sites"));
    });
    // Where the inspection happened, if the phone knows; it is optional.
    void getPosition(15_000).then((p) => (position = p), () => undefined);

    async function addPhotos(): Promise<void> {
      const files = Array.from(fileInput.files ?? []);
      fileInput.value = "";
      for (const file of files) {
        const started = performance.now();
        const taken: TakenPhoto = { id: newId(), capturedAt: new Date(file.lastModified || Date.now()).toISOString(), photo: compressPhoto(file) };
        photos.push(taken);
        const status = h("span", { class: "photo-size" }, () => t("inspect.compressing"));
        const img = h("img", { class: "photo-thumb", alt: "" });
        const remove = h("button", {
          type: "button",
          class: "btn btn-secondary btn-small",
          "data-testid": "photo-remove",
          on: { click: () => {
            photos = photos.filter((p) => p !== taken);
            row.remove();
          } },
        }, () => t("inspect.remove_photo"));
        const row = h("li", { class: "photo-row", "data-testid": "photo-row" }, img, status, remove);
        gallery.append(row);
        taken.photo.then(
          (out) => {
            if (disposed) return;
            const url = URL.createObjectURL(out.blob);
            urls.push(url);
            img.src = url;
            row.dataset.bytes = String(out.blob.size);
            row.dataset.via = out.via;
            row.dataset.ms = String(Math.round(performance.now() - started));
            status.textContent = out.width ? `${out.width}×${out.height} · ${Math.round(out.blob.size / 1024)} KB` : `${Math.round(out.blob.size / 1024)} KB`;
          },
          () => (status.textContent = t("inspect.photo_failed")),
        );
      }
    }

    async function onSave(): Promise<void> {
      if (saving) return;
      message.hide();
      const siteId = siteSelect.value;
      const name = title.value.trim();
      if (!siteId) return message.show("error", () => t("punch.no_sites"));
      if (!name) {
        title.focus();
        return message.show("error", () => t("inspect.need_title"));
      }
      saving = true;
      save.disabled = true;
      try {
        const inspectionId = newId();
        const where = position ? { lat: position.lat, lon: position.lon } : {};
        const inputs: EnqueueInput[] = [
          {
            id: inspectionId,
            method: "POST",
            url: "/api/inspections",
            kind: "inspection",
            summary: name,
            body: {
              type: "json",
              json: { id: inspectionId, site_id: siteId, title: name, ...(notes.value.trim() ? { notes: notes.value.trim() } : {}), ...where, ...(equipmentId ? { equipment_id: equipmentId } : {}) },
            },
          },
        ];
        for (const [i, taken] of photos.entries()) {
          const out = await taken.photo;
          inputs.push({
            id: taken.id,
            method: "POST",
            url: `/api/inspections/${inspectionId}/photos`,
            kind: "photo",
            summary: `${name} · ${t("inspect.photo_n", { n: i + 1 })}`,
            depends_on: inspectionId,
            body: {
              type: "multipart",
              parts: [
                { name: "meta", value: JSON.stringify({ id: taken.id, captured_at: taken.capturedAt, ...where }) },
                { name: "file", value: out.blob, filename: out.via === "original" ? "photo" : "photo.jpg" },
              ],
            },
          });
        }
        const results = await submitAll<unknown>(inputs, 30_000);
        if (disposed) return;
        const failed = results.find((r) => r.outcome.state === "failed");
        const queued = results.some((r) => r.outcome.state === "queued");
        if (failed && failed.outcome.state === "failed") message.show("error", () => t("inspect.refused"), failed.outcome.message);
        else if (queued) message.show("info", () => t("inspect.queued", { n: photos.length }));
        else message.show("ok", () => t("inspect.saved", { n: photos.length }));
        message.el.dataset.inspectionId = inspectionId;
        // The inspection is in the outbox: start a fresh form.
        photos = [];
        gallery.replaceChildren();
        notes.value = "";
      } catch (error) {
        const { main, detail } = describeError(error);
        message.show("error", main, detail);
      } finally {
        saving = false;
        save.disabled = false;
      }
    }

    const el = frame(
      "inspect",
      "inspect.title",
      h("label", { class: "field-label", for: "inspect-site" }, () => t("punch.site")),
      siteSelect,
      h("label", { class: "field-label", for: "inspect-title" }, () => t("inspect.name")),
      title,
      h("label", { class: "field-label", for: "inspect-notes" }, () => t("inspect.notes")),
      notes,
      gallery,
      h("label", { class: "btn btn-secondary btn-block photo-take", for: "inspect-photo", "data-testid": "inspect-take" }, () => t("inspect.take_photo")),
      fileInput,
      message.el,
      h("div", { class: "screen-actions" }, save),
    );
    return {
      el,
      dispose: () => {
        disposed = true;
        for (const url of urls) URL.revokeObjectURL(url);
      },
    };
  });
}
