/** Hash routes (#/webhooks/wh_…): the server serves one page per app, and ids never reach a server log. */
export type Cleanup = () => void;
export type View = (root: HTMLElement, params: Record<string, string>) => Promise<Cleanup | void> | Cleanup | void;

interface Route {
  pattern: RegExp;
  names: string[];
  view: View;
}

export class Router {
  private routes: Route[] = [];
  private cleanup: Cleanup | null = null;
  private rendered = false;

  constructor(private root: HTMLElement, private fallback: string) {}

  add(path: string, view: View): this {
    const names: string[] = [];
    const pattern = new RegExp(`^${path.replace(/:(\w+)/g, (_, n: string) => (names.push(n), "([^/]+)"))}$`);
    this.routes.push({ pattern, names, view });
    return this;
  }

  start(): void {
    window.addEventListener("hashchange", () => void this.render());
    void this.render();
  }

  async render(): Promise<void> {
    this.cleanup?.();
    this.cleanup = null;
    const path = location.hash.replace(/^#/, "").split("?")[0] || "";
    for (const r of this.routes) {
      const m = path.match(r.pattern);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
      this.root.replaceChildren();
      try {
        this.cleanup = (await r.view(this.root, params)) ?? null;
      } catch (e) {
        this.root.replaceChildren();
        const h1 = document.createElement("h1");
        h1.tabIndex = -1;
        h1.textContent = "This page could not be loaded";
        const p = document.createElement("p");
        p.setAttribute("role", "alert");
        p.textContent = (e as Error).message;
        this.root.append(h1, p);
      }
      // After a route change, focus the new page's heading so keyboard and screen-reader users land on
      // it; on the first page the browser's own order (skip link first) stays.
      if (this.rendered) this.root.querySelector<HTMLElement>("h1")?.focus();
      this.rendered = true;
      return;
    }
    location.hash = this.fallback;
  }
}

/** Runs `tick` now and every `everyMs` while the page is visible; the returned function stops it. */
export function poll(tick: () => Promise<void>, everyMs: number): Cleanup {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    if (stopped) return;
    if (document.visibilityState === "visible") await tick().catch(() => undefined);
    if (!stopped) timer = setTimeout(run, everyMs);
  };
  timer = setTimeout(run, everyMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
