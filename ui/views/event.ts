import { api } from "../api";
import { fmtTime, h, replace, statusBadge } from "../dom";
import { poll, type Cleanup } from "../router";
import { loadSession } from "../session";
import type { EventDetail } from "../types";
import { notice } from "./notice";

/** One event: its payload, each webhook's delivery state, and replay to all or to the ones ticked. */
export async function eventView(root: HTMLElement, params: Record<string, string>): Promise<Cleanup> {
  const id = params.id!;
  const readOnly = loadSession()?.readOnly ?? false;
  const msg = notice();
  const states = h("div", {});
  const head = h("div", {});

  async function refresh() {
    const e = await api<EventDetail>("GET", `/api/events/${encodeURIComponent(id)}`);
    if (!head.childElementCount) {
      replace(head,
        h("h1", { tabindex: "-1" }, `Event ${e.topic}`),
        h("dl", { class: "facts" }, h("dt", {}, "ID"), h("dd", { class: "mono" }, e.id), h("dt", {}, "Channel"), h("dd", {}, e.channel ?? "—"), h("dt", {}, "Created"), h("dd", {}, fmtTime(e.createdAt))),
        h("section", { class: "card", "aria-labelledby": "payload-h" }, h("h2", { id: "payload-h" }, "Payload"), h("pre", { class: "body", tabindex: "0" }, JSON.stringify(e.payload, null, 2))));
    }
    const ticked = new Set([...states.querySelectorAll<HTMLInputElement>("input[type=checkbox]:checked")].map((c) => c.value));
    replace(states, e.deliveries.length
      ? h("div", { class: "table-wrap" }, h("table", {},
          h("caption", { class: "sr-only" }, "Delivery state per webhook"),
          h("thead", {}, h("tr", {}, [readOnly ? null : "Replay", "Webhook", "State", "Attempts", "HTTP", "Last attempt", "Next attempt"].filter(Boolean).map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, e.deliveries.map((d) => h("tr", {},
            readOnly ? null : h("td", {}, h("input", { type: "checkbox", value: d.webhookId, "aria-label": `Replay to ${d.webhookId}`, checked: ticked.has(d.webhookId) })),
            h("td", {}, h("a", { href: `#/webhooks/${d.webhookId}`, class: "mono" }, d.webhookId)),
            h("td", {}, statusBadge(d.state)), h("td", {}, d.attempts), h("td", {}, d.httpStatus ?? "—"),
            h("td", {}, fmtTime(d.lastAttemptAt)), h("td", {}, fmtTime(d.nextAttemptAt)))))))
      : h("p", { class: "empty" }, "No webhook matched this event."));
  }

  async function replay(selected: boolean) {
    const webhookIds = [...states.querySelectorAll<HTMLInputElement>("input[type=checkbox]:checked")].map((c) => c.value);
    if (selected && !webhookIds.length) return msg.show("Tick the webhooks to replay to.", "error");
    await msg.run(() => api("POST", `/api/events/${encodeURIComponent(id)}/replay`, selected ? { webhookIds } : {}), selected ? `Replay queued for ${webhookIds.length} webhook(s).` : "Replay queued for every matching webhook.");
    await refresh();
  }

  const actions = readOnly ? null : h("div", { class: "actions" },
    h("button", { type: "button", onclick: () => void replay(false) }, "Replay to all"),
    h("button", { type: "button", class: "secondary", onclick: () => void replay(true) }, "Replay to selected"));
  replace(root, head, h("section", { class: "card", "aria-labelledby": "deliveries-h" }, h("h2", { id: "deliveries-h" }, "Deliveries"), actions, msg.el, states));
  await refresh();
  return poll(refresh, 2000);
}
