// The photo compressor's Web Worker: decoding a 12 MP photo and encoding JPEGs takes
// hundreds of milliseconds, which would freeze the camera screen on the main thread.
// EXIF orientation is applied while decoding (imageOrientation "from-image"); the
// canvas re-encode drops all metadata (the server strips it again anyway).

import { compressDecoded, DEFAULT_OPTIONS, type CompressOptions } from "./compress-core";

export interface CompressRequest {
  id: number;
  file: Blob;
  options?: Partial<CompressOptions>;
}

export type CompressReply =
  | { id: number; ok: true; blob: Blob; width: number; height: number; quality: number; tries: number }
  | { id: number; ok: false; error: string };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<CompressRequest>) => void) | null;
  postMessage(message: CompressReply): void;
};

scope.onmessage = (event) => {
  const { id, file, options } = event.data;
  void (async () => {
    try {
      const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      try {
        const out = await compressDecoded(
          bitmap,
          (size) => {
            const canvas = new OffscreenCanvas(size.width, size.height);
            const context = canvas.getContext("2d");
            if (!context) throw new Error("no 2d context in the worker");
            context.imageSmoothingQuality = "high";
            context.drawImage(bitmap, 0, 0, size.width, size.height);
            return (quality) => canvas.convertToBlob({ type: "image/jpeg", quality });
          },
          { ...DEFAULT_OPTIONS, ...options },
        );
        scope.postMessage({ id, ok: true, ...out });
      } finally {
        bitmap.close();
      }
    } catch (error) {
      scope.postMessage({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  })();
};
