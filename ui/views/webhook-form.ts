import { api, ApiFailure } from "../api";
import { field, h, replace } from "../dom";
import type { Webhook } from "../types";
import { notice } from "./notice";

/**
 * Create and edit. The API validates; its field errors (`details[].path` like `body.url` or
 * `body.delivery.timeoutMs`) are shown beside the field they name.
 */
const list = (text: string) => text.split(",").map((s) => s.trim()).filter(Boolean);

export async function webhookFormView(root: HTMLElement, params: Record<string, string>): Promise<void> {
  const editing = params.id ? await api<Webhook>("GET", `/api/webhooks/${params.id}`) : null;
  const url = h("input", { type: "url", name: "url", required: true, value: editing?.url ?? "", placeholder: "https://example.com/webhooks" });
  const description = h("input", { type: "text", name: "description", value: editing?.description ?? "" });
  const topics = h("input", { type: "text", name: "topics", required: true, value: editing?.topics.join(", ") ?? "*" });
  const channels = h("input", { type: "text", name: "channels", value: editing?.channels?.join(", ") ?? "" });
  const timeout = h("input", { type: "number", name: "timeoutMs", min: 1, value: editing?.delivery.timeoutMs ?? 15000 });
  const fields = {
    url: field("Endpoint URL", url, "Where deliveries are POSTed."),
    description: field("Description", description),
    topics: field("Topics", topics, "Comma-separated: exact names, prefix.* or *."),
    channels: field("Channels", channels, "Optional, comma-separated routing keys (for example a WhatsApp session id)."),
    timeoutMs: field("Timeout (ms)", timeout),
  };
  const byPath: Record<string, HTMLElement> = {
    "body.url": fields.url.error, "body.description": fields.description.error, "body.topics": fields.topics.error,
    "body.channels": fields.channels.error, "body.delivery.timeoutMs": fields.timeoutMs.error, "body.delivery": fields.timeoutMs.error,
  };
  const msg = notice();
  const submit = h("button", { type: "submit" }, editing ? "Save changes" : "Create webhook");
  const form = h("form", { class: "card", novalidate: true }, Object.values(fields).map((f) => f.row), h("div", { class: "actions" }, submit, h("a", { href: editing ? `#/webhooks/${editing.id}` : "#/webhooks", class: "button secondary" }, "Cancel")), msg.el);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const f of Object.values(fields)) {
      f.error.textContent = "";
      f.row.querySelector("input")?.removeAttribute("aria-invalid");
    }
    const body: Record<string, unknown> = {
      url: url.value.trim(),
      description: description.value.trim() || null,
      topics: list(topics.value),
      delivery: { timeoutMs: Number(timeout.value) },
    };
    const ch = list(channels.value);
    if (ch.length || editing?.channels) body.channels = ch.length ? ch : null;
    if (!editing && body.description === null) delete body.description;
    submit.disabled = true;
    try {
      const saved = await api<Webhook>(editing ? "PUT" : "POST", editing ? `/api/webhooks/${editing.id}` : "/api/webhooks", body);
      location.hash = `#/webhooks/${saved.id}`;
    } catch (e) {
      if (!(e instanceof ApiFailure)) throw e;
      let placed = false;
      let first: HTMLElement | null = null;
      for (const d of e.details) {
        // body.topics.0 → body.topics; the nearest named field takes the message.
        const key = Object.keys(byPath).find((p) => d.path === p || d.path.startsWith(`${p}.`));
        if (!key) continue;
        const slot = byPath[key]!;
        slot.textContent = slot.textContent ? `${slot.textContent} ${d.message}` : d.message;
        const input = slot.parentElement?.querySelector("input") ?? null;
        input?.setAttribute("aria-invalid", "true");
        first ??= input;
        placed = true;
      }
      msg.show(placed ? "Please fix the highlighted fields." : `${e.message}${e.details.length ? `: ${e.details.map((d) => `${d.path} ${d.message}`).join("; ")}` : ""}`, "error");
      first?.focus();
    } finally {
      submit.disabled = false;
    }
  });
  replace(root, h("h1", { tabindex: "-1" }, editing ? `Edit webhook` : "New webhook"), form);
}
