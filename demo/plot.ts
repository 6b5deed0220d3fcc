// Panel 4's plot: misses per 1,000 records in each slice of the trace, on a canvas.
// Tick values are i × step (never a running sum, whose rounding printed 0.6000000000000001)
// and their labels carry as many decimals as the step has; both axes' labels are left in
// the canvas's data-x-ticks / data-y-ticks (JSON) for the browser test.
import { $, fmt } from "./dom.js";
import type { ReplaySample } from "./replayWorker.js";

/** 1, 2 or 5 × a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  if (raw <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** 0, step, 2 × step, … up to max. */
export function ticks(max: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; i * step <= max * (1 + 1e-9); i++) out.push(i * step);
  return out;
}

/** A tick's label: the step's decimals (0.2 → "0.6"), thousands separated, ≥ 1,000 as "k" when `k`. */
export function tickLabel(v: number, step: number, k = false): string {
  if (k && v >= 1000) return `${fmt(v / 1000)}k`;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return decimals === 0 ? fmt(Math.round(v)) : fmt(Number(v.toFixed(decimals)));
}

type SeriesKey = "dtlbMisses" | "itlbMisses" | "stlbMisses" | "pageFaults";
const SERIES: { key: SeriesKey; name: string; color: string; dots?: boolean }[] = [
  { key: "dtlbMisses", name: "dTLB misses", color: "#1f4fd1" },
  { key: "itlbMisses", name: "iTLB misses", color: "#e8590c" },
  { key: "stlbMisses", name: "STLB misses (= walks)", color: "#9c36b5" },
  { key: "pageFaults", name: "page faults (first touch)", color: "#2b8a3e", dots: true },
];

export function drawPlot(samples: ReplaySample[]): void {
  const canvas = $<HTMLCanvasElement>("replay-plot");
  const dpr = window.devicePixelRatio || 1;
  const Wd = 760, Ht = 280;
  if (canvas.width !== Wd * dpr) { canvas.width = Wd * dpr; canvas.height = Ht * dpr; canvas.style.width = `${Wd}px`; canvas.style.height = `${Ht}px`; }
  const g = canvas.getContext("2d")!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, Wd, Ht);
  const L = 58, Rm = 14, T = 30, B = 40;
  const pw = Wd - L - Rm, ph = Ht - T - B;
  g.fillStyle = "#1f2430";
  g.font = "bold 12px system-ui, sans-serif";
  g.fillText("Misses over time: per 1,000 records, in each 32 KiB slice of the trace", L, 14);
  g.font = "11px system-ui, sans-serif";
  const pts: { x: number; ys: number[] }[] = [];
  for (let i = 0; i < samples.length; i++) {
    const a = i > 0 ? samples[i - 1]! : { records: 0, itlbMisses: 0, dtlbMisses: 0, stlbMisses: 0, pageFaults: 0 } as ReplaySample;
    const b = samples[i]!;
    const dr = b.records - a.records;
    if (dr <= 0) continue;
    pts.push({ x: b.records, ys: SERIES.map((s) => ((b[s.key] - a[s.key]) * 1000) / dr) });
  }
  const xmax = Math.max(1, pts.at(-1)?.x ?? 1);
  const rawYmax = Math.max(1, ...pts.flatMap((p) => p.ys));
  const ystep = niceStep(rawYmax / 5);
  const ymax = Math.ceil(rawYmax / ystep) * ystep;
  const xstep = Math.max(1, niceStep(xmax / 6));                 // records are whole numbers
  const X = (v: number) => L + (v / xmax) * pw, Y = (v: number) => T + ph - (v / ymax) * ph;
  // Axes and grid.
  g.strokeStyle = "#e5e7eb";
  g.fillStyle = "#6b7280";
  g.lineWidth = 1;
  g.textAlign = "right";
  const yLabels: string[] = [];
  for (const v of ticks(ymax, ystep)) {
    g.beginPath(); g.moveTo(L, Y(v)); g.lineTo(L + pw, Y(v)); g.stroke();
    yLabels.push(tickLabel(v, ystep));
    g.fillText(yLabels.at(-1)!, L - 6, Y(v) + 4);
  }
  g.textAlign = "center";
  const xLabels: string[] = [];
  for (const v of ticks(xmax, xstep)) {
    xLabels.push(tickLabel(v, xstep, true));
    g.fillText(xLabels.at(-1)!, X(v), T + ph + 14);
  }
  canvas.dataset.xTicks = JSON.stringify(xLabels);
  canvas.dataset.yTicks = JSON.stringify(yLabels);
  g.fillText("records replayed", L + pw / 2, Ht - 6);
  g.save(); g.translate(14, T + ph / 2); g.rotate(-Math.PI / 2); g.fillText("misses per 1,000 records", 0, 0); g.restore();
  g.strokeStyle = "#9ca3af";
  g.strokeRect(L, T, pw, ph);
  if (pts.length === 0) {
    g.fillStyle = "#9ca3af";
    g.fillText("(replay a trace to plot its misses)", L + pw / 2, T + ph / 2);
    return;
  }
  SERIES.forEach((s, k) => {
    g.strokeStyle = s.color;
    if (s.dots) {                       // markers, so a series equal to another stays visible
      g.lineWidth = 1.3;
      for (const p of pts) {
        if (p.ys[k]! <= 0) continue;
        g.beginPath(); g.arc(X(p.x), Y(p.ys[k]!), 3, 0, 2 * Math.PI); g.stroke();
      }
      return;
    }
    g.lineWidth = 1.6;
    g.beginPath();
    pts.forEach((p, i) => (i ? g.lineTo(X(p.x), Y(p.ys[k]!)) : g.moveTo(X(p.x), Y(p.ys[k]!))));
    g.stroke();
  });
  // Legend.
  g.textAlign = "left";
  let lx = L + 8;
  for (const s of SERIES) {
    g.fillStyle = s.color;
    if (s.dots) { g.strokeStyle = s.color; g.beginPath(); g.arc(lx + 7, T + 9.5, 3, 0, 2 * Math.PI); g.stroke(); }
    else g.fillRect(lx, T + 8, 14, 3);
    g.fillStyle = "#1f2430";
    g.fillText(s.name, lx + 18, T + 13);
    lx += 26 + g.measureText(s.name).width;
  }
}
