// ASIDs, global mappings and SFENCE.VMA (privileged spec "Supervisor Memory-Management
// Fence Instruction"; riscv.md §10). What an entry holds is observed the way a guest would:
// the PTEs are rewritten in memory without a fence, so a translation that still gives the
// old frame came from a TLB entry, one that gives the new frame walked memory.
import { describe, expect, test } from "vitest";
import { Machine } from "../../../src/machine.js";
import type { RiscvMachine } from "../../../src/arch/riscv/machine.js";
import { RiscvPageTableBuilder, RV_PAGE_512G } from "../../../src/arch/riscv/pageTable.js";
import type { TlbKind } from "../../../src/config.js";

const RAM = 0x80000000;
const OLD = RAM + 0x400000, NEW = RAM + 0x800000;
const A = 0x1000, B = 0x3000, G = 0x2000;

async function filled(kind: TlbKind = "arch") {
  const m = await Machine.create({ arch: "riscv", mode: "sv39", ramBase: RAM, ramBytes: 64 << 20, tlb: { kind } });
  const b = new RiscvPageTableBuilder(m);
  const leaves = [A, B, G].map((va) => b.map(va, OLD + va, 4096, { g: va === G }));
  for (const asid of [1, 2]) {
    m.setControl({ satp: b.satp(asid) });
    for (const va of [A, B, G]) expect(m.translate(va)).toEqual({ ok: true, pa: OLD + va });
  }
  // Rewrite every leaf to the new frames, no fence: cached entries now answer differently from memory.
  for (const [i, va] of [A, B, G].entries()) m.phys.writeU64(leaves[i]!, m.phys.readU64(leaves[i]!) + (BigInt(NEW - OLD) >> 12n << 10n));
  return { m, b };
}

/** Per ASID, which VAs still translate to the old frame (served by a TLB entry). */
function stale(m: RiscvMachine, b: RiscvPageTableBuilder): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const asid of [1, 2]) {
    m.setControl({ satp: b.satp(asid) });
    out[asid] = ([["A", A], ["B", B], ["G", G]] as const).filter(([, va]) => {
      const t = m.translate(va);
      if (!t.ok) throw new Error(t.fault.message);
      return t.pa === OLD + va;
    }).map(([n]) => n);
  }
  return out;
}

describe("architectural TLB: ASID tags and global entries", () => {
  test("without a fence, every entry of both ASIDs stays (a satp write flushes nothing)", async () => {
    const { m, b } = await filled();
    expect(stale(m, b)).toEqual({ 1: ["A", "B", "G"], 2: ["A", "B", "G"] });
  });
  test("SFENCE.VMA x0, x0: every entry, globals too", async () => {
    const { m, b } = await filled();
    m.sfenceVma();
    expect(stale(m, b)).toEqual({ 1: [], 2: [] });
  });
  test("SFENCE.VMA x0, asid: the ASID's non-global entries; globals and other ASIDs survive", async () => {
    const { m, b } = await filled();
    m.sfenceVma(undefined, 1);
    expect(stale(m, b)).toEqual({ 1: ["G"], 2: ["A", "B", "G"] });
  });
  test("SFENCE.VMA va, x0: the page in every ASID, global entries too; other pages survive", async () => {
    const { m, b } = await filled();
    m.sfenceVma(A);
    expect(stale(m, b)).toEqual({ 1: ["B", "G"], 2: ["B", "G"] });
    m.sfenceVma(G + 0x123);
    expect(stale(m, b)).toEqual({ 1: ["B"], 2: ["B"] });
  });
  test("SFENCE.VMA va, asid: that ASID's non-global entry for the page only; a global entry survives", async () => {
    const { m, b } = await filled();
    m.sfenceVma(A, 1);
    m.sfenceVma(G, 1);
    expect(stale(m, b)).toEqual({ 1: ["B", "G"], 2: ["A", "B", "G"] });
  });
  test("a leaf kept as several TLB pieces (512 GiB as 1 GiB) goes whole on a fence by address", async () => {
    const m = await Machine.create({ arch: "riscv", mode: "sv48", ramBase: RAM, ramBytes: 64 << 20, tlb: { kind: "arch" } });
    const b = new RiscvPageTableBuilder(m);
    const leaf = b.map(0, 0, RV_PAGE_512G);
    m.setControl({ satp: b.satp(3) });
    const va0 = RAM + 0x1000, va1 = RAM + 0x4000_0000 + 0x1000;   // two 1 GiB pieces of the same leaf
    expect(m.translate(va0)).toEqual({ ok: true, pa: va0 });
    expect(m.translate(va1)).toMatchObject({ ok: false, fault: { kind: "access_fault" } });   // past RAM: not cached
    m.phys.writeU64(leaf, m.phys.readU64(leaf) & ~0xfn);              // V = 0
    expect(m.translate(va0)).toEqual({ ok: true, pa: va0 });          // cached
    m.sfenceVma(RAM + 0x4000_0000, 3);                                // another piece's address
    expect(m.translate(va0)).toMatchObject({ ok: false, fault: { kind: "page_fault", cause: 13 } });
  });
});

describe.each(["fast", "arch", "none"] as const)("%s TLB: never a foreign or stale translation after a fence", (kind) => {
  test("two ASIDs with their own tables, switched without fences, each see their own frames", async () => {
    const m = await Machine.create({ arch: "riscv", mode: "sv39", ramBase: RAM, ramBytes: 64 << 20, tlb: { kind } });
    const b1 = new RiscvPageTableBuilder(m);
    const b2 = new RiscvPageTableBuilder(m, { allocBase: RAM + 0x200000 });
    b1.map(A, OLD, 4096);
    b2.map(A, NEW, 4096);
    for (let i = 0; i < 4; i++) {
      m.setControl({ satp: b1.satp(1) });
      expect(m.translate(A + 8)).toEqual({ ok: true, pa: OLD + 8 });
      m.setControl({ satp: b2.satp(2) });
      expect(m.translate(A + 8)).toEqual({ ok: true, pa: NEW + 8 });
    }
  });
  test("after each of the four fences that cover a page, the rewritten PTE is what translates", async () => {
    for (const fence of [(m: RiscvMachine) => m.sfenceVma(), (m: RiscvMachine) => m.sfenceVma(undefined, 1),
      (m: RiscvMachine) => m.sfenceVma(A), (m: RiscvMachine) => m.sfenceVma(A, 1)]) {
      const { m, b } = await filled(kind);
      m.setControl({ satp: b.satp(1) });
      fence(m);
      expect(m.translate(A)).toEqual({ ok: true, pa: NEW + A });
    }
  });
});

test("tlbEntries: each arch TLB entry in RISC-V terms (ASID, G, raw R/W/X/U/D, page size)", async () => {
  const m = await Machine.create({ arch: "riscv", mode: "sv39", ramBase: RAM, ramBytes: 64 << 20, tlb: { kind: "arch" } });
  const b = new RiscvPageTableBuilder(m);
  b.map(0x1000, OLD, 4096, { w: false, x: true, u: true });
  b.map(0x200000, RAM + 0x600000, 0x200000, { g: true, d: false });
  m.setControl({ satp: b.satp(7), sum: true });
  m.translate(0x1008, "fetch", "U");
  m.translate(0x200010, "read");
  const e = m.tlbEntries("stlb").map(({ va, pageSize, pa, asid, global, r, w, x, u, d }) => ({ va, pageSize, pa, asid, global, r, w, x, u, d }));
  expect(e).toEqual(expect.arrayContaining([
    { va: 0x1000n, pageSize: 4096, pa: OLD, asid: 7, global: false, r: true, w: false, x: true, u: true, d: false },
    { va: 0x200000n, pageSize: 0x200000, pa: RAM + 0x600000, asid: 7, global: true, r: true, w: true, x: false, u: false, d: false },
  ]));
  expect(e).toHaveLength(2);
  expect(m.tlbEntries("itlb")).toHaveLength(1);
});
