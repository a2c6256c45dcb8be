// Gzipped JavaScript per audience: what a worker's phone loads for the field screens
// (the entry chunk, its static imports, the screens' lazy chunks such as jsQR, and
// the compressor's Web Worker) versus the staff screens' lazy chunks (src/staff/**,
// Leaflet with them). Builds once more into a temporary folder with a Vite manifest,
// so the real dist/ stays exactly what `npm run build` made.
//
//   npm run size            (goal: worker screens < 250 KB gzipped)

import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const GOAL_KB = 250;
const out = mkdtempSync(join(tmpdir(), "sitecheck-size-"));
try {
  await build({ logLevel: "warn", build: { outDir: out, emptyOutDir: true, manifest: "manifest.json" } });
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  const gz = (file) => gzipSync(readFileSync(join(out, file)), { level: 9 }).length;
  const isStaff = (key) => key.includes("src/staff/") || key.includes("node_modules/leaflet");

  const worker = new Set();
  const staff = new Set();
  const visit = (key, into, followDynamic) => {
    const chunk = manifest[key];
    if (!chunk || into.has(chunk.file)) return;
    into.add(chunk.file);
    for (const dep of chunk.imports ?? []) visit(dep, into, followDynamic);
    for (const dep of chunk.dynamicImports ?? []) {
      if (isStaff(dep)) visit(dep, staff, true);
      else if (followDynamic) visit(dep, into, followDynamic);
    }
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key, worker, true);
  // Web Workers are emitted as assets, outside the manifest's chunk graph.
  for (const file of readdirSync(join(out, "assets"))) {
    if (/worker.*\.js$/.test(file)) worker.add(`assets/${file}`);
  }
  for (const file of worker) staff.delete(file);

  const table = (title, files) => {
    let total = 0;
    console.log(`\n${title}`);
    for (const file of [...files].sort()) {
      const size = gz(file);
      total += size;
      console.log(`  ${file.padEnd(48)} ${(size / 1024).toFixed(1).padStart(7)} KB`);
    }
    console.log(`  ${"total (gzip -9)".padEnd(48)} ${(total / 1024).toFixed(1).padStart(7)} KB`);
    return total;
  };
  const workerTotal = table("Worker screens (loaded by a worker's phone)", worker);
  table("Staff screens (lazy chunks, never loaded by a worker)", staff);
  const ok = workerTotal / 1024 < GOAL_KB;
  console.log(`\nworker screens: ${(workerTotal / 1024).toFixed(1)} KB gzipped, goal < ${GOAL_KB} KB: ${ok ? "ok" : "OVER"}`);
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
