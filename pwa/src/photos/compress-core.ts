// The pure parts of the photo compressor: how big the output is and which JPEG
// quality gets it under the byte target. No DOM here, so the Web Worker, the
// main-thread fallback and the unit tests share exactly this code.

export interface CompressOptions {
  /** Longest side of the output, in pixels (a phone's 12 MP photo becomes 1600 x 1200). */
  maxSide: number;
  /** What a photo should weigh after compression, in bytes. */
  targetBytes: number;
  /** Quality bounds of the search (0..1, as canvas encoders take them). */
  maxQuality: number;
  minQuality: number;
  /** Bisection steps between the bounds once the best quality is too big. */
  steps: number;
}

export const DEFAULT_OPTIONS: CompressOptions = {
  maxSide: 1600,
  targetBytes: 200 * 1024,
  maxQuality: 0.86,
  minQuality: 0.4,
  steps: 4,
};

export interface Size {
  width: number;
  height: number;
}

/** The output size: the longest side brought down to `maxSide`, never enlarged, aspect
 * kept, at least 1 px each way. */
export function targetSize(width: number, height: number, maxSide: number): Size {
  if (!(width > 0 && height > 0)) throw new RangeError(`not an image size: ${width}x${height}`);
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

export interface Searched<T> {
  result: T;
  quality: number;
  /** How many encodes it took. */
  tries: number;
  /** Whether the result is within the target. */
  fits: boolean;
}

/** The highest quality whose encoding fits in `targetBytes`: first the top quality (most
 * photos of a site at 1600 px fit at once), else the bottom one (if even that does not
 * fit, it is the smallest there is), then bisection between them. */
export async function searchQuality<T extends { size: number }>(
  encode: (quality: number) => Promise<T>,
  options: Pick<CompressOptions, "targetBytes" | "maxQuality" | "minQuality" | "steps"> = DEFAULT_OPTIONS,
): Promise<Searched<T>> {
  const { targetBytes, maxQuality, minQuality, steps } = options;
  let tries = 1;
  const top = await encode(maxQuality);
  if (top.size <= targetBytes) return { result: top, quality: maxQuality, tries, fits: true };
  tries++;
  const bottom = await encode(minQuality);
  if (bottom.size > targetBytes) return { result: bottom, quality: minQuality, tries, fits: false };
  let best = { result: bottom, quality: minQuality };
  let lo = minQuality;
  let hi = maxQuality;
  for (let i = 0; i < steps; i++) {
    const mid = Math.round(((lo + hi) / 2) * 100) / 100;
    if (mid <= lo || mid >= hi) break;
    tries++;
    const candidate = await encode(mid);
    if (candidate.size <= targetBytes) {
      best = { result: candidate, quality: mid };
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return { ...best, tries, fits: true };
}

/** A photo that does not fit even at the lowest quality (a very detailed scene) is
 * scaled down by this much and searched again, at most `MAX_SHRINKS` times. */
export const SHRINK_FACTOR = 0.8;
export const MAX_SHRINKS = 3;

export interface Compressed {
  blob: Blob;
  width: number;
  height: number;
  quality: number;
  tries: number;
}

/** The whole loop for one decoded image: `render(size)` draws it at a size and returns
 * an encoder for that drawing. Shared by the worker and the main-thread fallback. */
export async function compressDecoded(
  source: Size,
  render: (size: Size) => (quality: number) => Promise<Blob>,
  options: CompressOptions = DEFAULT_OPTIONS,
): Promise<Compressed> {
  let size = targetSize(source.width, source.height, options.maxSide);
  let tries = 0;
  for (let shrink = 0; ; shrink++) {
    const searched = await searchQuality(render(size), options);
    tries += searched.tries;
    if (searched.fits || shrink >= MAX_SHRINKS) {
      return { blob: searched.result, width: size.width, height: size.height, quality: searched.quality, tries };
    }
    size = targetSize(size.width, size.height, Math.floor(Math.max(size.width, size.height) * SHRINK_FACTOR));
  }
}
