/**
 * Two small SVG charts drawn here (no chart library): stacked bars of attempts per minute by outcome,
 * and p50/p95 latency lines. Colours come from CSS classes so the theme owns them.
 */
import type { Series } from "./types";

const NS = "http://www.w3.org/2000/svg";
const W = 720;
const H = 140;
const PAD = 28;

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function timeAxis(root: SVGSVGElement, series: Series): void {
  const first = series.buckets[0];
  if (!first) return;
  const from = svg("text", { x: PAD, y: H - 10, class: "tick" });
  from.textContent = new Date(first.start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const now = svg("text", { x: W - 2, y: H - 10, class: "tick", "text-anchor": "end" });
  now.textContent = "now";
  root.append(from, now);
}

function frame(label: string, max: number, unit: string): SVGSVGElement {
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "chart" }) as SVGSVGElement;
  root.append(svg("line", { x1: PAD, y1: H - PAD, x2: W, y2: H - PAD, class: "axis" }));
  const top = svg("text", { x: 2, y: 12, class: "tick" });
  top.textContent = `${max}${unit}`;
  const zero = svg("text", { x: 2, y: H - PAD, class: "tick" });
  zero.textContent = `0`;
  root.append(top, zero);
  return root;
}

export function countsChart(series: Series): SVGSVGElement {
  const b = series.buckets;
  const max = Math.max(1, ...b.map((x) => x.succeeded + x.failed + x.retrying));
  const t = series.totals;
  const root = frame(`Attempts per minute: ${t.succeeded} succeeded, ${t.failed} failed, ${t.retrying} retrying`, max, "");
  timeAxis(root, series);
  const step = (W - PAD) / b.length;
  const scale = (H - PAD - 4) / max;
  b.forEach((x, i) => {
    let y = H - PAD;
    for (const k of ["succeeded", "retrying", "failed"] as const) {
      if (!x[k]) continue;
      const hgt = x[k] * scale;
      y -= hgt;
      root.append(svg("rect", { x: PAD + i * step, y, width: Math.max(1, step - 0.5), height: hgt, class: `bar-${k}` }));
    }
  });
  return root;
}

export function latencyChart(series: Series): SVGSVGElement {
  const b = series.buckets;
  const max = Math.max(1, ...b.map((x) => x.p95Ms ?? 0));
  const root = frame(`Latency per minute: p50 ${series.totals.p50Ms ?? "—"} ms, p95 ${series.totals.p95Ms ?? "—"} ms`, max, " ms");
  timeAxis(root, series);
  const step = (W - PAD) / b.length;
  const scale = (H - PAD - 4) / max;
  for (const k of ["p50Ms", "p95Ms"] as const) {
    const points = b.flatMap((x, i) => (x[k] === null ? [] : [`${(PAD + (i + 0.5) * step).toFixed(1)},${(H - PAD - x[k]! * scale).toFixed(1)}`]));
    if (points.length) root.append(svg("polyline", { points: points.join(" "), class: `line-${k}` }));
    for (const p of points.length === 1 ? points : []) {
      const [cx, cy] = p.split(",");
      root.append(svg("circle", { cx: cx!, cy: cy!, r: 3, class: `line-${k}` }));
    }
  }
  return root;
}
