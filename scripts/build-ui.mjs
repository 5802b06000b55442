// Builds the browser side (console, portal, /docs) into build/ui, which wrangler.toml's [assets]
// block serves through the Worker (src/console/serve.ts). Runs from predev, pretest and build, so
// a clean clone needs no extra command; it takes well under a second.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const out = "build/ui";
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "ui"), { recursive: true });

await build({
  entryPoints: { app: "ui/main.ts", docs: "ui/docs.ts" },
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  outdir: join(out, "ui"),
  logLevel: "warning",
});

// Pages and the stylesheet as they are; the HTML names every asset by its /ui/ path.
for (const name of readdirSync("ui/static")) {
  const target = name.endsWith(".html") ? join(out, name) : join(out, "ui", name);
  copyFileSync(join("ui/static", name), target);
}

// The API reference's self-contained browser bundle (no chunks, no CDN): /ui/scalar.js.
// (Its package.json exports do not list dist/browser, so the path is taken from node_modules.)
copyFileSync("node_modules/@scalar/api-reference/dist/browser/standalone.js", join(out, "ui/scalar.js"));
console.log(`built ${out}`);
