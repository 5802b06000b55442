/**
 * The env the bench build hands to the production code: the same bindings, with every D1 database
 * counting its statements (d1-counter.ts), every queue producer counting its messages, and every
 * Durable Object namespace counting the calls made through its stubs. The counts feed the storage
 * scenario's capacity table (statements, queue messages and object requests per event).
 *
 * Bindings are recognised by shape, not by name, so a binding the storage rework adds is counted
 * without an edit here. Counts live in module scope, per isolate (see d1-counter.ts).
 */
import { benchD1Counter, countingD1 } from "./d1-counter";

/** Queue sends and Durable Object stub calls by binding name; alarm runs by object class. */
export const bindingCounter = {
  queues: {} as Record<string, { calls: number; messages: number }>,
  durableObjects: {} as Record<string, { calls: number; byMethod: Record<string, number> }>,
  alarms: {} as Record<string, number>,
  reset(): void {
    this.queues = {};
    this.durableObjects = {};
    this.alarms = {};
  },
  snapshot() {
    return { queues: structuredClone(this.queues), durableObjects: structuredClone(this.durableObjects), alarms: { ...this.alarms } };
  },
};

type AnyFn = (...args: unknown[]) => unknown;

function isD1(v: unknown): v is D1Database {
  return typeof v === "object" && v !== null && typeof (v as D1Database).prepare === "function" && typeof (v as D1Database).batch === "function";
}

function isQueue(v: unknown): v is Queue {
  return typeof v === "object" && v !== null && typeof (v as Queue).sendBatch === "function" && typeof (v as Queue).send === "function";
}

function isNamespace(v: unknown): v is DurableObjectNamespace {
  return typeof v === "object" && v !== null && typeof (v as DurableObjectNamespace).idFromName === "function" && typeof (v as DurableObjectNamespace).get === "function";
}

function countingQueue(name: string, queue: Queue): Queue {
  const counts = () => (bindingCounter.queues[name] ??= { calls: 0, messages: 0 });
  return new Proxy(queue, {
    get(target, key) {
      const v = Reflect.get(target, key) as unknown;
      if (typeof v !== "function") return v;
      if (key === "send") {
        return (...args: unknown[]) => {
          counts().calls += 1;
          counts().messages += 1;
          return Reflect.apply(v as AnyFn, target, args);
        };
      }
      if (key === "sendBatch") {
        return (...args: unknown[]) => {
          counts().calls += 1;
          counts().messages += Array.isArray(args[0]) ? args[0].length : 0;
          return Reflect.apply(v as AnyFn, target, args);
        };
      }
      return (v as AnyFn).bind(target);
    },
  });
}

/**
 * A stub whose every method call (RPC or fetch) counts as one request to the object. Reflect.apply,
 * not `.apply`: on an RPC stub every property, `apply` included, is a remote method.
 */
function countingStub<S extends object>(name: string, stub: S): S {
  return new Proxy(stub, {
    get(target, key) {
      const v = Reflect.get(target, key) as unknown;
      if (typeof v !== "function" || typeof key !== "string") return v;
      return (...args: unknown[]) => {
        const c = (bindingCounter.durableObjects[name] ??= { calls: 0, byMethod: {} });
        c.calls += 1;
        c.byMethod[key] = (c.byMethod[key] ?? 0) + 1;
        return Reflect.apply(v as AnyFn, target, args);
      };
    },
  });
}

function countingNamespace(name: string, ns: DurableObjectNamespace): DurableObjectNamespace {
  return new Proxy(ns, {
    get(target, key) {
      const v = Reflect.get(target, key) as unknown;
      if (typeof v !== "function") return v;
      if (key === "get" || key === "getByName") {
        return (...args: unknown[]) => countingStub(name, Reflect.apply(v as AnyFn, target, args) as object);
      }
      return (v as AnyFn).bind(target);
    },
  });
}

const wrapped = new WeakMap<object, object>();
const originals = new WeakMap<object, object>();

/** `env` with its D1, queue and Durable Object bindings counted. Cached per env object (so the
 * production code's per-env caches, such as getConfig's, keep hitting). */
export function countingEnv<E extends object>(env: E): E {
  if (originals.has(env)) return env; // already counting
  let w = wrapped.get(env) as E | undefined;
  if (!w) {
    // Own copies of the enumerable bindings (so a spread keeps them), the original as prototype
    // (so anything non-enumerable still resolves). Defined, not assigned: assignment would go
    // through the prototype's setter when env is a Proxy (as the test pool's env is).
    w = Object.create(env) as E;
    for (const [key, value] of Object.entries(env)) {
      let v: unknown = value;
      if (isD1(value)) v = countingD1(value, benchD1Counter);
      else if (isQueue(value)) v = countingQueue(key, value);
      else if (isNamespace(value)) v = countingNamespace(key, value);
      Object.defineProperty(w, key, { value: v, enumerable: true, writable: true, configurable: true });
    }
    wrapped.set(env, w);
    originals.set(w, env);
  }
  return w;
}

/** The env before counting: the harness's own probes must not show up in the counts. */
export function uncountedEnv<E extends object>(env: E): E {
  return (originals.get(env) as E | undefined) ?? env;
}
