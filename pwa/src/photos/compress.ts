// Photos are compressed on the phone before they are queued (DESIGN.md: about 1600 px,
// about 200 KB): a site's upload link is slow, and the outbox holds every photo until
// it is sent. The work runs in a Web Worker; where a browser lacks OffscreenCanvas in
// workers (older Safari) it runs on the main thread with the same code. A photo the
// browser cannot decode at all (HEIC on Chromium) is queued as it is: the server
// decodes and normalises every format itself.

import { compressDecoded, DEFAULT_OPTIONS, type Compressed, type CompressOptions, type Size } from "./compress-core";
import type { CompressReply, CompressRequest } from "./compress.worker";

export type { Compressed } from "./compress-core";

export interface CompressedPhoto extends Compressed {
  /** "worker", "main" (fallback) or "original" (could not decode; sent as taken). */
  via: "worker" | "main" | "original";
}

let worker: Worker | null = null;
let workerBroken = false;
let nextId = 1;
const pending = new Map<number, (reply: CompressReply) => void>();

function getWorker(): Worker | null {
  if (workerBroken || typeof Worker !== "function" || typeof OffscreenCanvas !== "function") return null;
  if (!worker) {
    try {
      worker = new Worker(new URL("./compress.worker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (event: MessageEvent<CompressReply>) => {
        pending.get(event.data.id)?.(event.data);
        pending.delete(event.data.id);
      };
      worker.onerror = () => {
        // The worker itself died (failed to load): every waiting photo falls back.
        workerBroken = true;
        for (const [id, resolve] of pending) resolve({ id, ok: false, error: "worker failed" });
        pending.clear();
        worker = null;
      };
    } catch {
      workerBroken = true;
      return null;
    }
  }
  return worker;
}

function inWorker(file: Blob, options: Partial<CompressOptions>): Promise<CompressReply> | null {
  const w = getWorker();
  if (!w) return null;
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    const request: CompressRequest = { id, file, options };
    w.postMessage(request);
  });
}

async function onMainThread(file: Blob, options: CompressOptions): Promise<Compressed> {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const source: Size = { width: bitmap.width, height: bitmap.height };
    return await compressDecoded(
      source,
      (size) => {
        const canvas = document.createElement("canvas");
        canvas.width = size.width;
        canvas.height = size.height;
        const context = canvas.getContext("2d");
        if (!context) throw new Error("no 2d context");
        context.imageSmoothingQuality = "high";
        context.drawImage(bitmap, 0, 0, size.width, size.height);
        return (quality) =>
          new Promise<Blob>((resolve, reject) =>
            canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode failed"))), "image/jpeg", quality),
          );
      },
      options,
    );
  } finally {
    bitmap.close();
  }
}

export async function compressPhoto(file: Blob, overrides: Partial<CompressOptions> = {}): Promise<CompressedPhoto> {
  const options = { ...DEFAULT_OPTIONS, ...overrides };
  const reply = await inWorker(file, overrides);
  if (reply?.ok) {
    const { blob, width, height, quality, tries } = reply;
    return { blob, width, height, quality, tries, via: "worker" };
  }
  try {
    return { ...(await onMainThread(file, options)), via: "main" };
  } catch {
    return { blob: file, width: 0, height: 0, quality: 1, tries: 0, via: "original" };
  }
}
