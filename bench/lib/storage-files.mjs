// What the local D1 database and each Durable Object class hold on disk. Miniflare persists every
// database as SQLite under the persist dir: d1/miniflare-D1DatabaseObject/<hash>.sqlite for D1 and
// do/<script>-<Class>/<hash>.sqlite per object. Each file is opened read-only (node:sqlite, Node ≥
// 22.5) and measured as (page_count − freelist_count) × page_size: the pages in use, including what
// still sits in the -wal file, so a checkpoint or a WAL file that never shrinks does not move the
// figure. Without node:sqlite (or when a file cannot be opened) the file sizes (main + -wal) are used.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

let sqlite; // node:sqlite, loaded on first use (null when this Node has none)

async function loadSqlite() {
  if (sqlite !== undefined) return sqlite;
  // node:sqlite prints an ExperimentalWarning when loaded: kept out of the report's output.
  const emit = process.emitWarning;
  process.emitWarning = (w, ...rest) => (/SQLite/.test(String(w)) ? undefined : emit.call(process, w, ...rest));
  try {
    sqlite = await import("node:sqlite").catch(() => null);
  } finally {
    process.emitWarning = emit;
  }
  return sqlite;
}

const fileSize = (p) => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};

function measure(path) {
  const fileBytes = fileSize(path) + fileSize(`${path}-wal`);
  if (sqlite) {
    let db;
    try {
      db = new sqlite.DatabaseSync(path, { readOnly: true });
      const pages = db.prepare("PRAGMA page_count").get().page_count;
      const free = db.prepare("PRAGMA freelist_count").get().freelist_count;
      const pageSize = db.prepare("PRAGMA page_size").get().page_size;
      return { bytes: (pages - free) * pageSize, fileBytes, exact: true };
    } catch {
      /* fall through to the file sizes */
    } finally {
      db?.close();
    }
  }
  return { bytes: fileBytes, fileBytes, exact: false };
}

function databases(dir) {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite").map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/**
 * A snapshot: {d1: {bytes, fileBytes, files}, durableObjects: {Class: {bytes, fileBytes, objects}},
 * files: Map(path → bytes), exact}. `exact` is false when any file was measured by its size.
 */
export async function storageSnapshot(persistDir) {
  await loadSqlite();
  const files = new Map();
  let exact = true;
  const sum = (paths) => {
    const s = { bytes: 0, fileBytes: 0, files: paths.length };
    for (const p of paths) {
      const m = measure(p);
      files.set(p, m.bytes);
      s.bytes += m.bytes;
      s.fileBytes += m.fileBytes;
      exact &&= m.exact;
    }
    return s;
  };
  const d1 = sum(databases(join(persistDir, "d1", "miniflare-D1DatabaseObject")));
  const durableObjects = {};
  let doDirs = [];
  try {
    doDirs = readdirSync(join(persistDir, "do"));
  } catch {
    /* no objects yet */
  }
  for (const dir of doDirs) {
    const className = dir.slice(dir.lastIndexOf("-") + 1); // "<script>-<Class>"
    const s = sum(databases(join(persistDir, "do", dir)));
    durableObjects[className] = { bytes: s.bytes, fileBytes: s.fileBytes, objects: s.files };
  }
  return { d1, durableObjects, files, exact, method: exact ? "sqlite pages in use" : "file sizes (main + wal)" };
}

/** after − before: bytes and file bytes per store, and how many objects of each class grew or appeared. */
export function storageGrowth(before, after) {
  const changed = (prefixDir) => {
    let n = 0;
    for (const [p, b] of after.files) if (p.includes(prefixDir) && b !== (before.files.get(p) ?? 0)) n += 1;
    return n;
  };
  const out = {
    method: after.exact && before.exact ? after.method : "file sizes (main + wal)",
    d1: { bytes: after.d1.bytes - before.d1.bytes, fileBytes: after.d1.fileBytes - before.d1.fileBytes },
    durableObjects: {},
  };
  for (const [cls, a] of Object.entries(after.durableObjects)) {
    const b = before.durableObjects[cls] ?? { bytes: 0, fileBytes: 0, objects: 0 };
    out.durableObjects[cls] = { bytes: a.bytes - b.bytes, fileBytes: a.fileBytes - b.fileBytes, objectsChanged: changed(`-${cls}/`), objects: a.objects };
  }
  return out;
}
