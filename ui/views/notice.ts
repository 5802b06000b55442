import { ApiFailure } from "../api";
import { h } from "../dom";

/** A live region for the outcome of an action (announced to screen readers), shared by the views. */
export function notice() {
  const el = h("div", { class: "notice", role: "status", "aria-live": "polite" });
  const show = (text: string, kind: "ok" | "error") => {
    el.textContent = text;
    el.className = `notice notice-${kind}`;
  };
  return {
    el,
    show,
    async run<T>(action: () => Promise<T>, done?: string): Promise<T | undefined> {
      try {
        const out = await action();
        if (done) show(done, "ok");
        return out;
      } catch (e) {
        show(e instanceof ApiFailure ? `${e.message} (${e.code})` : (e as Error).message, "error");
        return undefined;
      }
    },
  };
}
