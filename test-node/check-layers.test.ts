import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

/** scripts/check-layers.mjs, on src/ and on small trees laid out like it. */
const run = (root?: string) =>
  spawnSync(process.execPath, ["scripts/check-layers.mjs", ...(root ? ["--root", root] : [])], { encoding: "utf8" });

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "layers-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("check:layers", () => {
  it("passes on src/ as it is", () => {
    const res = run();
    expect(res.status, res.stderr).toBe(0);
  });

  it("passes when every import points to its own layer or one below", () => {
    const res = run(tree({ "domain/a.ts": "export const a = 1;\n", "api/b.ts": 'import { a } from "../domain/a";\nexport const b = a;\n' }));
    expect(res.status, res.stderr).toBe(0);
  });

  it.each([
    ["import … from", 'import { b } from "../api/b";\n'],
    ["export … from", 'export { b } from "../api/b";\n'],
    ["a side-effect import", 'import "../api/b";\n'],
    ["a dynamic import", 'export const load = () => import("../api/b");\n'],
  ])("fails on an upward %s, naming both files and layers", (_kind, line) => {
    const res = run(tree({ "domain/a.ts": line, "api/b.ts": "export const b = 1;\n" }));
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("domain/a.ts (domain) imports api/b.ts (api), a higher layer");
  });

  it("fails on a file in a folder no layer names", () => {
    const res = run(tree({ "helpers/x.ts": "export const x = 1;\n" }));
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("helpers/x.ts is in no layer");
  });
});
