#!/usr/bin/env node
// Fails when a file in src/ imports from a layer above its own. Layers, lowest first:
//
//   lib, env.ts, version.ts   helpers with no project imports
//   domain                    schemas and pure logic
//   signing                   Web Crypto: signatures, sealing, hashing
//   store, traffic            D1 access; the traffic Durable Objects (events, call index)
//   accepting, delivery,      storing accepted events; fan-out, the webhook objects, dispatch;
//   listen                    the `hookrelay listen` sessions (a destination the objects send to)
//   middleware, app-env.ts    request context, auth, errors
//   api, ingest, console      HTTP routes
//   app.ts, index.ts          the Worker's entry
//
// A file may import its own layer or any below it. `npm run check:layers`; CI runs it.
// `--root DIR` checks another tree laid out like src/.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const rootArg = process.argv.indexOf("--root");
const root = rootArg > 0 ? resolve(process.argv[rootArg + 1]) : join(dirname(fileURLToPath(import.meta.url)), "..", "src");
const LAYERS = [
  ["lib", "env.ts", "version.ts"],
  ["domain"],
  ["signing"],
  ["store", "traffic"],
  ["accepting", "delivery", "listen"],
  ["middleware", "app-env.ts"],
  ["api", "ingest", "console"],
  ["app.ts", "index.ts"],
];

function layerOf(file) {
  const top = relative(root, file).split(sep)[0];
  const i = LAYERS.findIndex((names) => names.includes(top));
  return i === -1 ? null : { index: i, name: top };
}

function* walk(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (/\.(ts|tsx|js|mjs)$/.test(entry)) yield path;
  }
}

function resolveImport(from, spec) {
  const base = normalize(join(dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return base;
}

// `import … from`, `export … from`, `import("…")` and a bare `import "…"` (for its side effects).
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)|(?:^|\n)\s*import\s+["'](\.[^"']+)["']/g;
const problems = [];
let unplaced = [];
for (const file of walk(root)) {
  const own = layerOf(file);
  if (!own) {
    unplaced.push(relative(root, file));
    continue;
  }
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(IMPORT)) {
    const target = resolveImport(file, m[1] ?? m[2] ?? m[3]);
    const theirs = layerOf(target);
    if (theirs && theirs.index > own.index) {
      problems.push(`${relative(root, file)} (${own.name}) imports ${relative(root, target)} (${theirs.name}), a higher layer`);
    }
  }
}
if (unplaced.length) problems.push(...unplaced.map((f) => `${f} is in no layer: add its folder to LAYERS in scripts/check-layers.mjs`));
if (problems.length) {
  console.error(`check:layers: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("check:layers: every import in src/ points to its own layer or one below");
