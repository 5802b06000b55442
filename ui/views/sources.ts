import type { Source, EventSummary } from "../types";
import { api, type Page } from "../api";
import { copyButton, fmtTime, h, replace } from "../dom";



/** Inbound sources: their ingest URL (with a copy button), verification type and recent events. */
export async function sourcesView(root: HTMLElement): Promise<void> {
  const { data } = await api<Page<Source>>("GET", "/api/sources?limit=100");
  const cards = data.map((s) => {
    const recent = h("ul", { class: "recent" }, h("li", { class: "muted" }, "Loading recent events…"));
    void api<Page<EventSummary>>("GET", `/api/events?sourceId=${encodeURIComponent(s.id)}&limit=5`).then((p) =>
      replace(recent, p.data.length ? p.data.map((e) => h("li", {}, h("a", { href: `#/events/${encodeURIComponent(e.id)}` }, e.topic), ` · ${fmtTime(e.createdAt)}`)) : h("li", { class: "muted" }, "No events yet.")),
    );
    return h("li", { class: "card" },
      h("h2", {}, s.name, s.active ? null : h("span", { class: "badge badge-inactive" }, "inactive")),
      h("p", {}, "Verification: ", h("strong", {}, s.verification.type)),
      h("div", { class: "copy-row" }, h("code", {}, s.ingestUrl), copyButton(s.ingestUrl, "Copy ingest URL")),
      h("h3", {}, "Recent events"), recent);
  });
  replace(root, h("h1", { tabindex: "-1" }, "Inbound sources"), data.length ? h("ul", { class: "topic-list" }, cards) : h("p", { class: "empty" }, "No sources. Create one with POST /api/sources."));
}
