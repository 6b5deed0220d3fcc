// The Sv39 common walk (assembly/arch/riscv/sv39.ts) at its edges: what it accepts gives
// the full walker's result, counters and TLB rights; where it declines (A/D to write, a
// fault, a superpage, PMP entries that are not a catch-all) the full rules decide, and the
// declined attempt leaves no trace (the entry reads are counted once, by the walk that
// decided). Expected values worked by hand in the comments.
import { describe, expect, test } from "vitest";
import { Machine } from "../../../src/machine.js";
import type { RiscvMachineOptions } from "../../../src/arch/riscv/machine.js";
import { RiscvPageTableBuilder, RV_PAGE_2M } from "../../../src/arch/riscv/pageTable.js";

const RAM = 0x80000000;
async function setup(opts: Partial<RiscvMachineOptions> = {}) {
  const m = await Machine.create({ arch: "riscv", mode: "sv39", ramBase: RAM, ramBytes: 64 << 20, tlb: { kind: "none" }, ...opts });
  const b = new RiscvPageTableBuilder(m);
  m.setControl({ satp: b.satp(5) });
  return { m, b };
}
const ALL = { match: "napot", base: 0, size: 1n << 56n, r: true, w: true, x: true } as const;

describe("Sv39 common walk", () => {
  test("a 4 KiB walk: the PA, 3 entry reads, no A/D write, with no PMP and with a catch-all PMP entry first", async () => {
    const { m, b } = await setup();
    b.map(0x7000, RAM + 0x123000, 4096);   // builder leaves: V R W A D (+X given) set
    for (const pmp of [[], [ALL]]) {
      m.setPmp(pmp);
      m.tlb.reset();
      expect(m.translate(0x7abc, "write")).toEqual({ ok: true, pa: RAM + 0x123abc });
      const t = m.tlb.stats().totals;
      expect([t.translations, t.walks, t.entryReads, t.adWrites, t.faults]).toEqual([1, 1, 3, 0, 0]);
    }
  });

  test("Svadu: a store through D = 0 is declined, the full walk sets D once and counts 3 reads, not 6", async () => {
    const { m, b } = await setup({ adMode: "update" });
    const a = b.map(0x7000, RAM + 0x123000, 4096, { d: false });
    const before = m.phys.readU64(a);
    expect(before & 0x80n).toBe(0n);
    m.tlb.reset();
    expect(m.translate(0x7008, "write")).toEqual({ ok: true, pa: RAM + 0x123008 });
    expect(m.phys.readU64(a)).toBe(before | 0x80n);   // D is bit 7
    const t = m.tlb.stats().totals;
    expect([t.entryReads, t.adWrites]).toEqual([3, 1]);
    // Now D = 1: the common walk takes it, nothing more written.
    expect(m.translate(0x7008, "write")).toEqual({ ok: true, pa: RAM + 0x123008 });
    expect([m.tlb.stats().totals.entryReads, m.tlb.stats().totals.adWrites]).toEqual([6, 1]);
  });

  test("Svade: A = 0 declined, then a load page fault (13) at level 0 after 3 reads; the PTE unchanged", async () => {
    const { m, b } = await setup();
    const a = b.map(0x7000, RAM + 0x123000, 4096, { a: false });
    const before = m.phys.readU64(a);
    m.tlb.reset();
    expect(m.translate(0x7000)).toMatchObject({ ok: false, fault: { kind: "page_fault", cause: 13, tval: 0x7000n, level: 0 } });
    expect(m.phys.readU64(a)).toBe(before);
    expect([m.tlb.stats().totals.entryReads, m.tlb.stats().totals.faults]).toEqual([3, 1]);
  });

  test("a 2 MiB leaf at level 1: PA keeps 21 VA bits, 2 reads; with PPN[0] = 1 it is misaligned: fault", async () => {
    const { m, b } = await setup();
    const a = b.map(0x40200000, RAM + 0x600000, RV_PAGE_2M);
    m.tlb.reset();
    // 0x40200000 + 0x1abcde → RAM + 0x600000 + 0x1abcde = 0x807abcde.
    expect(m.translate(0x403abcde)).toEqual({ ok: true, pa: 0x807abcde });
    expect(m.tlb.stats().totals.entryReads).toBe(2);
    m.phys.writeU64(a, m.phys.readU64(a) | (1n << 10n));
    expect(m.translate(0x403abcde)).toMatchObject({ ok: false, fault: { kind: "page_fault", cause: 13, level: 1 } });
  });

  test("G on the root pointer makes the leaf global: the architectural TLB entry says so, with the leaf's rights", async () => {
    const { m, b } = await setup({ tlb: { kind: "arch" } });
    b.map(0x7000, RAM + 0x123000, 4096, { w: false, x: true });
    const rootEntry = BigInt(b.root);   // VPN[2] of 0x7000 is 0: root entry 0
    m.phys.writeU64(rootEntry, m.phys.readU64(rootEntry) | 0x20n);   // G is bit 5
    expect(m.translate(0x7000, "fetch")).toEqual({ ok: true, pa: RAM + 0x123000 });
    expect(m.tlbEntries("itlb")).toMatchObject([{ va: 0x7000n, pa: RAM + 0x123000, asid: 5, global: true, r: true, w: false, x: true, u: false, d: false }]);
  });

  test("PMP entries that are not a catch-all first are matched per read: refusals are access faults", async () => {
    const { m, b } = await setup();
    const a = b.map(0x7000, RAM + 0x123000, 4096);
    const leafTable = a - (a % 4096);
    // The catch-all without W first: loads pass, the store's final address is refused (7).
    m.setPmp([{ ...ALL, w: false }]);
    expect(m.translate(0x7000)).toEqual({ ok: true, pa: RAM + 0x123000 });
    expect(m.translate(0x7010, "write")).toMatchObject({ ok: false, fault: { kind: "access_fault", cause: 7, busAddress: BigInt(RAM + 0x123010), level: 0 } });
    // An entry with no rights over the leaf table before the catch-all: the level-0 PTE read is refused (5).
    m.setPmp([{ match: "napot", base: leafTable, size: 0x1000 }, ALL]);
    expect(m.translate(0x7000)).toMatchObject({ ok: false, fault: { kind: "access_fault", cause: 5, busAddress: BigInt(a), level: 0 } });
    // A NAPOT of 2^55 bytes from 0 does not cover every address a walk can reach, but does cover RAM: passes.
    m.setPmp([{ ...ALL, size: 1n << 55n }]);
    expect(m.translate(0x7010, "write")).toEqual({ ok: true, pa: RAM + 0x123010 });
    // Entries, all off: nothing matches, every read fails.
    m.setPmp([{ match: "off" }]);
    expect(m.translate(0x7000)).toMatchObject({ ok: false, fault: { kind: "access_fault", cause: 5, level: 2 } });
  });
});
