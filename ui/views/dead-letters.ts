import type { DeadLetter } from "../types";
import { api, type Page } from "../api";
import { fmtTime, h, replace } from "../dom";
import { notice } from "./notice";


/** Queue messages that exhausted their retries, with redrive (admin key only). */
export async function deadLettersView(root: HTMLElement): Promise<void> {
  const msg = notice();
  const list = h("div", {});
  async function load() {
    const { data } = await api<Page<DeadLetter>>("GET", "/api/dead-letters?limit=100");
    replace(list, data.length
      ? h("div", { class: "table-wrap" }, h("table", {},
          h("thead", {}, h("tr", {}, ["Time", "Queue", "Attempts", "Message", ""].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, data.map((d) => h("tr", {},
            h("td", {}, fmtTime(d.createdAt)), h("td", {}, d.queue), h("td", {}, d.attempts),
            h("td", {}, h("details", {}, h("summary", {}, "View"), h("pre", { class: "body" }, JSON.stringify(d.body, null, 2)))),
            h("td", {}, h("button", { type: "button", class: "secondary", onclick: async () => { await msg.run(() => api("POST", `/api/dead-letters/${d.id}/redrive`), "Re-driven."); await load(); } }, "Redrive")))))))
      : h("p", { class: "empty" }, "No dead letters."));
  }
  replace(root, h("h1", { tabindex: "-1" }, "Dead letters"), msg.el, list);
  await load();
}
