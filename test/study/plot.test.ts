// --plot: the Vega-Lite spec's numbers come from the reports (MPKI = misses per 1,000
// fetch records; miss rate = misses / lookups), and vega renders it to an SVG with one
// line per trace per chart, the axes titled and the traces in the legend.
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { renderSvg, studySpec, sweepSpec } from "../../src/study/plot.js";
import type { StudyElement } from "../../src/study/types.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function element(trace: string | null, stlb: string, records_i: number, hits: number, misses: number): StudyElement {
  const [e, w] = stlb.split("/").map(Number);
  return { trace, config: { stlb }, report: { stlb_entries: e, stlb_ways: w, records_i, stlb_hits: hits, stlb_misses: misses } as never };
}

/** The line paths of each chart of a vega SVG: one path per series. */
const linePaths = (svg: string) => [...svg.matchAll(/<g class="mark-line role-mark (concat_\d)_layer_0_marks"[^>]*>(.*?)<\/g>/g)]
  .map((m) => [m[1], (m[2]!.match(/<path /g) ?? []).length] as const);

describe("the sweep plot", () => {
  const elements = [
    element("a.gz", "64/4", 2000, 30, 10), element("a.gz", "1536/12", 2000, 36, 4),
    element("b.gz", "64/4", 500, 0, 5), element("b.gz", "1536/12", 500, 3, 2),
    element(null, "64/4", 2500, 30, 15),                      // the traces together: not a line
  ];
  test("MPKI and miss rate of the swept TLB against its entries, per trace", () => {
    const values = (sweepSpec(elements).data as { values: Record<string, unknown>[] }).values;
    expect(values).toEqual([
      { series: "a.gz", entries: 64, geometry: "64/4", mpki: 5, missRate: 25 },
      { series: "a.gz", entries: 1536, geometry: "1536/12", mpki: 2, missRate: 10 },
      { series: "b.gz", entries: 64, geometry: "64/4", mpki: 10, missRate: 100 },
      { series: "b.gz", entries: 1536, geometry: "1536/12", mpki: 4, missRate: 40 },
    ]);
  });
  test("renders to SVG: titled axes, both traces in the legend, one line per trace in each chart", async () => {
    const svg = await renderSvg(sweepSpec(elements));
    expect(svg.startsWith("<svg")).toBe(true);
    for (const text of ["STLB entries (log scale)", "STLB misses per 1,000 instructions (MPKI)", "STLB miss rate (%)", "a.gz", "b.gz", ">trace<"]) {
      expect(svg).toContain(text);
    }
    expect(linePaths(svg)).toEqual([["concat_0", 1], ["concat_0", 1], ["concat_1", 1], ["concat_1", 1]].map(([c, n]) => [c, n]));
  });
});

describe("the interval plot and the CLI", () => {
  test("study --interval --plot draws STLB misses over the trace, one line per trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "wasm-mmu-plot-"));
    try {
      const svgPath = join(dir, "i.svg");
      const r = spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), "study", "--interval", "100000", "--plot", svgPath,
        join(ROOT, "data/sample.lackey.gz"), join(ROOT, "test/fixtures/traces/awk-wordfreq.lackey.gz")], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as StudyElement[];
      const svg = readFileSync(svgPath, "utf8");
      for (const text of ["STLB misses over time", "records replayed (end of interval)", "STLB misses per interval", "sample.lackey.gz", "awk-wordfreq.lackey.gz"]) {
        expect(svg).toContain(text);
      }
      expect(linePaths(svg).filter(([c]) => c === "concat_0")).toHaveLength(2);
      // The first point of the sample's line is its first interval's misses.
      const first = out[0]!.intervals![0]!;
      expect(svg).toContain(`records replayed (end of interval): ${first.records_end}; STLB misses per interval: ${first.stlb_misses}; trace: sample.lackey.gz`);
      expect(studySpec(out).title).toBe("STLB misses over time");
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
