// Panel 5 of the demo page in Debian's Chromium: a real program's recorded memory syscalls
// stepped through the kernel model. Every number the page shows is checked against
// SyscallReplay run in Node on the same fixture: after each Next, the /proc/PID/maps text
// (byte for byte), the syscall as Linux logged it, the model's return and the rule; Next 10
// and Run to end likewise, and at the end Linux's own final maps (but for the [stack]
// start, as test/kernel/replayProcesses.test.ts allows); switching history and Reset start
// over from the initial maps. Screenshots go to test-results/. Skipped (listed) only when
// Chromium is missing; under CI=true that fails.
import { afterAll, beforeAll, expect, test } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { describeInChromium, launchChromium, requestProblem } from "../helpers/browser.js";
import { FIXTURES } from "../helpers/fixtures.js";
import { Kernel } from "../../src/kernel/kernel.js";
import { SyscallReplay, type ReplayStep } from "../../src/kernel/replaySyscalls.js";
import { ruleSentence } from "../../src/kernel/rules.js";
import { describeReturn } from "../../src/kernel/syscallNames.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const RESULTS = join(ROOT, "test-results");
const DIR = FIXTURES + "processes/";
const read = (f: string) => readFileSync(DIR + f, "latin1");

interface DemoScript {
  buildDemo(opts?: { outdir?: string; quiet?: boolean }): Promise<string>;
  serveDemo(opts?: { dir?: string; port?: number }): Promise<{ url: string; close(): Promise<void> }>;
}

/** What the page should show after its K-th memory syscall, from SyscallReplay in Node (the page's kernel options: demo/processState.ts REPLAY_KERNEL). */
interface Expected { maps: string; syscall: string; call: string; model: string; linux: string; rule: string; kinds: string }

async function nodeReplay(name: string): Promise<SyscallReplay> {
  const k = await Kernel.create({ ramBytes: 16 << 20, mmapMinAddr: 4096 });
  return new SyscallReplay(k, read(`${name}.initial.maps`), read(`${name}.syscalls.jsonl`), name);
}

/** The page's state after memory syscall K, one press of Next at a time (each press: the records up to that syscall). */
async function expectedAt(name: string, K: number): Promise<Expected> {
  const r = await nodeReplay(name);
  let batch: ReplayStep[] = [];
  for (let k = 1; k <= K; k++) batch = r.run(k);
  const mem = batch.at(-1)!;
  expect(mem.record.mm).toBe(K);
  const rules = batch.flatMap((s) => s.rules);
  return {
    maps: r.maps(),
    syscall: `${mem.record.name}(${mem.record.args.map((a) => "0x" + a.toString(16)).join(", ")}) = ${describeReturn(mem.record.ret)}`,
    call: mem.call, model: describeReturn(mem.model), linux: describeReturn(mem.linux), rule: ruleSentence(rules),
    kinds: rules.map((x) => x.kind).join(" "),
  };
}

const maskStack = (maps: string) => maps.replace(/^[0-9a-f]+(-[0-9a-f]+ .*\[stack\])$/m, "STACK$1");
const memoryCalls = (name: string) => read(`${name}.syscalls.jsonl`).split("\n").filter((l) => l !== "" && !l.includes('"mm":0,')).length;

let ctx: BrowserContext;
let page: Page;
let close: (() => Promise<void>) | undefined;
let outdir = "";
const problems: string[] = [];

const text = async (testId: string) => (await page.getByTestId(testId).textContent()) ?? "";
const panelData = async (key: string) => page.getByTestId("process-panel").getAttribute(`data-${key}`);

async function expectShows(e: Expected, K: number, total: number): Promise<void> {
  expect(await text("proc-counter")).toBe(`${K} / ${total}`);
  expect(await text("proc-maps"), `maps after ${K}`).toBe(e.maps);
  expect(await text("proc-syscall")).toBe(e.syscall);
  expect(await text("proc-call")).toBe(e.call);
  expect(await text("proc-linux-ret")).toBe(e.linux);
  expect(await text("proc-model-ret")).toContain(e.model);
  expect(e.rule).not.toBe("");                                 // every memory syscall of these histories took a rule
  expect(await text("proc-rule")).toBe(`Linux's rule: ${e.rule}`);
  expect(await page.getByTestId("proc-rule").getAttribute("data-kinds")).toBe(e.kinds);
}

describeInChromium(
  "the demo page's real-program panel in Chromium",
  () => {
    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      const demo = (await import(pathToFileURL(join(ROOT, "scripts", "demo.mjs")).href)) as DemoScript;
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
      page.on("request", (r) => { if (/\.(jsonl|maps)$/.test(r.url())) problems.push(`fetched a history file: ${r.url()}`); });
      await page.goto(server.url);
      await page.waitForSelector("body[data-ready='1']", { timeout: 20_000 });
    }, 40_000);

    afterAll(async () => {
      await ctx?.close();
      await close?.();
      if (outdir) rmSync(outdir, { recursive: true, force: true });
    });

    test("starts on gzip's initial maps, the four histories offered, nothing replayed", async () => {
      const options = await page.getByTestId("proc-history").locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(options).toEqual(["gzip", "ls", "sqlite3", "bash-recurse"]);
      expect(await panelData("history")).toBe("gzip");
      expect(await text("proc-counter")).toBe(`0 / ${memoryCalls("gzip")}`);
      expect(await text("proc-maps")).toBe((await nodeReplay("gzip")).maps());
      await expect(page.getByTestId("proc-step-empty").count()).resolves.toBe(1);
      await expect(page.locator("#proc-maps-picture svg g[data-vma]").count()).resolves.toBe(read("gzip.initial.maps").trimEnd().split("\n").length);
    });

    test("gzip: each Next replays one memory syscall; the maps text, the syscall line, both returns and the rule are Node's", async () => {
      const total = memoryCalls("gzip");
      for (let K = 1; K <= 8; K++) {
        await page.getByTestId("proc-next").click();
        await expectShows(await expectedAt("gzip", K), K, total);
      }
      // #5 mapped libc's text over its reservation: the rule names mmap_region; the VMAs it changed are outlined.
      const five = await expectedAt("gzip", 5);
      expect(five.rule).toContain("MAP_FIXED replaces what was there");
      expect(five.rule).toContain("(do_mmap → mmap_region)");
      await page.getByTestId("proc-next").click();                 // #9: an anonymous mmap placed top-down, created
      await expectShows(await expectedAt("gzip", 9), 9, total);
      await expect(text("proc-rule")).resolves.toContain("Top-down first fit below mmap_base 0x7ffff7fff000 (vm_unmapped_area)");
      await expect(page.getByTestId("proc-changes").locator("[data-kind='created']").count()).resolves.toBe(1);
      await expect(page.locator("#proc-maps-picture svg g[data-changed='1']").getAttribute("data-vma")).resolves.toBe("7ffff7dce000-7ffff7dd1000");
      await page.getByTestId("process-panel").screenshot({ path: join(RESULTS, "demo-process-gzip-9.png") });
    });

    test("gzip: Run to end shows Linux's final maps but for the [stack] start, and stops there", async () => {
      const total = memoryCalls("gzip");
      await page.getByTestId("proc-run").click();
      const r = await nodeReplay("gzip");
      r.run();
      const maps = await text("proc-maps");
      expect(maps).toBe(r.maps());
      expect(maskStack(maps)).toBe(maskStack(read("gzip.final.maps")));
      expect(await text("proc-counter")).toBe(`${total} / ${total}`);
      expect(await panelData("state")).toBe("end");
      await expect(page.getByTestId("proc-final").getAttribute("data-same")).resolves.toBe("1");
      await expect(text("proc-final")).resolves.toContain("equal Linux's");
      for (const id of ["proc-next", "proc-next10", "proc-run"]) await expect(page.getByTestId(id).isDisabled()).resolves.toBe(true);
      await expect(page.getByTestId("proc-log").locator("li").count()).resolves.toBe(total);
      await expectShows(await expectedAt("gzip", total), total, total);
    });

    test("switching history starts over from its initial maps; Next 10 and Reset", async () => {
      await page.getByTestId("proc-history").selectOption("ls");
      await page.waitForFunction(() => document.getElementById("process-panel")!.dataset.history === "ls");
      const total = memoryCalls("ls");
      expect(await text("proc-counter")).toBe(`0 / ${total}`);
      expect(await text("proc-maps")).toBe((await nodeReplay("ls")).maps());
      await expect(page.getByTestId("proc-step-empty").count()).resolves.toBe(1);
      await expect(page.getByTestId("proc-log").locator("li").count()).resolves.toBe(0);
      await expect(page.getByTestId("proc-final").getAttribute("data-same")).resolves.toBeNull();
      await expect(page.getByTestId("proc-next").isDisabled()).resolves.toBe(false);

      await page.getByTestId("proc-next10").click();
      await expectShows(await expectedAt("ls", 10), 10, total);
      await page.getByTestId("proc-next").click();
      await expectShows(await expectedAt("ls", 11), 11, total);
      await expect(page.getByTestId("proc-log").locator("li").count()).resolves.toBe(11);

      await page.getByTestId("proc-reset").click();
      await page.waitForFunction(() => document.getElementById("process-panel")!.dataset.step === "0");
      expect(await text("proc-maps")).toBe((await nodeReplay("ls")).maps());
      expect(await text("proc-counter")).toBe(`0 / ${total}`);
      await page.getByTestId("proc-next").click();                 // the same first step again, not the 12th
      await expectShows(await expectedAt("ls", 1), 1, total);
    });

    test("two quick changes of history: the later wins, whichever kernel is ready first", async () => {
      await page.getByTestId("proc-history").selectOption("bash-recurse");
      await page.getByTestId("proc-history").selectOption("gzip");
      await page.waitForFunction(() => document.getElementById("process-panel")!.dataset.history === "gzip"
        && !(document.getElementById("proc-next") as HTMLButtonElement).disabled);
      await page.getByTestId("proc-next").click();
      await expectShows(await expectedAt("gzip", 1), 1, memoryCalls("gzip"));
      expect(await panelData("history")).toBe("gzip");
    });

    test("every history runs to Linux's final maps (the [stack] start aside), as in Node", async () => {
      for (const name of ["sqlite3", "bash-recurse", "ls"]) {
        await page.getByTestId("proc-history").selectOption(name);
        await page.waitForFunction((n) => document.getElementById("process-panel")!.dataset.history === n
          && document.getElementById("process-panel")!.dataset.step === "0", name);
        await page.getByTestId("proc-run").click();
        const r = await nodeReplay(name);
        r.run();
        const maps = await text("proc-maps");
        expect(maps, name).toBe(r.maps());
        expect(maskStack(maps), name).toBe(maskStack(read(`${name}.final.maps`)));
        await expect(page.getByTestId("proc-final").getAttribute("data-same")).resolves.toBe("1");
        if (name === "bash-recurse") {
          // The stack grew by faults: the log's stack pointers moved below [stack] and the rules say so.
          const kinds = await page.getByTestId("proc-log").locator("li small").allTextContents();
          expect(kinds.some((k) => k.includes("expand_downwards"))).toBe(true);
          await page.getByTestId("process-panel").screenshot({ path: join(RESULTS, "demo-process-bash.png") });
        }
      }
    });

    test("no horizontal scrolling at 1280 px with a long step shown; no errors, no history fetched", async () => {
      await page.setViewportSize({ width: 1280, height: 900 });
      try {
        await page.getByTestId("proc-history").selectOption("sqlite3");
        await page.waitForFunction(() => document.getElementById("process-panel")!.dataset.history === "sqlite3"
          && document.getElementById("process-panel")!.dataset.step === "0");
        for (let i = 0; i < 6; i++) await page.getByTestId("proc-next10").click();     // sqlite3's mremap moves are past 50
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
        await page.getByTestId("process-panel").screenshot({ path: join(RESULTS, "demo-process-1280.png") });
      } finally {
        await page.setViewportSize({ width: 1500, height: 1000 });
      }
      expect(problems, problems.join("\n")).toEqual([]);
    });
  },
);
