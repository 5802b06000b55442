import type { Topic } from "../types";
import { api } from "../api";
import { h, replace } from "../dom";


/** The topics catalog: built-in and the account's own, with descriptions and example payloads. */
export async function topicsView(root: HTMLElement): Promise<void> {
  const { data } = await api<{ data: Topic[] }>("GET", "/api/webhooks/topics");
  replace(root,
    h("h1", { tabindex: "-1" }, "Topics"),
    h("p", { class: "muted" }, `${data.length} topics. Subscribe to exact names, a prefix.* or *.`),
    h("ul", { class: "topic-list" }, data.map((t) => h("li", { class: "card" },
      h("h2", { class: "mono" }, t.name),
      h("p", {}, t.description ?? "—", t.systems.length ? h("span", { class: "muted" }, ` · ${t.systems.join(", ")}`) : null, t.builtIn ? null : h("span", { class: "badge" }, "custom")),
      t.example === undefined ? null : h("details", {}, h("summary", {}, "Example payload"), h("pre", { class: "body" }, JSON.stringify(t.example, null, 2)))))));
}
