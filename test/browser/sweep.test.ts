// The demo's sweep panel (panel 6) in Chromium: a sweep of three STLB sizes over the
// bundled sample, run in the page's Worker by the library's study engine, shows the
// `--plot` SVG with one point per value in each of its two charts (MPKI, miss rate), at
// the places the CLI's SVG puts them, and a table whose numbers are the reports `wasm-mmu
// study` gives for the same sweep (computed here with the same API the CLI calls). A bad
// value is said in the panel. No console error, page error or failed request.
// Skipped (listed in the summary) only when Chromium is missing; under CI=true that fails.
import { afterAll, beforeAll, expect, test } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { describeInChromium, launchChromium, requestProblem } from "../helpers/browser.js";
import { expandConfigurations, parseSweep } from "../../src/study/config.js";
import { runStudy } from "../../src/study/study.js";
import { renderSvg, sweepSpec } from "../../src/study/plot.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SAMPLE = join(ROOT, "data", "sample.lackey.gz");
const VALUES = ["64/4", "256/8", "1536/12"];
const COLUMNS = ["translations", "itlb_misses", "dtlb_misses", "stlb_hits", "stlb_misses", "walks", "page_faults"];

interface DemoScript {
  buildDemo(opts?: { outdir?: string; quiet?: boolean }): Promise<string>;
  serveDemo(opts?: { dir?: string; port?: number }): Promise<{ url: string; close(): Promise<void> }>;
}

let ctx: BrowserContext;
let page: Page;
let close: (() => Promise<void>) | undefined;
let outdir = "";
const problems: string[] = [];

async function runSweep(param: string, values: string): Promise<string> {
  await page.getByTestId("sweep-param").selectOption(param);
  await page.getByTestId("sweep-values").fill(values);
  await page.getByTestId("sweep-run").click();
  await page.waitForSelector("#sweep-panel[data-state='done'], #sweep-panel[data-state='error']", { timeout: 60_000 });
  return (await page.getByTestId("sweep-panel").getAttribute("data-state"))!;
}

/** The translate(x,y) of each point of an SVG's charts, chart by chart (the page's DOM or the CLI's text). */
const POINTS_IN_PAGE = () => Array.from(document.querySelectorAll("#sweep-plot [aria-roledescription='symbol mark container']"))
  .map((g) => Array.from(g.querySelectorAll("[aria-roledescription='point']")).map((p) => p.getAttribute("transform")));

describeInChromium("the demo's sweep panel in Chromium", () => {
  beforeAll(async () => {
    const script = pathToFileURL(join(ROOT, "scripts", "demo.mjs")).href;
    const demo = (await import(script)) as DemoScript;
    outdir = mkdtempSync(join(tmpdir(), "wasm-mmu-sweep-demo-"));
    await demo.buildDemo({ outdir, quiet: true });
    const server = await demo.serveDemo({ dir: outdir, port: 0 });
    close = server.close;
    ctx = await launchChromium();
    page = await ctx.newPage();
    await page.setViewportSize({ width: 1500, height: 1000 });
    page.on("pageerror", (e) => problems.push(`pageerror: ${String(e)}`));
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
    page.on("requestfailed", (r) => { void requestProblem(r).then((p) => { if (p) problems.push(p); }); });
    await page.goto(server.url);
    await page.waitForSelector("body[data-ready='1']", { timeout: 20_000 });
  }, 40_000);

  afterAll(async () => {
    await ctx?.close();
    await close?.();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  test("stlb over three sizes: the plot has one point per value, the table the study's numbers", async () => {
    const items = await runStudy([SAMPLE], expandConfigurations(null, [parseSweep(`stlb=${VALUES.join(",")}`)]), { jobs: 1 });
    const want = items.map((i) => i.element);
    // The sizes do differ on the sample (64/4 misses more), so the table cannot pass by repeating one row.
    expect(want[0]!.report.stlb_misses).toBeGreaterThan(want[2]!.report.stlb_misses);

    expect(await runSweep("stlb", VALUES.join(","))).toBe("done");
    // The table: one row per value, in order, each cell the report's number.
    const rows = await page.$$eval("[data-testid='sweep-results'] tr[data-value]", (trs) => trs.map((tr) => ({
      value: tr.getAttribute("data-value"),
      cells: Array.from(tr.querySelectorAll("td[data-value]")).map((td) => td.getAttribute("data-value")),
    })));
    expect(rows.map((r) => r.value)).toEqual(VALUES);
    rows.forEach((row, i) => {
      const r = want[i]!.report as unknown as Record<string, number>;
      expect(row.cells.slice(0, COLUMNS.length)).toEqual(COLUMNS.map((k) => String(r[k])));
      expect(Number(row.cells[COLUMNS.length])).toBeCloseTo((1000 * r.stlb_misses!) / r.records_i!, 3);
    });
    // Every report key for key, as the page holds them.
    const reports = JSON.parse((await page.getByTestId("sweep-results").getAttribute("data-json"))!);
    expect(reports).toEqual(want.map((e) => e.report));

    // The plot: two charts (MPKI, miss rate), three points each, where the CLI's SVG has them.
    const inPage = await page.evaluate(POINTS_IN_PAGE);
    expect(inPage.map((c) => c.length)).toEqual([3, 3]);
    const cli = new DOMParserLike(await renderSvg(sweepSpec(want))).points();
    expect(inPage).toEqual(cli);
    expect(await page.locator("#sweep-plot svg").count()).toBe(1);
    await expect.poll(() => page.getByTestId("sweep-plot").textContent()).toContain("STLB misses per 1,000 instructions");
    expect(problems).toEqual([]);
  }, 90_000);

  test("a bad value is said in the panel, naming it", async () => {
    expect(await runSweep("stlb", "65/4")).toBe("error");
    expect(await page.getByTestId("sweep-status").textContent()).toContain("65/4");
    expect(await page.getByTestId("sweep-status").textContent()).toContain("not a multiple of ways 4");
    expect(problems).toEqual([]);
  }, 60_000);
});

/** The points of the CLI's SVG text, chart by chart: the same selection as POINTS_IN_PAGE, by regular expression. */
class DOMParserLike {
  constructor(private readonly svg: string) {}
  points(): (string | null)[][] {
    return this.svg.split('aria-roledescription="symbol mark container"').slice(1).map((part) => {
      const chart = part.split('aria-roledescription="line mark container"')[0]!;
      return [...chart.matchAll(/<path[^>]*aria-roledescription="point"[^>]*>/g)].map((m) => /transform="([^"]*)"/.exec(m[0])?.[1] ?? null);
    });
  }
}
