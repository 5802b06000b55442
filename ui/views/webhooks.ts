import { api, qs, type Page } from "../api";
import { fmtTime, h, replace, statusBadge } from "../dom";
import { loadSession } from "../session";
import type { Stats, Webhook } from "../types";
import { notice } from "./notice";

/** The webhook list: status, topics, success rate and last delivery; a toggle for deleted ones (restorable). */
export async function webhooksView(root: HTMLElement): Promise<void> {
  const readOnly = loadSession()?.readOnly ?? false;
  const deletedToggle = h("input", { type: "checkbox", id: "show-deleted" });
  const body = h("div", {});
  const msg = notice();
  let cursor: string | null = null;

  async function load(reset: boolean) {
    if (reset) cursor = null;
    const deleted = deletedToggle.checked;
    const page = await api<Page<Webhook>>("GET", `/api/webhooks${qs({ limit: 50, cursor, deleted: deleted ? "true" : null })}`);
    const rows = page.data.map((w) => row(w, deleted));
    const more = page.nextCursor
      ? h("button", { type: "button", class: "secondary", onclick: () => ((cursor = page.nextCursor), void load(false)) }, "Next page")
      : null;
    replace(
      body,
      page.data.length
        ? h("div", { class: "table-wrap" },
            h("table", {},
              h("caption", { class: "sr-only" }, deleted ? "Deleted webhooks" : "Webhooks"),
              h("thead", {}, h("tr", {}, ["Webhook", "Status", "Topics", "Success rate", "Last delivery", deleted ? "Actions" : null].filter(Boolean).map((t) => h("th", { scope: "col" }, t)))),
              h("tbody", {}, rows)))
        : h("p", { class: "empty" }, deleted ? "No deleted webhooks." : "No webhooks yet."),
      more,
    );
    if (!deleted) for (const w of page.data) void fillStats(w.id);
  }

  function row(w: Webhook, deleted: boolean): HTMLElement {
    const restore = h("button", { type: "button", class: "secondary" }, "Restore");
    restore.addEventListener("click", async () => {
      await msg.run(() => api("POST", `/api/webhooks/${w.id}/restore`), `Restored ${w.url}`);
      await load(true);
    });
    return h("tr", { "data-id": w.id },
      h("td", {}, deleted ? w.url : h("a", { href: `#/webhooks/${w.id}` }, w.url), w.description ? h("div", { class: "muted" }, w.description) : null),
      h("td", {}, statusBadge(w.status)),
      h("td", {}, w.topics.join(", ")),
      h("td", { class: "rate" }, "…"),
      h("td", { class: "last" }, "…"),
      deleted ? h("td", {}, readOnly ? null : restore) : null,
    );
  }

  async function fillStats(id: string) {
    const s = await api<Stats>("GET", `/api/webhooks/${id}/stats`).catch(() => null);
    const tr = body.querySelector(`tr[data-id="${id}"]`);
    if (!tr || !s) return;
    tr.querySelector(".rate")!.textContent = s.totalSent ? `${Math.round((100 * s.successful) / s.totalSent)}% of ${s.totalSent}` : "—";
    tr.querySelector(".last")!.textContent = fmtTime(s.lastDelivery);
  }

  deletedToggle.addEventListener("change", () => void load(true));
  replace(
    root,
    h("div", { class: "page-head" },
      h("h1", { tabindex: "-1" }, "Webhooks"),
      readOnly ? null : h("a", { href: "#/webhooks/new", class: "button" }, "New webhook")),
    h("div", { class: "toolbar" }, h("label", { for: "show-deleted", class: "check" }, deletedToggle, " Show deleted")),
    msg.el,
    body,
  );
  await load(true);
}
