// The architectural TLB: LRU order, counters, what each invalidation removes, PCIDs,
// global pages, rights evaluated at access time, D-bit re-walks.
import { describe, expect, test } from "vitest";
import { machineWithTable, pa } from "../helpers/machine.js";
import { PAGE_2M } from "../../src/arch/x86/pageTable.js";

const small = { kind: "arch" as const, itlb: "2/2", dtlb: "2/2", stlb: "4/2" };

describe("architectural TLB", () => {
  test("L1 hit, STLB hit, walk: counted per level", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x1000, 0x5000, 4096, { user: true });
    m.translate(0x1000, "read", 3);          // dTLB miss, STLB miss, walk
    m.translate(0x1008, "read", 3);          // dTLB hit
    m.translate(0x1010, "fetch", 3);         // iTLB miss, STLB hit
    const s = m.tlb.stats();
    expect(s.dtlb).toMatchObject({ hits: 1, misses: 1, walks: 1, faults: 0 });
    expect(s.itlb).toMatchObject({ hits: 0, misses: 1, walks: 0 });
    expect(s.stlb).toMatchObject({ hits: 1, misses: 1, walks: 1 });
    expect(s.totals.walks).toBe(1);
  });

  test("a full set evicts its least recently used way", async () => {
    const { m, pt } = await machineWithTable({ tlb: small });
    // dTLB: 1 set × 2 ways. STLB: 2 sets × 2 ways (set = vpn mod 2).
    for (const p of [1, 2, 3]) pt.map(p * 0x1000, 0x10000 + p * 0x1000);
    m.translate(0x1000); m.translate(0x2000);  // dTLB: [1, 2]
    m.translate(0x1000);                       // 1 becomes MRU → 2 is LRU
    m.translate(0x3000);                       // evicts 2
    m.tlb.reset();
    m.translate(0x1000);
    m.translate(0x2000);
    const s = m.tlb.stats();
    expect(s.dtlb).toMatchObject({ hits: 1, misses: 1 });
    expect(s.stlb).toMatchObject({ hits: 1, misses: 0 }); // STLB set 0 still holds page 2
    expect(s.dtlb!.evictions).toBe(1);
  });

  test("sets need not be a power of two: set = vpn mod sets", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch", itlb: "3/1", dtlb: "3/1", stlb: "3/1" } });
    pt.map(0x1000, 0x5000); pt.map(0x4000, 0x6000);   // vpn 1 and 4 share set 1 of 3
    m.translate(0x1000); m.translate(0x4000); m.tlb.reset();
    m.translate(0x1000);
    expect(m.tlb.stats().stlb).toMatchObject({ hits: 0, misses: 1 });
  });

  test("a stale translation survives a PTE change until INVLPG", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    const leaf = pt.map(0x1000, 0x5000);
    expect(pa(m.translate(0x1000))).toBe(0x5000);
    m.phys.writeU64(leaf, 0n);
    expect(pa(m.translate(0x1000))).toBe(0x5000);          // still cached (x86.md §12 rule 4)
    m.invlpg(0x1000);
    expect(m.translate(0x1000).ok).toBe(false);
  });

  test("relaxed rights without INVLPG give one spurious #PF, whose delivery drops the entry", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x1000, 0x5000, 4096, { write: false, user: true });
    m.translate(0x1000, "read", 3);
    pt.map(0x1000, 0x5000, 4096, { write: true, user: true });
    const t = m.translate(0x1000, "write", 3);
    expect(t.ok ? 0 : t.fault.errorCode).toBe(0x7);
    expect(pa(m.translate(0x1000, "write", 3))).toBe(0x5000);
  });

  test("rights are evaluated at access time: CR0.WP and SMAP changes act without a flush", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x1000, 0x5000, 4096, { write: false, user: true, dirty: true, accessed: true });
    m.setControl({ wp: false });
    expect(pa(m.translate(0x1000, "write", 0))).toBe(0x5000);
    m.setControl({ wp: true });
    expect(m.translate(0x1000, "write", 0).ok).toBe(false);
    m.translate(0x1000, "read", 0);
    m.setControl({ smap: true });
    expect(m.translate(0x1000, "read", 0).ok).toBe(false);
  });

  test("an entry filled by a user read does not let a supervisor fetch skip SMEP", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x1000, 0x5000, 4096, { user: true });
    m.setControl({ smep: true });
    m.translate(0x1000, "fetch", 3);
    const t = m.translate(0x1000, "fetch", 0);
    expect(t.ok ? 0 : t.fault.errorCode).toBe(0x11);
  });

  test("a store through a clean entry walks again and sets D", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    const leaf = pt.map(0x1000, 0x5000);
    m.translate(0x1000, "read");
    m.translate(0x1000, "write");
    expect(m.tlb.stats().totals.walks).toBe(2);
    expect(m.phys.readU64(leaf) & 0x40n).toBe(0x40n);
    m.translate(0x1000, "write");
    expect(m.tlb.stats().totals.walks).toBe(2);
  });

  test("a 2 MiB page is one entry for all its 4 KiB pieces", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x20_0000, 0x40_0000, PAGE_2M);
    m.translate(0x20_0000); m.translate(0x3f_f000);
    expect(m.tlb.stats().dtlb).toMatchObject({ hits: 1, misses: 1 });
    m.invlpg(0x2f_0000);                                  // any address inside drops it
    m.translate(0x20_0000);
    expect(m.tlb.stats().dtlb!.misses).toBe(2);
  });
});

describe("invalidation by CR3, PCID and INVPCID", () => {
  async function twoPages() {
    const ctx = await machineWithTable({ tlb: { kind: "arch" } });
    ctx.pt.map(0x1000, 0x5000, 4096, { global: true });
    ctx.pt.map(0x2000, 0x6000);
    ctx.m.translate(0x1000); ctx.m.translate(0x2000);
    ctx.m.tlb.reset();
    return ctx;
  }
  const missesAfter = (m: Awaited<ReturnType<typeof twoPages>>["m"], vas: number[]) => {
    m.tlb.reset();
    for (const va of vas) m.translate(va);
    return m.tlb.stats().dtlb!.misses;
  };

  test("MOV to CR3 keeps global entries (CR4.PGE) and drops the rest", async () => {
    const { m, pt } = await twoPages();
    m.setControl({ pge: true });                          // changing PGE flushes everything
    m.translate(0x1000); m.translate(0x2000);
    m.writeCr3(pt.cr3);
    expect(missesAfter(m, [0x1000])).toBe(0);
    expect(missesAfter(m, [0x2000])).toBe(1);
  });

  test("without CR4.PGE the G bit is ignored: MOV to CR3 drops everything", async () => {
    const { m, pt } = await twoPages();
    m.writeCr3(pt.cr3);
    expect(missesAfter(m, [0x1000, 0x2000])).toBe(2);
  });

  test("PCIDs: switching with the no-flush bit keeps each context's entries", async () => {
    const { m, pt } = await twoPages();
    m.setControl({ pcide: true });
    m.writeCr3(pt.cr3 | 1n);                              // PCID 1, flushed
    m.translate(0x2000);
    m.writeCr3(pt.cr3 | 2n | (1n << 63n));                // PCID 2, no flush
    expect(missesAfter(m, [0x2000])).toBe(1);             // PCID 1's entry is not usable
    m.writeCr3(pt.cr3 | 1n | (1n << 63n));                // back to PCID 1, no flush
    expect(missesAfter(m, [0x2000])).toBe(0);
    expect(m.control().cr3 >> 63n).toBe(0n);              // the hint is not stored
  });

  test("CR4.PCIDE can only be set with CR3[11:0] = 0", async () => {
    const { m, pt } = await twoPages();
    m.writeCr3(pt.cr3 | 0x5n);                            // PWT|… bits while PCIDE=0
    expect(() => m.setControl({ pcide: true })).toThrow(/#GP/);
  });

  test("INVPCID types 0-3", async () => {
    const { m, pt } = await twoPages();
    m.setControl({ pge: true, pcide: true });
    const fill = () => { m.translate(0x1000); m.translate(0x2000); };
    fill();
    expect(m.invpcid(0, 0, 0x2000)).toBeNull();            // individual address
    expect(missesAfter(m, [0x2000, 0x1000])).toBe(1);
    expect(m.invpcid(1, 0)).toBeNull();                    // single context: globals survive
    expect(missesAfter(m, [0x1000, 0x2000])).toBe(1);
    expect(m.invpcid(3, 0)).toBeNull();                    // all but globals
    expect(missesAfter(m, [0x1000, 0x2000])).toBe(1);
    expect(m.invpcid(2, 0)).toBeNull();                    // everything
    expect(missesAfter(m, [0x1000, 0x2000])).toBe(2);
    expect(m.invpcid(4, 0)?.kind).toBe("GP");
    expect(m.invpcid(0, 0, 0x8000_0000_0000n)?.kind).toBe("GP");
    void pt;
  });

  test("INVLPG drops a global entry too, and ignores a non-canonical address", async () => {
    const { m } = await twoPages();
    m.setControl({ pge: true });
    m.translate(0x1000);
    m.invlpg(0x8000_0000_1000n);
    expect(missesAfter(m, [0x1000])).toBe(0);
    m.invlpg(0x1000);
    expect(missesAfter(m, [0x1000])).toBe(1);
  });
});
