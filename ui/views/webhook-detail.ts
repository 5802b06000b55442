import { api } from "../api";
import { fmtTime, h, replace, statusBadge } from "../dom";
import { poll, type Cleanup } from "../router";
import { loadSession } from "../session";
import type { Call, Webhook } from "../types";
import { attemptsPanel } from "./attempts";
import { chartPanel } from "./chart-panel";
import { notice } from "./notice";
import { queuePanel } from "./queue-panel";

/** One webhook: its settings and actions, the chart, the queue and the attempts (these three refresh while open). */
export async function webhookDetailView(root: HTMLElement, params: Record<string, string>): Promise<Cleanup> {
  const id = params.id!;
  const readOnly = loadSession()?.readOnly ?? false;
  const msg = notice();
  const head = h("div", {});
  const secretOut = h("div", { class: "secret" });
  const testOut = h("div", {});
  const attempts = attemptsPanel(id);
  const queue = queuePanel(id, readOnly, msg, () => attempts.refresh());
  const chart = chartPanel(id);

  async function renderHead() {
    const w = await api<Webhook>("GET", `/api/webhooks/${id}`);
    /** A button that runs an action, reports its outcome, then redraws this header (unless it left the page). */
    const act = (label: string, run: () => Promise<unknown>, done: string, opts: { cls?: string; ask?: string; leaves?: boolean } = {}) => {
      const b = h("button", { type: "button", class: opts.cls ?? "secondary" }, label);
      b.addEventListener("click", async () => {
        if (opts.ask && !confirm(opts.ask)) return;
        const out = await msg.run(run, done);
        if (out !== undefined && !opts.leaves) await msg.run(renderHead);
      });
      return b;
    };
    const actions = readOnly
      ? []
      : [
          h("a", { href: `#/webhooks/${id}/edit`, class: "button secondary" }, "Edit"),
          w.active ? act("Pause", () => api("PUT", `/api/webhooks/${id}`, { active: false }), "Paused: deliveries wait until resumed.") : act("Resume", () => api("PUT", `/api/webhooks/${id}`, { active: true }), "Resumed."),
          act("Send test event", async () => {
            const call = await api<Call>("POST", `/api/webhooks/${id}/test`, {});
            replace(testOut, h("p", { class: `notice notice-${call.status === "succeeded" ? "ok" : "error"}` }, `Test delivery ${call.status}: HTTP ${call.httpStatus ?? "—"} in ${call.durationMs ?? "—"} ms${call.error ? ` (${call.error})` : ""}`));
            await attempts.refresh();
            return call;
          }, "Test sent."),
          h("button", { type: "button", class: "secondary", onclick: () => void revealSecret() }, "Reveal secret"),
          act("Rotate secret", async () => {
            const out = await api<{ secret: string }>("POST", `/api/webhooks/${id}/rotate-secret`, {});
            showSecret(out.secret, "New secret (the old one keeps signing for 24 h):");
            return out;
          }, "Secret rotated."),
          act("Delete", async () => {
            const out = await api("DELETE", `/api/webhooks/${id}`);
            location.hash = "#/webhooks";
            return out;
          }, "Deleted.", { cls: "danger", ask: "Delete this webhook? It can be restored from the list (Show deleted).", leaves: true }),
        ];
    replace(
      head,
      h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, w.description || "Webhook"), statusBadge(w.status)),
      h("dl", { class: "facts" },
        h("dt", {}, "URL"), h("dd", {}, w.url),
        h("dt", {}, "Topics"), h("dd", {}, w.topics.join(", ")),
        h("dt", {}, "Channels"), h("dd", {}, w.channels?.join(", ") ?? "any"),
        h("dt", {}, "Created"), h("dd", {}, fmtTime(w.createdAt)),
        w.disabledReason ? [h("dt", {}, "Disabled because"), h("dd", {}, w.disabledReason)] : null),
      h("div", { class: "actions" }, actions),
    );
  }

  function showSecret(secret: string, label: string) {
    const out = h("input", { type: "text", readonly: true, value: secret, id: "secret-value", class: "mono" });
    replace(secretOut, h("label", { for: "secret-value" }, label), out);
  }
  async function revealSecret() {
    const s = await msg.run(() => api<{ secret: string }>("GET", `/api/webhooks/${id}/secret`));
    if (s) showSecret(s.secret, "Signing secret:");
  }

  replace(root, head, msg.el, secretOut, testOut, chart.el, queue.el, attempts.el);
  await renderHead();
  await Promise.all([attempts.refresh(), queue.refresh(), chart.refresh()]);
  const stop = poll(async () => {
    await Promise.all([attempts.refresh(true), queue.refresh(), chart.refresh()]);
  }, 2000);
  return stop;
}
