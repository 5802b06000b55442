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
      this.cleanup = (await r.view(this.root, params)) ?? null;
      // Move focus to the new page's heading so keyboard and screen-reader users land on it.
      this.root.querySelector<HTMLElement>("h1")?.focus();
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
