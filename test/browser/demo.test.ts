// The demo page (npm run demo) in Debian's Chromium: build it with scripts/demo.mjs,
// serve it in-process on an ephemeral port, and drive each panel: a walk and its
// physical address, a flipped U/S or P bit and the #PF error code, fork + a child write
// and the COW split, RAM exhaustion and swap, and the bundled trace replayed in the
// page's Worker, compared key by key with the Node replay of the same file; an invalid
// VA said in the page, whole-number plot ticks, swap counted in one unit, the COW table's
// empty state, and no horizontal scrolling at 1280 px.
// Screenshots of every panel go to test-results/ (for people: the walk must read from
// the picture alone). Skipped (listed in the summary) only when Chromium is missing; under CI=true that fails.
import { afterAll, beforeAll, expect, test } from "vitest";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { describeInChromium, launchChromium, requestProblem } from "../helpers/browser.js";
import { replay } from "../../src/trace/replay.js";
import { REPORT_KEYS, type ReplayReport } from "../../src/trace/report.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const RESULTS = join(ROOT, "test-results");
const SAMPLE = join(ROOT, "data", "sample.lackey.gz");

interface DemoScript {
  buildDemo(opts?: { outdir?: string; quiet?: boolean }): Promise<string>;
  serveDemo(opts?: { dir?: string; port?: number }): Promise<{ url: string; close(): Promise<void> }>;
}

// The page's mapping (demo/walkState.ts MAPPINGS): the expectations below are computed from it.
const CODE = { va: 0x400000, pa: 0x200000 };        // 4 KiB, user, read-only
const HEAP = { va: 0x40000000, pa: 0x400000 };      // 2 MiB, user, writable, NX
const PF = { P: 1, W: 2, U: 4 };                    // #PF error code bits

let ctx: BrowserContext;
let page: Page;
let close: (() => Promise<void>) | undefined;
let outdir = "";
const problems: string[] = [];

const json = async <T>(testId: string, attr = "data-json"): Promise<T> =>
  JSON.parse((await page.getByTestId(testId).getAttribute(attr)) ?? "null") as T;
async function shot(testId: string, name: string): Promise<void> {
  await page.mouse.move(0, 0);                              // no hover highlight in the picture
  await page.getByTestId(testId).screenshot({ path: join(RESULTS, name) });
}

async function translate(va: number, kind: "read" | "write" | "fetch", cpl: 0 | 3): Promise<void> {
  await page.getByTestId("va-input").fill("0x" + va.toString(16));
  await page.getByTestId("kind-select").selectOption(kind);     // each change translates; the button makes it explicit
  await page.getByTestId("cpl-select").selectOption(String(cpl));
  await page.getByTestId("translate").click();
}

describeInChromium(
  "the demo page in Chromium",
  () => {
    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      const script = pathToFileURL(join(ROOT, "scripts", "demo.mjs")).href;
      const demo = (await import(script)) as DemoScript;
      outdir = mkdtempSync(join(tmpdir(), "wasm-mmu-demo-"));
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

    test("loads with no console errors and no Node built-ins", async () => {
      await expect(page.getByTestId("status").textContent()).resolves.toMatch(/^Ready\./);
      expect(problems, problems.join("\n")).toEqual([]);
    });

    test("walks an address: each level, the physical address, the TLB counting", async () => {
      await translate(CODE.va + 0x123, "read", 3);
      expect(await page.getByTestId("walk-pa").textContent()).toBe("0x" + (CODE.pa + 0x123).toString(16));
      for (const level of ["PML4", "PDPT", "PD", "PT"]) await expect(page.getByTestId(`step-${level}`).count()).resolves.toBe(1);
      // The page loaded with this same access translated once: this one is a dTLB hit.
      await expect(page.getByTestId("tlb-path").textContent()).resolves.toContain("dTLB hit");
      const counters = await json<{ dtlb: { hits: number; misses: number } }>("tlb-counters");
      expect(counters.dtlb.hits).toBeGreaterThanOrEqual(1);
      await shot("walk-panel", "demo-walk.png");

      // A 2 MiB page: three levels, 21 offset bits.
      await translate(HEAP.va + 0x12345, "read", 3);
      expect(await page.getByTestId("walk-pa").textContent()).toBe("0x" + (HEAP.pa + 0x12345).toString(16));
      await expect(page.getByTestId("step-PT").count()).resolves.toBe(0);
      await shot("walk-panel", "demo-walk-2m.png");
    });

    test("an invalid VA is said so in the page, and nothing of the previous walk stays drawn", async () => {
      await translate(CODE.va + 0x123, "read", 3);
      for (const bad of ["0x12g4", "0x1_0000_0000_0000_0000", ""]) {
        await page.getByTestId("va-input").fill(bad);
        await page.getByTestId("translate").click();
        await expect(page.getByTestId("walk-error").textContent()).resolves.toContain("is not a virtual address: type up to 16 hexadecimal digits");
        await expect(page.getByTestId("va-input").getAttribute("aria-invalid")).resolves.toBe("true");
        await expect(page.getByTestId("walk-pa").count()).resolves.toBe(0);
        await expect(page.locator("[data-testid^='step-']").count()).resolves.toBe(0);
        await expect(page.getByTestId("walk-chain").count()).resolves.toBe(0);
      }
      await expect(page.getByTestId("walk-error").textContent()).resolves.toMatch(/^An empty field is not/);
      await page.getByTestId("kind-select").selectOption("write");        // any other control says it too
      await expect(page.getByTestId("walk-error").count()).resolves.toBe(1);
      await page.getByTestId("tlb-invlpg").click();
      await expect(page.getByTestId("walk-error").count()).resolves.toBe(1);
      await translate(CODE.va + 0x123, "read", 3);                     // a valid one clears it
      await expect(page.getByTestId("walk-error").count()).resolves.toBe(0);
      await expect(page.getByTestId("va-input").getAttribute("aria-invalid")).resolves.toBeNull();
      expect(await page.getByTestId("walk-pa").textContent()).toBe("0x" + (CODE.pa + 0x123).toString(16));
    });

    test("flipping U/S or P in the PT entry faults with the decoded error code", async () => {
      await translate(CODE.va + 0x123, "read", 3);
      await page.getByTestId("toggle-PT-US").click();          // U/S=0: kernel only; a user read is a protection fault
      const fault = page.getByTestId("walk-fault");
      await expect(fault.getAttribute("data-error-code")).resolves.toBe(String(PF.P | PF.U));
      await expect(fault.textContent()).resolves.toContain("0x5 = P U: protection violation, read, user mode");
      await expect(page.getByTestId("toggle-PT-US").getAttribute("class")).resolves.toContain("deny");
      await shot("walk-panel", "demo-walk-fault-us.png");
      await page.getByTestId("toggle-PT-US").click();          // back: the walk succeeds again
      expect(await page.getByTestId("walk-pa").textContent()).toBe("0x" + (CODE.pa + 0x123).toString(16));

      await page.getByTestId("toggle-PT-P").click();           // P=0: not present
      await expect(page.getByTestId("walk-fault").getAttribute("data-error-code")).resolves.toBe(String(PF.U));
      await expect(page.getByTestId("walk-fault").textContent()).resolves.toContain("page not present");
      await shot("walk-panel", "demo-walk-fault-p.png");
      await page.getByTestId("toggle-PT-P").click();
      expect(await page.getByTestId("walk-pa").textContent()).toBe("0x" + (CODE.pa + 0x123).toString(16));

      // A user write to the read-only code page: P W U.
      await translate(CODE.va + 0x123, "write", 3);
      await expect(page.getByTestId("walk-fault").getAttribute("data-error-code")).resolves.toBe(String(PF.P | PF.W | PF.U));
    });

    test("an edit without INVLPG leaves a stale TLB entry, shown as such", async () => {
      await page.locator("#invlpg-on-edit").uncheck();
      await translate(CODE.va + 0x123, "read", 3);            // cached in the dTLB
      await page.getByTestId("toggle-PT-US").click();          // the tables now deny a user read...
      await page.getByTestId("translate").click();             // ...but the TLB still allows it
      await expect(page.getByTestId("tlb-path").textContent()).resolves.toContain("dTLB hit");
      await expect(page.getByTestId("tlb-stale").textContent()).resolves.toContain("Stale TLB entry");
      await expect(page.getByTestId("walk-fault").getAttribute("data-error-code")).resolves.toBe(String(PF.P | PF.U));
      await page.locator("#invlpg-on-edit").check();
      await page.getByTestId("toggle-PT-US").click();          // restore (and INVLPG)
      await page.getByTestId("translate").click();
      expect(await page.getByTestId("walk-pa").textContent()).toBe("0x" + (CODE.pa + 0x123).toString(16));
      await expect(page.getByTestId("tlb-stale").count()).resolves.toBe(0);
    });

    test("the TLB fills its sets, evicts, and flushes", async () => {
      await page.getByTestId("tlb-sweep").click();
      const after = await json<{ dtlb: { evictions: number; misses: number } }>("tlb-counters");
      expect(after.dtlb.evictions).toBeGreaterThan(0);
      await expect(page.locator("[data-testid^='tlb-d-'].v").count()).resolves.toBe(64);   // 16 sets × 4 ways, all full
      await translate(0x10000000 + 79 * 4096, "read", 3);     // the last page swept: still cached
      await expect(page.getByTestId("tlb-path").textContent()).resolves.toContain("dTLB hit");
      await expect(page.locator("[data-testid^='tlb-d-'].hit").count()).resolves.toBe(1);
      await shot("tlb-panel", "demo-tlb.png");
      await page.getByTestId("tlb-flush").click();
      await expect(page.locator("[data-testid^='tlb-d-'].v").count()).resolves.toBe(0);
    });

    test("fork + a child write splits the COW frame; exhausting RAM swaps", async () => {
      type Snap = { parentFrame: number | null; childFrame: number | null; pgfault: number; anonFrames: number; freeFrames: number };
      type Cow = { parentPid: number; childPid: number; before: Snap; after: Snap };
      // Before fork() nothing is shared: the COW box says so instead of showing a table.
      await expect(page.getByTestId("cow-empty").textContent()).resolves.toContain("No fork yet");
      await expect(page.locator("#cow-counters table").count()).resolves.toBe(0);
      await expect(json<Cow | null>("cow-counters")).resolves.toBeNull();
      await page.getByTestId("fork").click();
      await expect(page.getByTestId("cow-empty").count()).resolves.toBe(0);
      const forked = await json<Cow>("cow-counters");
      expect(forked.childPid).not.toBe(forked.parentPid);
      expect(forked.after.parentFrame).not.toBeNull();
      expect(forked.after.childFrame).toBe(forked.after.parentFrame);          // shared after fork

      await page.getByTestId("child-write").click();
      const cow = await json<Cow>("cow-counters");
      expect(cow.before.childFrame).toBe(cow.before.parentFrame);
      expect(cow.after.parentFrame).toBe(cow.before.parentFrame);              // the parent keeps its frame
      expect(cow.after.childFrame).not.toBeNull();
      expect(cow.after.childFrame).not.toBe(cow.after.parentFrame);            // the child got a copy
      expect(cow.after.pgfault).toBe(cow.before.pgfault + 1);                  // one write-protect fault
      expect(cow.after.anonFrames).toBe(cow.before.anonFrames + 1);
      expect(cow.after.freeFrames).toBe(cow.before.freeFrames - 1);
      await shot("kernel-panel", "demo-kernel-cow.png");

      type Counters = { pswpout: number; swapUsed: number; swapTotal: number; freeFrames: number };
      const before = await json<Counters>("kernel-counters");
      expect(before.swapUsed).toBe(0);
      // Swap in one unit everywhere: the heading, the meter and /proc/meminfo's SwapTotal agree.
      const swapTotalKb = Number(/SwapTotal:\s+(\d+) kB/.exec((await page.getByTestId("meminfo").textContent()) ?? "")?.[1]);
      expect(swapTotalKb).toBe(before.swapTotal * 4);
      const n = (v: number) => v.toLocaleString("en-US");
      await expect(page.getByTestId("kernel-sub").textContent()).resolves.toContain(`swap: ${n(before.swapTotal)} slots of 4 KiB (${n(swapTotalKb)} kB, as SwapTotal)`);
      await expect(page.getByTestId("swap-title").textContent()).resolves.toBe(`Swap: 0 of ${n(before.swapTotal)} slots used (0 kB of ${n(swapTotalKb)} kB)`);
      await expect(page.getByTestId("kernel-panel").textContent()).resolves.not.toContain("MiB of swap");
      await page.getByTestId("exhaust").click();
      await page.waitForFunction(() => !(document.querySelector("[data-testid=exhaust]") as HTMLButtonElement).disabled, null, { timeout: 20_000 });
      const swapped = await json<Counters>("kernel-counters");
      expect(swapped.swapUsed).toBeGreaterThan(0);
      const swapFreeKb = Number(/SwapFree:\s+(\d+) kB/.exec((await page.getByTestId("meminfo").textContent()) ?? "")?.[1]);
      expect(swapFreeKb).toBe((swapped.swapTotal - swapped.swapUsed) * 4);
      await expect(page.getByTestId("swap-title").textContent()).resolves.toContain(`Swap: ${n(swapped.swapUsed)} of ${n(swapped.swapTotal)} slots used (${n(swapped.swapUsed * 4)} kB of`);
      expect(swapped.pswpout).toBeGreaterThan(0);
      expect(swapped.freeFrames).toBe(0);
      await expect(page.getByTestId("kernel-message").textContent()).resolves.toContain("to swap");
      await expect(page.getByTestId("meminfo").textContent()).resolves.toMatch(/SwapFree:\s+\d+ kB/);
      await shot("kernel-panel", "demo-kernel.png");
    });

    test("the plot's axis ticks are round numbers, also for a 1-record trace", async () => {
      const ticks = async () => ({
        x: JSON.parse((await page.getByTestId("replay-plot").getAttribute("data-x-ticks")) ?? "null") as string[],
        y: JSON.parse((await page.getByTestId("replay-plot").getAttribute("data-y-ticks")) ?? "null") as string[],
      });
      // The empty plot (x up to 1 record): once printed 0, 0.2, 0.4, 0.6000000000000001, …
      await expect(ticks()).resolves.toEqual({ x: ["0", "1"], y: ["0", "0.2", "0.4", "0.6", "0.8", "1"] });
      const one = new TextEncoder().encode("I  00400000,4\n");
      await page.getByTestId("trace-file").setInputFiles({ name: "one.lackey", mimeType: "text/plain", buffer: Buffer.from(one) });
      await page.waitForFunction(() => document.getElementById("replay-panel")!.dataset.state === "done"
        && (document.getElementById("replay-report")!.textContent ?? "").includes("\"records\": 1,"), null, { timeout: 20_000 });
      // One record, one iTLB miss: 1,000 misses per 1,000 records.
      await expect(ticks()).resolves.toEqual({ x: ["0", "1"], y: ["0", "200", "400", "600", "800", "1,000"] });
    });

    test("replays the bundled sample in a Worker: the report equals the Node replay", async () => {
      const node = await replay(SAMPLE);
      await page.getByTestId("replay-sample").click();
      await page.waitForSelector("#replay-panel[data-state='done']", { timeout: 30_000 });
      const shown = JSON.parse((await page.getByTestId("replay-report").textContent()) ?? "{}") as ReplayReport;
      expect(Object.keys(shown)).toEqual([...REPORT_KEYS]);
      for (const key of REPORT_KEYS) expect(shown[key], key).toBe(node[key]);
      await expect(page.getByTestId("replay-progress").evaluate((e) => (e as HTMLProgressElement).value)).resolves.toBe(1);
      await expect(page.getByTestId("replay-table").textContent()).resolves.toContain("dTLB");
      const x = JSON.parse((await page.getByTestId("replay-plot").getAttribute("data-x-ticks")) ?? "[]") as string[];
      const y = JSON.parse((await page.getByTestId("replay-plot").getAttribute("data-y-ticks")) ?? "[]") as string[];
      expect(x.length).toBeGreaterThan(3);
      for (const t of x) expect(t).toMatch(/^(0|[1-9]\d{0,2}(,\d{3})*k)$/);          // 0, 50k, 100k, …
      for (const t of y) expect(t).toMatch(/^\d{1,3}(,\d{3})*(\.\d{1,2})?$/);
      await shot("replay-panel", "demo-replay.png");
    });

    test("replays a plain-text trace chosen as a file, as Node does", async () => {
      let text = "==1234== a lackey header\n";
      for (let i = 0; i < 3000; i++) {
        text += `I  ${(0x400000 + (i % 700) * 4).toString(16).padStart(8, "0")},4\n`;
        text += ` ${i % 3 === 0 ? "S" : i % 3 === 1 ? "L" : "M"} ${(0x7ff000000 + ((i * 7919) % 200000) * 8).toString(16)},8\n`;
      }
      const bytes = new TextEncoder().encode(text);
      const node = await replay(bytes);
      await page.getByTestId("trace-file").setInputFiles({ name: "tiny.lackey", mimeType: "text/plain", buffer: Buffer.from(bytes) });
      await page.waitForFunction(() => {
        const p = document.getElementById("replay-panel")!;
        return p.dataset.state === "done" && (document.getElementById("replay-report")!.textContent ?? "").includes("\"lines\": 6001");
      }, null, { timeout: 20_000 });
      const shown = JSON.parse((await page.getByTestId("replay-report").textContent()) ?? "{}") as ReplayReport;
      for (const key of REPORT_KEYS) expect(shown[key], key).toBe(node[key]);
    });

    test("no horizontal scrolling at 1280 px, whatever the panels show", async () => {
      await page.setViewportSize({ width: 1280, height: 900 });
      const scrollWidth = () => page.evaluate(() => document.documentElement.scrollWidth);
      try {
        expect(await scrollWidth()).toBeLessThanOrEqual(1280);
        for (const [va, kind, cpl] of [[0x1234567812345678n, "read", 3], [0xffffffff81000040n, "fetch", 0], [0x7ffffffdeff8n, "write", 3]] as const) {
          await page.getByTestId("va-input").fill("0x" + va.toString(16));
          await page.getByTestId("kind-select").selectOption(kind);
          await page.getByTestId("cpl-select").selectOption(String(cpl));
          await page.getByTestId("translate").click();
          expect(await scrollWidth(), `after a ${kind} of 0x${va.toString(16)}`).toBeLessThanOrEqual(1280);
        }
        await page.getByTestId("tlb-sweep").click();                  // every dTLB cell full
        expect(await scrollWidth()).toBeLessThanOrEqual(1280);
        await page.screenshot({ path: join(RESULTS, "demo-page-1280.png"), fullPage: true });
      } finally {
        await page.setViewportSize({ width: 1500, height: 1000 });
      }
    });

    test("stays free of errors throughout; a full-page screenshot", async () => {
      await page.screenshot({ path: join(RESULTS, "demo-page.png"), fullPage: true });
      expect(problems, problems.join("\n")).toEqual([]);
    });
  },
);
