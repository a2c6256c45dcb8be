#!/usr/bin/env node
// Draws the SiteCheck icons (a safety-yellow check mark on near-black) and writes
// them to public/icons/. No dependencies: the shapes are signed-distance functions
// sampled per pixel (1 px anti-aliasing), encoded as PNG with node:zlib, so the
// output is byte-for-byte reproducible on any machine with Node >= 20.
//
//   node scripts/make-icons.mjs        (or: npm run icons)
//
// The PNGs are committed; run this only when the design changes.

import { deflateSync } from "node:zlib";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "public", "icons");

// Keep in step with the theme colours in vite.config.ts and src/styles.css.
const DARK = [0x14, 0x17, 0x1c];
const YELLOW = [0xff, 0xc4, 0x00];

// The check mark in unit coordinates (0..1 of the icon's side), stroke width too.
const CHECK = [
  [0.26, 0.53],
  [0.43, 0.7],
  [0.75, 0.33],
];
const STROKE = 0.115;

// ---- geometry ---------------------------------------------------------------

function distToSegment(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function distToPolyline(px, py, pts) {
  let d = Infinity;
  for (let i = 0; i + 1 < pts.length; i++) d = Math.min(d, distToSegment(px, py, pts[i], pts[i + 1]));
  return d;
}

// Signed distance to a rounded rectangle centred at (cx, cy); negative inside.
function sdRoundedRect(px, py, cx, cy, halfW, halfH, r) {
  const qx = Math.abs(px - cx) - (halfW - r);
  const qy = Math.abs(py - cy) - (halfH - r);
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  const inside = Math.min(Math.max(qx, qy), 0);
  return outside + inside - r;
}

// Coverage of a pixel by a shape from its signed distance in pixels.
const coverage = (sdPx) => Math.max(0, Math.min(1, 0.5 - sdPx));

/**
 * @param {number} size       side in pixels
 * @param {object} opts
 * @param {number} opts.corner  corner radius as a fraction of the side (0 = full bleed square)
 * @param {number} opts.scale   scale of the check mark about the centre (maskable icons
 *                              keep it inside the 80 % safe zone)
 */
function render(size, { corner, scale }) {
  const px = Buffer.alloc(size * size * 4);
  const pts = CHECK.map(([x, y]) => [0.5 + (x - 0.5) * scale, 0.5 + (y - 0.5) * scale]);
  const halfStroke = (STROKE * scale) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Sample at the pixel centre, in unit coordinates.
      const u = (x + 0.5) / size;
      const v = (y + 0.5) / size;
      const bg = corner > 0 ? coverage(sdRoundedRect(u, v, 0.5, 0.5, 0.5, 0.5, corner) * size) : 1;
      const fg = coverage((distToPolyline(u, v, pts) - halfStroke) * size) * bg;
      const i = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) px[i + c] = Math.round(DARK[c] * (1 - fg) + YELLOW[c] * fg);
      px[i + 3] = Math.round(bg * 255);
    }
  }
  return encodePng(size, size, px);
}

// ---- PNG --------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    rgba.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// ---- SVG (same geometry, for the browser tab) -------------------------------

function svg() {
  const hex = (rgb) => "#" + rgb.map((c) => c.toString(16).padStart(2, "0")).join("");
  const s = 100;
  const points = CHECK.map(([x, y]) => `${+(x * s).toFixed(2)},${+(y * s).toFixed(2)}`).join(" ");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${s} ${s}">` +
    `<rect width="${s}" height="${s}" rx="${0.22 * s}" fill="${hex(DARK)}"/>` +
    `<polyline points="${points}" fill="none" stroke="${hex(YELLOW)}" stroke-width="${STROKE * s}" ` +
    `stroke-linecap="round" stroke-linejoin="round"/></svg>\n`
  );
}

// ---- outputs ----------------------------------------------------------------

const outputs = [
  // "any" purpose: rounded square with transparent corners.
  ["icon-192.png", () => render(192, { corner: 0.22, scale: 1 })],
  ["icon-512.png", () => render(512, { corner: 0.22, scale: 1 })],
  // "maskable": full bleed; the launcher crops to its own shape, so the mark stays
  // inside the central safe zone (a circle of 40 % radius).
  ["maskable-512.png", () => render(512, { corner: 0, scale: 0.78 })],
  // iOS home screen: opaque, iOS rounds the corners itself.
  ["apple-touch-icon-180.png", () => render(180, { corner: 0, scale: 0.9 })],
  ["favicon.svg", () => Buffer.from(svg(), "utf8")],
];

mkdirSync(OUT_DIR, { recursive: true });
for (const [name, make] of outputs) {
  const data = make();
  writeFileSync(join(OUT_DIR, name), data);
  console.log(`${name}\t${data.length} bytes`);
}
