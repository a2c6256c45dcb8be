// The PWA's API types, generated from the API's OpenAPI document, so a contract change
// fails `npm run typecheck` instead of a phone in the field.
//
//   npm run api-types                 rewrite src/api-schema.d.ts (`make api-types`)
//   npm run api-types -- --check      exit 1 when the committed file differs (`make test`)
//   npm run api-types -- --from URL   read the document from a running server instead
//
// By default the document comes from the app object itself (tools/openapi_document.py,
// no database or S3 needed), which a test holds equal to the served /schema/openapi.json.

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS from "openapi-typescript";

const pwa = join(dirname(fileURLToPath(import.meta.url)), "..");
const repo = join(pwa, "..");
const target = join(pwa, "src", "api-schema.d.ts");
const args = process.argv.slice(2);
const check = args.includes("--check");
const fromIndex = args.indexOf("--from");
const from = fromIndex >= 0 ? args[fromIndex + 1] : undefined;

async function loadDocument() {
  if (from) {
    const response = await fetch(from);
    if (!response.ok) throw new Error(`${from}: HTTP ${response.status}`);
    return await response.json();
  }
  const uv = process.env.UV || "uv";
  const text = execFileSync(uv, ["run", "--frozen", "python", "-m", "tools.openapi_document"], {
    cwd: repo,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(text);
}

const header =
  "// Generated from the API's OpenAPI document by `make api-types` (pwa/scripts/api-types.mjs).\n" +
  "// Do not edit: change the API's schemas and regenerate; `make test` fails when this drifts.\n\n";

const generated =
  header +
  (await openapiTS(await loadDocument(), {
    // A response field with a default is always sent (msgspec writes defaults), so it is
    // not optional to the reader.
    defaultNonNullable: true,
    commentHeader: "",
    silent: true,
  }));

const name = relative(pwa, target);
if (check) {
  let committed = "";
  try {
    committed = readFileSync(target, "utf8");
  } catch {
    // missing: reported as drift below
  }
  if (committed !== generated) {
    const a = committed.split("\n");
    const b = generated.split("\n");
    let line = 0;
    while (line < a.length && line < b.length && a[line] === b[line]) line += 1;
    console.error(
      `pwa/${name} does not match the API's OpenAPI document (first difference at line ${line + 1}):\n` +
        `  committed: ${a[line] ?? "<end of file>"}\n` +
        `  generated: ${b[line] ?? "<end of file>"}\n` +
        "Run `make api-types`, fix what the type check then finds, and commit the file.",
    );
    process.exit(1);
  }
  console.log(`pwa/${name} matches the API's OpenAPI document.`);
} else {
  writeFileSync(target, generated);
  console.log(`wrote pwa/${name}`);
}
