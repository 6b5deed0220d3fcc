// Panels 1 and 2 of the demo page for RISC-V Sv39 and AArch64 4K, in Debian's Chromium.
// The page's machines are built by demo/archMaps.ts; the same functions build twins in
// Node here, and what the page shows is checked against the twins' own walks and against
// values derived by hand: an Sv39 walk's entry addresses, indices, values, summaries and
// PA; a megapage; a load page fault and MXR; an arm64 EL0 permission fault's FSC, ESR and
// FAR, PAN against LDR and LDTR; the TLB's entries of two ASIDs with their global bit and
// exactly the entries each scoped SFENCE.VMA / TLBI removes. Screenshots go to
// test-results/. Skipped (listed) only when Chromium is missing; under CI=true that fails.
import { afterAll, beforeAll, expect, test } from "vitest";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { describeInChromium, launchChromium, requestProblem } from "../helpers/browser.js";
import { buildA64Demo, buildRiscvDemo } from "../../demo/archMaps.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const RESULTS = join(ROOT, "test-results");

interface DemoScript {
  buildDemo(opts?: { outdir?: string; quiet?: boolean }): Promise<string>;
  serveDemo(opts?: { dir?: string; port?: number }): Promise<{ url: string; close(): Promise<void> }>;
}
interface Shown { level: string; va: string; pa: string; pageSize: number; asid: number; global: boolean }

const hex = (v: bigint | number) => "0x" + v.toString(16);

let ctx: BrowserContext;
let page: Page;
let close: (() => Promise<void>) | undefined;
let outdir = "";
const problems: string[] = [];

async function walkTo(va: bigint, kind: string, priv: string): Promise<void> {
  await page.getByTestId("a-va-input").fill(hex(va));
  await page.getByTestId("a-kind-select").selectOption(kind);
  await page.getByTestId("a-priv-select").selectOption(priv);
  await page.getByTestId("a-translate").click();
}
async function arch(name: "x86" | "riscv" | "aarch64"): Promise<void> {
  await page.getByTestId("arch-select").selectOption(name);
  await page.waitForSelector(`body[data-arch='${name}']`);
}
const text = async (id: string) => (await page.getByTestId(id).textContent()) ?? "";
const attr = async (id: string, name: string) => page.getByTestId(id).getAttribute(name);
const entries = async (): Promise<Shown[]> => JSON.parse((await attr("a-tlb-entries", "data-json")) ?? "[]") as Shown[];
const removed = async (): Promise<Shown[]> => JSON.parse((await attr("a-tlb-last", "data-removed")) ?? "[]") as Shown[];
const id = (e: Shown) => `${e.level} ${e.va} ${e.global ? "G" : e.asid}`;
const ids = (list: Shown[]) => list.map(id).sort();

/** Each step row of the page against the Node twin's step: entry address, value, index, the decode.ts summary. */
async function expectSteps(steps: { level: number; entryAddress: bigint; value: bigint; flags: string }[], indices: number[]): Promise<void> {
  await expect(page.locator("[data-testid^='a-step-']:not([data-testid$='-summary'])").count()).resolves.toBe(steps.length);
  for (const [i, st] of steps.entries()) {
    const row = `a-step-${st.level}`;
    await expect(attr(row, "data-entry")).resolves.toBe(hex(st.entryAddress));
    await expect(attr(row, "data-value")).resolves.toBe(hex(st.value));
    await expect(attr(row, "data-index")).resolves.toBe(String(indices[i]));
    await expect(text(`${row}-summary`)).resolves.toBe(st.flags);
  }
}

describeInChromium(
  "the demo page's RISC-V and AArch64 walks and ASID-tagged TLB in Chromium",
  () => {
    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      const demo = (await import(pathToFileURL(join(ROOT, "scripts", "demo.mjs")).href)) as DemoScript;
      outdir = mkdtempSync(join(tmpdir(), "wasm-mmu-archdemo-"));
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

    test("Sv39: the walk's steps and PA match the machine's own walk; a megapage; a load page fault and MXR", async () => {
      await arch("riscv");
      await expect(text("walk-sub")).resolves.toContain("RISC-V Sv39");
      const twin = await buildRiscvDemo();
      // 0x11008 (user data, R W U): VPN[2] = 0x11008 >> 30 = 0, VPN[1] = (0x11008 >> 21) & 511 = 0,
      // VPN[0] = (0x11008 >> 12) & 511 = 0x11 = 17, offset 8. Tables come from RAM + 1 MiB in the order
      // the first mapping (0x10000) needed them: root 0x80100000, level 1 0x80101000, level 0 0x80102000;
      // the leaf PTE is at 0x80102000 + 17 × 8 = 0x80102088 and PA = 0x80201000 + 8.
      await walkTo(0x11008n, "write", "U");
      const t = twin.m.walk(0x11008n, "write", "U");
      expect(t.steps.map((s) => hex(s.entryAddress))).toEqual(["0x80100000", "0x80101000", "0x80102088"]);
      await expectSteps(t.steps, [0, 0, 17]);
      await expect(text("a-walk-pa")).resolves.toBe("0x80201008");
      expect(t.result).toEqual({ ok: true, pa: 0x80201008 });
      // The leaf's PTE: PPN 0x80201 << 10 | D A U W R V (0x80 0x40 0x10 4 2 1 = 0xd7) = 0x200804d7.
      await expect(attr("a-step-0", "data-value")).resolves.toBe("0x200804d7");
      const chip = (name: string) => page.locator(`[data-testid='a-step-0'] .df[data-name='${name}']`);
      for (const on of ["V", "R", "W", "U", "A", "D"]) await expect(chip(on).getAttribute("class")).resolves.toMatch(/\bon\b/);
      for (const off of ["X", "G", "N"]) await expect(chip(off).getAttribute("class")).resolves.not.toMatch(/\bon\b/);
      await expect(chip("PPN").textContent()).resolves.toContain("0x80201");
      // The VA's slices: VPN[2], VPN[1], VPN[0] and a 4 KiB offset.
      await expect(page.locator("#a-va-bits .va-field").evaluateAll((els) => els.map((e) => e.getAttribute("data-field"))))
        .resolves.toEqual(["sign extension", "VPN[2]", "VPN[1]", "VPN[0]", "offset in the 4 KiB page"]);
      // Choosing RISC-V ran this same store once (a fill under ASID 1): this one hits the dTLB.
      await expect(text("a-tlb-path")).resolves.toBe("Through the TLB: dTLB hit: no walk.");
      // Each control translates on change: choose fetch and U first (0x11008 has no X: faults, no fill), then the VA.
      await page.getByTestId("a-kind-select").selectOption("fetch");
      await page.getByTestId("a-priv-select").selectOption("U");
      await page.getByTestId("a-va-input").fill("0x10040");
      await page.getByTestId("a-translate").click();
      await expect(text("a-tlb-path")).resolves.toBe("Through the TLB: iTLB miss → STLB miss → walk → cached under ASID 1 (or global).");
      await page.getByTestId("walk-panel").screenshot({ path: join(RESULTS, "demo-walk-sv39.png") });

      // 0x40012345 in the 2 MiB megapage: VPN[2] = 1, VPN[1] = (0x40012345 >> 21) & 511 = 0, a leaf at level 1:
      // two PTE reads, PA = 0x80400000 + 0x12345.
      await walkTo(0x40012345n, "read", "U");
      const mega = twin.m.walk(0x40012345n, "read", "U");
      expect(mega.steps.map((s) => s.level)).toEqual([2, 1]);
      await expectSteps(mega.steps, [1, 0]);
      await expect(text("a-walk-pa")).resolves.toBe("0x80412345");
      await expect(page.locator("#a-va-bits .va-field").last().getAttribute("data-field")).resolves.toBe("offset in the 2 MiB page");

      // A U-mode load of the execute-only page: load page fault, scause 13, stval the VA, at level 0.
      await walkTo(0x12010n, "read", "U");
      const xo = twin.m.walk(0x12010n, "read", "U");
      expect(xo.result.ok).toBe(false);
      await expectSteps(xo.steps, [0, 0, 18]);
      await expect(attr("a-walk-fault", "data-cause")).resolves.toBe("13");
      await expect(attr("a-walk-fault", "data-tval")).resolves.toBe("0x12010");
      await expect(text("a-walk-fault")).resolves.toBe("scause = 13 (load page fault) · stval = 0x12010 · stopped at level 0");
      await expect(page.getByTestId("a-walk-pa").count()).resolves.toBe(0);
      // MXR makes executable pages readable: the same load now reaches 0x80202010.
      await page.getByTestId("a-ctl-MXR").check();
      await expect(text("a-walk-pa")).resolves.toBe("0x80202010");
      await page.getByTestId("a-ctl-MXR").uncheck();
      await expect(attr("a-walk-fault", "data-cause")).resolves.toBe("13");
      // An S-mode store to a U page without SUM: store page fault (15).
      await walkTo(0x11008n, "write", "S");
      await expect(attr("a-walk-fault", "data-cause")).resolves.toBe("15");
    });

    test("arm64: an EL0 read of a kernel page is a level-3 Permission fault with its FSC, ESR and FAR; PAN against LDR and LDTR", async () => {
      await arch("aarch64");
      const twin = await buildA64Demo();
      // 0xffff000000000010 goes through TTBR1 (bits 63:48 all ones); its page has AP[2:1] = 00 (EL1 only).
      // Indices: L0 = (va >> 39) & 511 = 0, L1 = 0, L2 = 0, L3 = 0. An EL0 read: Permission fault at level 3,
      // FSC = 0b0011 11 = 0x0f; EC 0x24 (data abort from a lower EL), IL = 1: ESR = 0x24 << 26 | 1 << 25 | 0x0f = 0x9200000f; FAR = the VA.
      const va = 0xffff000000000010n;
      await walkTo(va, "read", "0");
      const t = twin.m.walk(va, "read", 0);
      await expectSteps(t.steps, [0, 0, 0, 0]);
      await expect(attr("a-walk-fault", "data-fsc")).resolves.toBe("0xf");
      await expect(attr("a-walk-fault", "data-esr")).resolves.toBe("0x9200000f");
      await expect(attr("a-walk-fault", "data-far")).resolves.toBe(hex(va));
      expect(t.result.ok ? "" : t.result.fault.message).toBe("Permission fault, level 3 (FSC 0xf, ESR 0x9200000f) at 0xffff000000000010");
      await expect(text("a-walk-fault")).resolves.toBe("Permission fault, level 3 (FSC 0xf, ESR 0x9200000f) at 0xffff000000000010");
      // The leaf's fields as the Arm ARM names them: AP[2:1] = 0, AF = 1, nG = 0, PXN = UXN = 1.
      const chip = (name: string) => page.locator(`[data-testid='a-step-3'] .df[data-name='${name}']`);
      await expect(chip("AP[2:1]").textContent()).resolves.toContain("0 EL1 RW");
      for (const on of ["AF", "PXN", "UXN", "valid", "type"]) await expect(chip(on).getAttribute("class")).resolves.toMatch(/\bon\b/);
      await expect(chip("nG").getAttribute("class")).resolves.not.toMatch(/\bon\b/);
      await expect(chip("OA").textContent()).resolves.toContain("0x40402000");
      await expect(page.locator("[data-testid='a-step-0'] .df[data-name='next table']").textContent()).resolves.toContain("0x40181000");
      await page.getByTestId("walk-panel").screenshot({ path: join(RESULTS, "demo-walk-arm64-fault.png") });

      // EL1 reads the same page: PA 0x40402010.
      await walkTo(va, "read", "1");
      await expect(text("a-walk-pa")).resolves.toBe("0x40402010");
      // 0x401008 (AP = 1, EL0 read/write) at EL1: fine without PAN; with PAN a Permission fault from EL1
      // (EC 0x25: ESR = 0x25 << 26 | 1 << 25 | 0x0f = 0x9600000f); LDTR (read_unpriv) is checked as EL0 and passes.
      await walkTo(0x401008n, "read", "1");
      await expect(text("a-walk-pa")).resolves.toBe("0x40401008");
      await page.getByTestId("a-ctl-PAN").check();
      await expect(attr("a-walk-fault", "data-esr")).resolves.toBe("0x9600000f");
      await walkTo(0x401008n, "read_unpriv", "1");
      await expect(text("a-walk-pa")).resolves.toBe("0x40401008");
      await page.getByTestId("a-ctl-PAN").uncheck();
      // Nothing mapped at 0x800000: the L2 descriptor (index (0x800000 >> 21) & 511 = 4) is invalid: Translation fault, level 2, FSC 0x06.
      await walkTo(0x800000n, "read", "0");
      await expectSteps(twin.m.walk(0x800000n, "read", 0).steps, [0, 0, 4]);
      await expect(attr("a-walk-fault", "data-fsc")).resolves.toBe("0x6");
      // A 2 MiB block: three reads, the leaf at L2.
      await walkTo(0x612345n, "read", "0");
      await expectSteps(twin.m.walk(0x612345n, "read", 0).steps, [0, 0, 3]);
      await expect(text("a-walk-pa")).resolves.toBe("0x40612345");
    });

    test("RISC-V TLB: two ASIDs' entries, G shared; SFENCE.VMA x0,ASID and VA,ASID remove exactly theirs", async () => {
      await arch("riscv");
      await page.getByTestId("a-asid-select").selectOption("1");
      await page.getByTestId("a-reset").click();                        // a fresh machine at ASID 1
      await page.getByTestId("a-touch").click();                        // each mapping's own access at ASID 1
      await page.getByTestId("a-asid-select").selectOption("2");
      await page.getByTestId("a-touch").click();                        // and at ASID 2
      const before = await entries();
      // Filled: fetch 0x10040 (iTLB + STLB), store 0x11008 and load 0x40012345 (dTLB + STLB) under each ASID;
      // the kernel page (G) once under ASID 1, then hit by ASID 2; the execute-only load faulted (no entry).
      const perAsid = (a: number) => ["itlb 0x10000", "dtlb 0x11000", "dtlb 0x40000000", "stlb 0x10000", "stlb 0x11000", "stlb 0x40000000"].map((s) => `${s} ${a}`);
      const globals = ["dtlb 0xffffffc000000000 G", "stlb 0xffffffc000000000 G"];
      expect(ids(before)).toEqual([...perAsid(1), ...perAsid(2), ...globals].sort());
      await expect(page.locator("[data-testid='a-tlb-row'][data-asid='2'][data-global='0']").count()).resolves.toBe(6);
      await expect(page.locator("[data-testid='a-tlb-row'][data-global='1']").count()).resolves.toBe(2);
      await page.getByTestId("tlb-panel").screenshot({ path: join(RESULTS, "demo-tlb-riscv-asids.png") });

      // SFENCE.VMA x0, rs2 = 2: ASID 2's non-global entries go, ASID 1's and the global ones stay.
      await page.getByTestId("a-op-asid").click();
      expect(ids(await removed())).toEqual(perAsid(2).sort());
      expect(ids(await entries())).toEqual([...perAsid(1), ...globals].sort());
      await expect(text("a-tlb-last")).resolves.toMatch(/^SFENCE\.VMA x0, 2: removed 6 entries .*; 8 kept\.$/);

      // Back to ASID 1; SFENCE.VMA 0x11008, rs2 = 1: that page's entries of ASID 1 (dTLB and STLB), nothing else.
      await page.getByTestId("a-asid-select").selectOption("1");
      await page.getByTestId("a-va-input").fill("0x11008");
      await page.getByTestId("a-op-va-asid").click();
      expect(ids(await removed())).toEqual(["dtlb 0x11000 1", "stlb 0x11000 1"]);
      // SFENCE.VMA 0xffffffc000000010, x0: a VA-scoped fence over every address space drops the global entries too.
      await page.getByTestId("a-va-input").fill("0xffffffc000000010");
      await page.getByTestId("a-op-va").click();
      expect(ids(await removed())).toEqual(globals);
      await page.getByTestId("a-op-all").click();
      await expect(entries()).resolves.toEqual([]);
    });

    test("AArch64 TLB: nG entries per ASID, global ones shared; TLBI ASIDE1 and VAAE1 remove exactly theirs", async () => {
      await arch("aarch64");
      await page.getByTestId("a-asid-select").selectOption("1");
      await page.getByTestId("a-reset").click();
      await page.getByTestId("a-touch").click();
      await page.getByTestId("a-asid-select").selectOption("2");
      await page.getByTestId("a-touch").click();
      const before = await entries();
      const perAsid = (a: number) => ["itlb 0x400000", "dtlb 0x401000", "dtlb 0x600000", "stlb 0x400000", "stlb 0x401000", "stlb 0x600000"].map((s) => `${s} ${a}`);
      const globals = ["itlb 0xffff000000001000 G", "stlb 0xffff000000001000 G", "dtlb 0xffff000000000000 G", "stlb 0xffff000000000000 G"];
      expect(ids(before)).toEqual([...perAsid(1), ...perAsid(2), ...globals].sort());
      // TLBI ASIDE1 with ASID 2: only ASID 2's nG entries.
      await page.getByTestId("a-op-asid").click();
      expect(ids(await removed())).toEqual(perAsid(2).sort());
      expect(ids(await entries())).toEqual([...perAsid(1), ...globals].sort());
      // TLBI VAAE1 0x401008 (every ASID): ASID 1's entries of that page, in the dTLB and the STLB.
      await page.getByTestId("a-va-input").fill("0x401008");
      await page.getByTestId("a-op-va").click();
      expect(ids(await removed())).toEqual(["dtlb 0x401000 1", "stlb 0x401000 1"]);
      // TLBI VAE1 0xffff000000000010 with ASID 2: a global entry matches any ASID, so it goes.
      await page.getByTestId("a-va-input").fill("0xffff000000000010");
      await page.getByTestId("a-op-va-asid").click();
      expect(ids(await removed())).toEqual(["dtlb 0xffff000000000000 G", "stlb 0xffff000000000000 G"]);
      await page.getByTestId("tlb-panel").screenshot({ path: join(RESULTS, "demo-tlb-arm64-asids.png") });
    });

    test("an invalid VA is said in the page and nothing of the last walk stays; each arch keeps its own ASID", async () => {
      await arch("riscv");                                              // left at ASID 1 by the RISC-V TLB test
      await expect(page.getByTestId("a-asid-select").inputValue()).resolves.toBe("1");
      await arch("aarch64");                                            // left at ASID 2 by the AArch64 TLB test
      await expect(page.getByTestId("a-asid-select").inputValue()).resolves.toBe("2");
      await expect(text("a-control")).resolves.toContain("(ASID 2)");
      await page.getByTestId("a-va-input").fill("0x12g4");
      await page.getByTestId("a-translate").click();
      await expect(text("a-walk-error")).resolves.toContain("is not a virtual address: type up to 16 hexadecimal digits");
      await expect(page.locator("[data-testid^='a-step-']").count()).resolves.toBe(0);
      await expect(page.getByTestId("a-walk-pa").count()).resolves.toBe(0);
      await walkTo(0x401008n, "read", "0");
      await expect(page.getByTestId("a-walk-error").count()).resolves.toBe(0);
      await expect(text("a-walk-pa")).resolves.toBe("0x40401008");
    });

    test("no horizontal scrolling at 1280 px with either arch's widest walk and a full TLB list", async () => {
      await page.setViewportSize({ width: 1280, height: 900 });
      const scrollWidth = () => page.evaluate(() => document.documentElement.scrollWidth);
      try {
        for (const [name, va, kind, priv] of [["riscv", 0xffffffc000000010n, "read", "S"], ["aarch64", 0xffff000000001040n, "fetch", "1"]] as const) {
          await arch(name);
          await walkTo(va, kind, priv);
          await page.getByTestId("a-touch").click();
          expect(await scrollWidth(), `${name}: ${kind} of ${hex(va)}`).toBeLessThanOrEqual(1280);
        }
      } finally {
        await page.setViewportSize({ width: 1500, height: 1000 });
      }
    });

    test("back on x86 the 4-level walk is drawn as before; no console errors throughout", async () => {
      await arch("x86");
      await expect(page.locator("#arch-walk").isHidden()).resolves.toBe(true);
      await page.getByTestId("va-input").fill("0x400123");
      await page.getByTestId("translate").click();
      await expect(text("walk-pa")).resolves.toBe("0x200123");
      await page.screenshot({ path: join(RESULTS, "demo-page-arch.png"), fullPage: true });
      expect(problems, problems.join("\n")).toEqual([]);
    });

    test("x86 TLB: each entry's PCID; two PCIDs' entries of one page; INVPCID type 1 removes only the current PCID's non-global ones", async () => {
      await arch("x86");
      const x86 = async (va: string, kind: string, cpl: string) => {
        await page.getByTestId("va-input").fill(va);
        await page.getByTestId("kind-select").selectOption(kind);
        await page.getByTestId("cpl-select").selectOption(cpl);
        await page.getByTestId("translate").click();
      };
      await page.getByTestId("walk-reset").click();
      // The reset translated 0x400123 at PCID 0 (PCIDE=0). Setting CR4.PCIDE flushes nothing (SDM §4.10.4.1:
      // only clearing it does), so that entry stays, tagged 0; then CR3.PCID = 1.
      await page.getByTestId("tlb-pcid-select").selectOption("1");
      await x86("0x400123", "read", "3");                              // user code (not global): tagged 1
      await x86("0xffff800000000010", "read", "0");                    // kernel data, G (CR4.PGE=1): global
      await page.getByTestId("tlb-pcid-select").selectOption("2");   // MOV CR3 with bit 63: PCID 1's entries stay
      await x86("0x400123", "read", "3");                              // a miss under PCID 2: a second entry of the page
      const cells = (sel: string) => page.locator(`[data-testid^='tlb-d-']${sel}`);
      await expect(cells("[data-va='0x400000']").evaluateAll((els) => els.map((e) => e.getAttribute("data-pcid")).sort())).resolves.toEqual(["0", "1", "2"]);
      await expect(cells("[data-va='0xffff800000000000'][data-global='1']").count()).resolves.toBe(1);
      await expect(cells("[data-va='0x400000'][data-pcid='2'] .tag").textContent()).resolves.toBe("2");
      await page.getByTestId("tlb-panel").screenshot({ path: join(RESULTS, "demo-tlb-x86-pcids.png") });
      await page.getByTestId("tlb-invpcid").click();                   // type 1, PCID 2
      await expect(cells("[data-pcid='2'][data-global='0']").count()).resolves.toBe(0);
      await expect(cells("[data-va='0x400000']").evaluateAll((els) => els.map((e) => e.getAttribute("data-pcid")).sort())).resolves.toEqual(["0", "1"]);
      await expect(cells("[data-va='0xffff800000000000'][data-global='1']").count()).resolves.toBe(1);
      await expect(text("tlb-last")).resolves.toMatch(/^INVPCID type 1, PCID 2: \d+ non-global entries of PCID 2 removed/);
      expect(problems, problems.join("\n")).toEqual([]);
      expect(problems, problems.join("\n")).toEqual([]);
    });
  },
);
