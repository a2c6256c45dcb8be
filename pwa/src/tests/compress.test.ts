import { describe, expect, it } from "vitest";
import { compressDecoded, DEFAULT_OPTIONS, searchQuality, targetSize } from "../photos/compress-core";

/** A stand-in encoder whose output size grows with quality and pixel count, the way
 * JPEG does (roughly), counting its calls. */
function fakeEncoder(bytesPerPixelAtFull: number, pixels: number) {
  const calls: number[] = [];
  const encode = async (quality: number) => {
    calls.push(quality);
    return { size: Math.round(pixels * bytesPerPixelAtFull * quality * quality), quality };
  };
  return { encode, calls };
}

describe("targetSize", () => {
  it("brings the long side to 1600 px keeping the aspect", () => {
    expect(targetSize(4032, 3024, 1600)).toEqual({ width: 1600, height: 1200 });
    expect(targetSize(3024, 4032, 1600)).toEqual({ width: 1200, height: 1600 });
  });
  it("never enlarges", () => {
    expect(targetSize(800, 600, 1600)).toEqual({ width: 800, height: 600 });
  });
  it("keeps at least a pixel on a panorama", () => {
    expect(targetSize(100_000, 10, 1600)).toEqual({ width: 1600, height: 1 });
  });
  it("refuses a size that is not an image", () => {
    expect(() => targetSize(0, 10, 1600)).toThrow(RangeError);
    expect(() => targetSize(Number.NaN, 10, 1600)).toThrow(RangeError);
  });
});

describe("searchQuality", () => {
  it("takes the top quality at once when it fits", async () => {
    const { encode, calls } = fakeEncoder(0.05, 1600 * 1200);
    const out = await searchQuality(encode);
    expect(out).toMatchObject({ quality: DEFAULT_OPTIONS.maxQuality, tries: 1, fits: true });
    expect(calls).toEqual([DEFAULT_OPTIONS.maxQuality]);
  });

  it("finds the highest quality under the target in a few encodes", async () => {
    const pixels = 1600 * 1200;
    const { encode, calls } = fakeEncoder(0.4, pixels);
    const out = await searchQuality(encode);
    expect(out.fits).toBe(true);
    expect(out.result.size).toBeLessThanOrEqual(DEFAULT_OPTIONS.targetBytes);
    // Within one bisection step of the true best quality.
    const best = Math.sqrt(DEFAULT_OPTIONS.targetBytes / (pixels * 0.4));
    expect(out.quality).toBeLessThanOrEqual(best);
    expect(best - out.quality).toBeLessThan((DEFAULT_OPTIONS.maxQuality - DEFAULT_OPTIONS.minQuality) / 2 ** DEFAULT_OPTIONS.steps + 0.01);
    expect(calls.length).toBe(out.tries);
    expect(out.tries).toBeLessThanOrEqual(2 + DEFAULT_OPTIONS.steps);
  });

  it("says when even the lowest quality is too big", async () => {
    const { encode } = fakeEncoder(2, 1600 * 1200);
    const out = await searchQuality(encode);
    expect(out).toMatchObject({ quality: DEFAULT_OPTIONS.minQuality, fits: false, tries: 2 });
  });
});

describe("compressDecoded", () => {
  const blobOf = (size: number) => new Blob([new Uint8Array(size)]);

  it("draws at 1600 px and encodes once for an ordinary photo", async () => {
    const sizes: Array<[number, number]> = [];
    const out = await compressDecoded({ width: 4032, height: 3024 }, (size) => {
      sizes.push([size.width, size.height]);
      return async (quality) => blobOf(Math.round(size.width * size.height * 0.05 * quality));
    });
    expect(sizes).toEqual([[1600, 1200]]);
    expect(out).toMatchObject({ width: 1600, height: 1200, quality: DEFAULT_OPTIONS.maxQuality, tries: 1 });
    expect(out.blob.size).toBeLessThanOrEqual(DEFAULT_OPTIONS.targetBytes);
  });

  it("shrinks a photo too detailed to fit at 1600 px, and gives up after a few shrinks", async () => {
    const sizes: number[] = [];
    const fitsAt = 1100;
    const out = await compressDecoded({ width: 4000, height: 3000 }, (size) => {
      sizes.push(size.width);
      return async () => blobOf(size.width <= fitsAt ? 150_000 : 400_000);
    });
    expect(sizes).toEqual([1600, 1280, 1024]);
    expect(out.width).toBe(1024);
    expect(out.blob.size).toBe(150_000);

    const never = await compressDecoded({ width: 4000, height: 3000 }, () => async () => blobOf(1_000_000));
    expect(never.blob.size).toBe(1_000_000);
    expect(never.width).toBe(Math.round(1600 * 0.8 ** 3));
  });
});
