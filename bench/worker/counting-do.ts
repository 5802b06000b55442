/**
 * `countingDO(name, Base)`: the Durable Object class `Base`, built with a counting env
 * (counting-env.ts) so the object's own D1 statements, queue sends and calls to other objects are
 * counted, and with each alarm run counted (an alarm is a request to the object that no stub makes).
 * The bench entry exports the result under the production class name, which is what the
 * wrangler.toml bindings and migrations refer to. `name` is given because the bundle is minified
 * (class names are not kept).
 */
import { bindingCounter, countingEnv } from "./counting-env";

// The mixin pattern: TypeScript wants a constructor taking `any[]` to extend a generic class.
type DurableObjectClass = new (...args: any[]) => object;

/** The classes wrapped so far (GET /bench/stats lists them; the harness warns about any binding's class missing). */
export const countedClasses = new Set<string>();

export function countingDO<C extends DurableObjectClass>(name: string, Base: C): C {
  countedClasses.add(name);
  const Counted = class extends Base {
    constructor(...args: any[]) {
      super(args[0], countingEnv(args[1] as object), ...args.slice(2));
    }
  };
  const alarm = (Base.prototype as { alarm?: (...a: unknown[]) => unknown }).alarm;
  if (typeof alarm === "function") {
    Object.defineProperty(Counted.prototype, "alarm", {
      configurable: true,
      writable: true,
      value: function (this: object, ...args: unknown[]) {
        bindingCounter.alarms[name] = (bindingCounter.alarms[name] ?? 0) + 1;
        return alarm.apply(this, args);
      },
    });
  }
  return Counted;
}
