/**
 * Bench-only D1 statement counting, for the soak's "D1 statements per delivered event".
 *
 * `countingD1(db, counter)` returns a D1Database that behaves exactly like `db` but counts:
 * every statement executed through prepare()→run/all/first/raw counts 1 statement and 1 round trip;
 * `batch([...])` counts its statements and 1 round trip; `exec(sql)` counts the statements in the
 * string and 1 round trip. Sessions (`withSession`) are counted the same way.
 *
 * The bench entry (entry.ts) puts a counting D1 into every env it hands on (counting-env.ts); the
 * production Worker never imports this file.
 *
 * Counts live in module scope, per isolate. Under Miniflare/workerd the Worker's fetch and queue
 * handlers and the Durable Objects of the same script share one isolate, so `GET /bench/stats`
 * sees all of them (the bench harness checks that the counter moved when deliveries happened).
 */

export interface D1CounterSnapshot {
  /** Statements executed (a batch of n counts n). */
  statements: number;
  /** Calls that went to the database: one per run/all/first/raw, per batch, per exec. */
  roundTrips: number;
  /** Of the round trips, how many were batches. */
  batches: number;
  /** Statements by the first words of their SQL, for profiling (capped at 200 distinct shapes). */
  bySql: Record<string, number>;
  since: number;
}

export class D1Counter {
  statements = 0;
  roundTrips = 0;
  batches = 0;
  since = Date.now();
  private readonly bySql = new Map<string, number>();

  note(sql: string, statements = 1): void {
    this.statements += statements;
    const key = sqlShape(sql);
    if (this.bySql.has(key) || this.bySql.size < 200) this.bySql.set(key, (this.bySql.get(key) ?? 0) + statements);
  }

  roundTrip(batch = false): void {
    this.roundTrips += 1;
    if (batch) this.batches += 1;
  }

  snapshot(): D1CounterSnapshot {
    return {
      statements: this.statements,
      roundTrips: this.roundTrips,
      batches: this.batches,
      bySql: Object.fromEntries([...this.bySql].sort((a, b) => b[1] - a[1])),
      since: this.since,
    };
  }

  reset(): void {
    this.statements = 0;
    this.roundTrips = 0;
    this.batches = 0;
    this.since = Date.now();
    this.bySql.clear();
  }
}

/** The isolate's counter: what `GET /bench/stats` reports. */
export const benchD1Counter = new D1Counter();

/** "INSERT INTO calls", "SELECT … FROM webhooks", "UPDATE events": enough to tell statements apart. */
const shapes = new Map<string, string>();
function sqlShape(sql: string): string {
  let shape = shapes.get(sql);
  if (shape === undefined) {
    shape = computeShape(sql);
    if (shapes.size < 1000) shapes.set(sql, shape);
  }
  return shape;
}

function computeShape(sql: string): string {
  const s = sql.replace(/\s+/g, " ").trim();
  const verb = (s.split(" ", 1)[0] ?? "").toUpperCase();
  const table = /\b(?:INTO|FROM|UPDATE|TABLE)\s+([\w."]+)/i.exec(s)?.[1] ?? "";
  return `${verb} ${table}`.trim() || s.slice(0, 40);
}

const INNER = Symbol("inner");

class CountingStatement implements D1PreparedStatement {
  readonly [INNER]: D1PreparedStatement;

  constructor(
    inner: D1PreparedStatement,
    private readonly counter: D1Counter,
    readonly sql: string,
  ) {
    this[INNER] = inner;
  }

  bind(...values: unknown[]): D1PreparedStatement {
    return new CountingStatement(this[INNER].bind(...values), this.counter, this.sql);
  }

  private count(): void {
    this.counter.note(this.sql);
    this.counter.roundTrip();
  }

  first<T = unknown>(colName: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  first<T>(colName?: string): Promise<T | null> {
    this.count();
    return colName === undefined ? this[INNER].first<T>() : this[INNER].first<T>(colName);
  }

  run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    this.count();
    return this[INNER].run<T>();
  }

  all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    this.count();
    return this[INNER].all<T>();
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[] | [string[], ...T[]]> {
    this.count();
    return options?.columnNames ? this[INNER].raw<T>({ columnNames: true }) : this[INNER].raw<T>();
  }
}

function unwrap(statements: D1PreparedStatement[], counter: D1Counter): D1PreparedStatement[] {
  return statements.map((s) => {
    if (s instanceof CountingStatement) {
      counter.note(s.sql);
      return s[INNER];
    }
    counter.note("(unwrapped statement)");
    return s;
  });
}

function countExec(counter: D1Counter, sql: string): void {
  const parts = sql.split(";").map((p) => p.trim()).filter(Boolean);
  for (const p of parts) counter.note(p);
  counter.roundTrip();
}

type D1Like = Pick<D1Database, "prepare" | "batch">;

function wrapSession<S extends D1Like>(inner: S, counter: D1Counter) {
  return {
    prepare: (query: string) => new CountingStatement(inner.prepare(query), counter, query),
    batch: <T = unknown>(statements: D1PreparedStatement[]) => {
      const raw = unwrap(statements, counter);
      counter.roundTrip(true);
      return inner.batch<T>(raw);
    },
  };
}

/** `db`, counting every statement into `counter` (the isolate's bench counter by default). */
export function countingD1(db: D1Database, counter: D1Counter = benchD1Counter): D1Database {
  const base = wrapSession(db, counter);
  const wrapped: D1Database = {
    ...base,
    exec: (query: string) => {
      countExec(counter, query);
      return db.exec(query);
    },
    dump: () => db.dump(),
    withSession: (constraintOrBookmark?: string) => {
      const session = db.withSession(constraintOrBookmark as D1SessionBookmark);
      return { ...wrapSession(session, counter), getBookmark: () => session.getBookmark() } as D1DatabaseSession;
    },
  } as D1Database;
  return wrapped;
}
