/**
 * A tiny element builder. Text always goes in as text nodes (never innerHTML), so API data such as
 * response bodies or payloads cannot inject markup; that and a script-src 'self' CSP are the XSS story.
 */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function replace(target: Element, ...children: (Child | Child[])[]): void {
  target.replaceChildren();
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) target.append(child instanceof Node ? child : String(child));
}

let idCounter = 0;
export const uid = (prefix: string) => `${prefix}-${++idCounter}`;

/** A labelled form field with a slot for the API's error for it (shown beside the field). */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): { row: HTMLElement; error: HTMLElement } {
  const id = input.id || uid("f");
  input.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  input.setAttribute("aria-describedby", [hintEl ? `${id}-hint` : "", `${id}-error`].filter(Boolean).join(" "));
  return { row: h("div", { class: "field" }, h("label", { for: id }, label), input, hintEl, error), error };
}

export const fmtTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : "—");

export function statusBadge(status: string): HTMLElement {
  return h("span", { class: `badge badge-${status}` }, status);
}

export function copyButton(text: string, label = "Copy"): HTMLButtonElement {
  const b = h("button", { type: "button", class: "secondary" }, label);
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = "Copied";
    } catch {
      b.textContent = "Copy failed: select the text";
    }
    setTimeout(() => (b.textContent = label), 1500);
  });
  return b;
}
