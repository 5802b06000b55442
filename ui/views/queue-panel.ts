import { api } from "../api";
import { field, h, replace } from "../dom";
import type { Queue } from "../types";
import type { notice } from "./notice";

/** The webhook's delivery queue by state, with "clear" and "recover since". */
export function queuePanel(id: string, readOnly: boolean, msg: ReturnType<typeof notice>, afterAction: () => Promise<void>) {
  const counts = h("dl", { class: "counts" });
  const since = h("input", { type: "datetime-local", name: "since" });
  const hourAgo = new Date(Date.now() - 3_600_000);
  since.value = new Date(hourAgo.getTime() - hourAgo.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  const sinceField = field("Recover failed deliveries since", since);
  const clear = h("button", { type: "button", class: "danger" }, "Clear queue");
  clear.addEventListener("click", async () => {
    if (!confirm("Cancel every delivery waiting for this webhook?")) return;
    const out = await msg.run(() => api<{ cancelled: number }>("DELETE", `/api/webhooks/${id}/queue`));
    if (out) msg.show(`Cancelled ${out.cancelled} waiting deliveries.`, "ok");
    await refresh();
  });
  const recoverForm = h("form", { class: "inline-form" }, sinceField.row, h("button", { type: "submit" }, "Recover"));
  recoverForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    sinceField.error.textContent = "";
    if (!since.value) {
      sinceField.error.textContent = "Choose a time.";
      return;
    }
    const out = await msg.run(() => api<{ recovered: number }>("POST", `/api/webhooks/${id}/recover`, { since: new Date(since.value).toISOString() }));
    if (out) msg.show(`Recovered ${out.recovered} failed deliveries: they are queued again.`, "ok");
    await Promise.all([refresh(), afterAction()]);
  });
  const el = h("section", { class: "card", "aria-labelledby": `queue-h-${id}` },
    h("h2", { id: `queue-h-${id}` }, "Queue"), counts, readOnly ? null : h("div", { class: "actions" }, recoverForm, clear));

  async function refresh() {
    const q = await api<Queue>("GET", `/api/webhooks/${id}/queue`);
    replace(counts, (["pending", "processing", "retrying", "failed"] as const).map((k) => h("div", {}, h("dt", {}, k), h("dd", { "data-count": k }, q[k]))));
  }
  return { el, refresh };
}
