import { api, qs, type Page } from "../api";
import { field, fmtTime, h, replace, statusBadge } from "../dom";
import type { Call } from "../types";

/**
 * A webhook's attempts, newest first, filtered by status, topic and time, one page (50) at a time.
 * The first page refreshes by itself; an older page or an open response body is left alone.
 */
const PAGE_SIZE = 50;

export function attemptsPanel(webhookId: string) {
  const status = h("select", { name: "status" }, ["", "succeeded", "failed", "retrying"].map((s) => h("option", { value: s }, s || "any")));
  const topic = h("input", { type: "text", name: "topic", placeholder: "any" });
  const since = h("input", { type: "datetime-local", name: "since" });
  const filters = h("form", { class: "filters", role: "search" },
    field("Status", status).row, field("Topic", topic).row, field("Since", since).row,
    h("button", { type: "submit", class: "secondary" }, "Apply filters"));
  const table = h("div", {});
  const pager = h("div", { class: "actions" });
  let cursors: (string | null)[] = [null];

  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    cursors = [null];
    void refresh();
  });

  async function refresh(auto = false): Promise<void> {
    if (auto && (cursors.length > 1 || table.querySelector("details[open]"))) return;
    const cursor = cursors[cursors.length - 1];
    const page = await api<Page<Call>>("GET", `/api/webhooks/calls${qs({
      webhookId, limit: PAGE_SIZE, cursor, status: status.value, topic: topic.value.trim(), since: since.value ? new Date(since.value).toISOString() : null,
    })}`);
    replace(table, page.data.length
      ? h("div", { class: "table-wrap" }, h("table", {},
          h("caption", { class: "sr-only" }, "Delivery attempts, newest first"),
          h("thead", {}, h("tr", {}, ["Time", "Event", "Topic", "Attempt", "Status", "HTTP", "Duration", "Error", "Response"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, page.data.map(row))))
      : h("p", { class: "empty" }, "No attempts match."));
    const newer = h("button", { type: "button", class: "secondary", disabled: cursors.length === 1 }, "Newer");
    newer.addEventListener("click", () => (cursors.pop(), void refresh()));
    const older = h("button", { type: "button", class: "secondary", disabled: !page.nextCursor }, "Older");
    older.addEventListener("click", () => (cursors.push(page.nextCursor), void refresh()));
    replace(pager, newer, older, h("span", { class: "muted" }, `Page ${cursors.length}`));
  }

  const el = h("section", { class: "card", "aria-labelledby": `att-h-${webhookId}` }, h("h2", { id: `att-h-${webhookId}` }, "Attempts"), filters, table, pager);
  return { el, refresh };
}

function row(c: Call): HTMLElement {
  return h("tr", {},
    h("td", {}, fmtTime(c.createdAt)),
    h("td", {}, h("a", { href: `#/events/${encodeURIComponent(c.eventId)}`, class: "mono" }, c.eventId)),
    h("td", {}, c.topic),
    h("td", {}, c.attempt),
    h("td", {}, statusBadge(c.status)),
    h("td", {}, c.httpStatus ?? "—"),
    h("td", {}, c.durationMs === null ? "—" : `${c.durationMs} ms`),
    h("td", { class: "error-cell" }, c.error ?? ""),
    h("td", {}, c.responseBody ? h("details", {}, h("summary", {}, "View"), h("pre", { class: "body" }, pretty(c.responseBody))) : "—"),
  );
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
