import { api } from "../api";
import { countsChart, latencyChart } from "../chart";
import { field, h, replace } from "../dom";
import type { Series } from "../types";

/** Deliveries per minute by outcome and latency over the last hour or day, from /stats/timeseries. */
export function chartPanel(webhookId: string) {
  const windowSelect = h("select", { name: "window" }, h("option", { value: "1h" }, "Last hour"), h("option", { value: "24h" }, "Last 24 hours"));
  const totals = h("p", { class: "totals", "aria-live": "polite" });
  const charts = h("div", { class: "charts" });
  windowSelect.addEventListener("change", () => void refresh());
  const legend = h("ul", { class: "legend" },
    h("li", { class: "key-succeeded" }, "succeeded"), h("li", { class: "key-retrying" }, "retrying"), h("li", { class: "key-failed" }, "failed"),
    h("li", { class: "key-p50" }, "p50"), h("li", { class: "key-p95" }, "p95"));
  const el = h("section", { class: "card", "aria-labelledby": `chart-h-${webhookId}` },
    h("div", { class: "page-head" }, h("h2", { id: `chart-h-${webhookId}` }, "Deliveries"), field("Window", windowSelect).row),
    totals, charts, legend);

  async function refresh() {
    const s = await api<Series>("GET", `/api/webhooks/${webhookId}/stats/timeseries?window=${windowSelect.value}`);
    const t = s.totals;
    totals.textContent = `${t.succeeded} succeeded · ${t.failed} failed · ${t.retrying} retrying · p50 ${t.p50Ms ?? "—"} ms · p95 ${t.p95Ms ?? "—"} ms`;
    replace(charts, countsChart(s), latencyChart(s));
  }
  return { el, refresh };
}
