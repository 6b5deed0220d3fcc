// --plot: the study's results as a Vega-Lite spec (platform-neutral: the demo page renders
// the same spec in the browser) and its SVG, rendered by vega without a browser (headless
// view, renderer "none"). A sweep plots the swept TLB's misses per 1,000 instructions
// (MPKI: instructions = fetch records) and its miss rate against its size (entries, log
// scale); intervals plot STLB misses (and MPKI) per interval over the trace. One line per
// trace (and per value of any other swept parameter); every axis titled, so the picture
// reads without the JSON.
import type { StudyElement } from "./types.js";

type Spec = Record<string, unknown>;

const TLBS = ["itlb", "dtlb", "stlb"] as const;
const NAMES: Record<string, string> = { itlb: "iTLB", dtlb: "dTLB", stlb: "STLB" };

/** The TLB a sweep varies (its first swept TLB parameter), or null. */
function sweptTlb(elements: StudyElement[]): (typeof TLBS)[number] | null {
  const keys = elements.length > 0 ? Object.keys(elements[0]!.config) : [];
  for (const k of keys) {
    const t = k.split(".")[0] as (typeof TLBS)[number];
    if ((TLBS as readonly string[]).includes(t) && (k === t || k === `${t}.entries` || k === `${t}.ways`)) return t;
  }
  return null;
}

/** A series' name: the trace, then the swept values other than the one on the x axis. */
function series(e: StudyElement, xKey: string | null): string {
  const rest = Object.entries(e.config).filter(([k]) => k !== xKey).map(([k, v]) => `${k}=${v}`);
  return [e.trace ?? "all traces", ...rest].join(" · ");
}

const mpki = (misses: number, instructions: number) => (instructions > 0 ? (1000 * misses) / instructions : null);

/** The Vega-Lite spec of a sweep: MPKI and miss rate of the swept TLB against its entries. */
export function sweepSpec(elements: StudyElement[]): Spec {
  const own = elements.filter((e) => e.trace !== null);
  const tlb = sweptTlb(own) ?? "stlb";
  const xKey = Object.keys(own[0]?.config ?? {}).find((k) => k.split(".")[0] === tlb) ?? null;
  const name = NAMES[tlb]!;
  const rows = own.map((e) => {
    const r = e.report as unknown as Record<string, number>;
    const misses = r[`${tlb}_misses`]!, hits = r[`${tlb}_hits`]!;
    return {
      series: series(e, xKey), entries: r[`${tlb}_entries`]!, geometry: `${r[`${tlb}_entries`]}/${r[`${tlb}_ways`]}`,
      mpki: mpki(misses, r.records_i!), missRate: hits + misses > 0 ? (100 * misses) / (hits + misses) : null,
    };
  });
  const x = { field: "entries", type: "quantitative", scale: { type: "log", base: 2 }, title: `${name} entries (log scale)` };
  const color = { field: "series", type: "nominal", title: "trace", legend: { labelLimit: 600 } };
  const chart = (field: string, title: string) => ({
    width: 480, height: 220,
    mark: { type: "line", point: true },
    encoding: { x, y: { field, type: "quantitative", title }, color, tooltip: [{ field: "series" }, { field: "geometry" }, { field, type: "quantitative", format: ".3f" }] },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${name} misses against its size`,
    data: { values: rows },
    vconcat: [chart("mpki", `${name} misses per 1,000 instructions (MPKI)`), chart("missRate", `${name} miss rate (%)`)],
  };
}

/** The Vega-Lite spec of intervals: STLB misses and MPKI per interval against the records replayed. */
export function intervalSpec(elements: StudyElement[]): Spec {
  const rows = elements.filter((e) => e.trace !== null).flatMap((e) => (e.intervals ?? []).map((r) => ({
    series: series(e, null), records: r.records_end, misses: r.stlb_misses, mpki: mpki(r.stlb_misses, r.fetch_records),
  })));
  const x = { field: "records", type: "quantitative", title: "records replayed (end of interval)" };
  const color = { field: "series", type: "nominal", title: "trace", legend: { labelLimit: 600 } };
  const chart = (field: string, title: string) => ({
    width: 480, height: 220, mark: { type: "line", point: true },
    encoding: { x, y: { field, type: "quantitative", title }, color },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "STLB misses over time",
    data: { values: rows },
    vconcat: [chart("misses", "STLB misses per interval"), chart("mpki", "STLB misses per 1,000 instructions (MPKI)")],
  };
}

/** The plot of a study: intervals when there are any, else the sweep. */
export function studySpec(elements: StudyElement[]): Spec {
  return elements.some((e) => (e.intervals?.length ?? 0) > 0) ? intervalSpec(elements) : sweepSpec(elements);
}

/** Render a Vega-Lite spec to SVG with vega (loaded on first use: only --plot pays for it). */
export async function renderSvg(spec: Spec): Promise<string> {
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
