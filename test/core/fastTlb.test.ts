// The fast (direct-mapped, emulator) TLB: hits, contexts, D-bit re-walks, flushes,
// control changes that must act at once.
import { describe, expect, test } from "vitest";
import { machineWithTable, pa } from "../helpers/machine.js";
import { PAGE_2M, PageTableBuilder } from "../../src/arch/x86/pageTable.js";

describe("fast TLB", () => {
  test("the second access to a page hits; a conflicting page evicts it", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "fast", entries: 16 } });
    pt.map(0x1000, 0x5000); pt.map(0x11000, 0x6000);        // same index with 16 entries
    m.translate(0x1000); m.translate(0x1ff8);
    expect(m.tlb.stats().fast).toMatchObject({ hits: 1, misses: 1, walks: 1 });
    m.translate(0x11000);
    m.translate(0x1000);
    expect(m.tlb.stats().fast).toMatchObject({ hits: 1, misses: 3, evictions: 2 });
  });

  test("resetting the counters zeroes the fast TLB's hits too", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000);
    m.translate(0x1000); m.translate(0x1008);
    m.tlb.reset();
    m.translate(0x1010);
    expect(m.tlb.stats().fast).toMatchObject({ hits: 1, misses: 0 });
  });

  test("a read fill of a clean page does not let a store hit: the store walks and sets D", async () => {
    const { m, pt } = await machineWithTable();
    const leaf = pt.map(0x1000, 0x5000);
    m.translate(0x1000, "read");
    m.translate(0x1000, "write");
    expect(m.tlb.stats().fast!.walks).toBe(2);
    expect(m.phys.readU64(leaf) & 0x40n).toBe(0x40n);
    m.translate(0x1000, "write");
    expect(m.tlb.stats().fast!.walks).toBe(2);
  });

  test("user and supervisor entries are separate: a user fill does not let a supervisor fetch skip SMEP", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000, 4096, { user: true });
    m.setControl({ smep: true, smap: true });
    expect(pa(m.translate(0x1000, "fetch", 3))).toBe(0x5000);
    const f = m.translate(0x1000, "fetch", 0);
    expect(f.ok ? 0 : f.fault.errorCode).toBe(0x11);
    const r = m.translate(0x1000, "read", 0);
    expect(r.ok ? 0 : r.fault.errorCode).toBe(0x01);
    m.setControl({ ac: true });                                // EFLAGS.AC: a context of its own
    expect(pa(m.translate(0x1000, "read", 0))).toBe(0x5000);
    m.setControl({ ac: false });
    expect(m.translate(0x1000, "read", 0).ok).toBe(false);
  });

  test("CR0.WP, PKRU and NXE changes take effect at once", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000, 4096, { write: false, dirty: true, accessed: true });
    pt.map(0x2000, 0x6000, 4096, { user: true, key: 1, dirty: true });
    m.setControl({ wp: false });
    expect(pa(m.translate(0x1000, "write", 0))).toBe(0x5000);
    m.setControl({ wp: true });
    expect(m.translate(0x1000, "write", 0).ok).toBe(false);
    m.setControl({ pke: true });
    expect(pa(m.translate(0x2000, "read", 3))).toBe(0x6000);
    m.setControl({ pkru: 1 << 2 });                            // AD for key 1
    const t = m.translate(0x2000, "read", 3);
    expect(t.ok ? 0 : t.fault.errorCode).toBe(0x25);
  });

  test("MOV to CR3 flushes; INVLPG drops one page; large pages flush whole", async () => {
    const { m, pt } = await machineWithTable();
    const leaf = pt.map(0x1000, 0x5000);
    pt.map(0x2000, 0x6000);
    m.translate(0x1000); m.translate(0x2000);
    m.phys.writeU64(leaf, m.phys.readU64(leaf) & ~0xfffn | 0x7000n | 3n);
    expect(pa(m.translate(0x1000))).toBe(0x5000);              // stale until invalidated
    m.invlpg(0x1000);
    expect(pa(m.translate(0x1000))).toBe(0x7000);
    const walks = m.tlb.stats().fast!.walks;
    m.translate(0x2000);
    expect(m.tlb.stats().fast!.walks).toBe(walks);            // INVLPG left page 2
    pt.map(0x20_0000, 0x40_0000, PAGE_2M);
    m.translate(0x20_0000); m.translate(0x20_1000);
    m.invlpg(0x2f_f000);
    m.translate(0x20_1000);
    expect(m.tlb.stats().fast!.walks).toBe(walks + 3);
    m.writeCr3(pt.cr3);
    m.translate(0x2000);
    expect(m.tlb.stats().fast!.walks).toBe(walks + 4);
  });

  test("a CR3 write with the PCID no-flush bit still flushes the fast TLB, which has no PCID tags", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000);
    const other = new PageTableBuilder(m, { allocBase: 0x800000 });
    other.map(0x1000, 0x9000);
    m.setControl({ pcide: true });
    m.writeCr3(pt.cr3 | 1n);
    expect(pa(m.translate(0x1000))).toBe(0x5000);
    m.writeCr3(other.cr3 | 2n | (1n << 63n));                // found by the PCID property test
    expect(pa(m.translate(0x1000))).toBe(0x9000);
  });

  test("a #PF drops the page's entries so a fixed mapping is seen on retry", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000, 4096, { write: false, user: true });
    m.translate(0x1000, "read", 3);
    expect(m.translate(0x1000, "write", 3).ok).toBe(false);
    pt.map(0x1000, 0x5000, 4096, { write: true, user: true });
    expect(pa(m.translate(0x1000, "write", 3))).toBe(0x5000);
  });
});

describe("batches", () => {
  test("batched results equal per-call translations, faults encoded, stop-on-fault returns the index", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000, 4096, { user: true });
    pt.map(0x2000, 0x6000, 4096, { user: true, write: false });
    const items: [bigint, number][] = [[0x1008n, m.access("read", 3)], [0x2010n, m.access("read", 3)],
      [0x2010n, m.access("write", 3)], [0x1ff8n, m.access("write", 3)]];
    items.forEach(([va, acc], i) => { m.batch.va[i] = va; m.batch.acc[i] = acc; });
    expect(m.batch.run(4, false)).toBe(1);
    expect([...m.batch.out.slice(0, 4)].map((r, i) => (i === 2 ? r : Number(r)))).toEqual([0x5008, 0x6010, m.batch.out[2], 0x5ff8]);
    const fault = (m.batch.constructor as typeof import("../../src/batch.js").Batch).decodeFault(m.batch.out[2]!);
    expect(fault).toEqual({ kind: m.k.num.FAULT_PF, errorCode: 0x7 });
    expect(m.batch.run(4, true)).toBe(2);
    expect(m.lastFault().errorCode).toBe(0x7);
  });

  test("the arch TLB batch path counts like the per-call path", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x1000, 0x5000);
    for (let i = 0; i < 10; i++) { m.batch.vaWords[2 * i] = 0x1000 + i * 8; m.batch.vaWords[2 * i + 1] = 0; m.batch.acc[i] = 0; }
    expect(m.batch.run(10)).toBe(10);
    expect(m.tlb.stats().dtlb).toMatchObject({ hits: 9, misses: 1 });
    expect(m.batch.outWords[18]).toBe(0x5048);
  });
});

describe("per-call translation (machine.raw)", () => {
  test("agrees with translate on hits, misses and faults, and counts its hits", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000, 4096, { user: true, write: false });
    pt.map(0xffff_8000_0000_0000n, 0xc000, 4096);
    const rd = m.access("read", 3), wr = m.access("write", 3);
    expect(m.raw.translate(0x1008, 0, rd)).toBe(0x5008);          // miss: the core walks and fills
    expect(m.raw.translate(0x1ff8, 0, rd)).toBe(0x5ff8);          // hit: decided in JS
    expect(m.raw.translate(0x1008, 0, wr)).toBe(-1);              // read-only: the core faults
    expect(m.lastFault().errorCode).toBe(0x7);
    expect(m.raw.translate(0x0000_0010, 0xffff_8000, m.access("read", 0))).toBe(0xc010);
    expect(m.raw.translate(0x0000_0010, 0xffff_8000, m.access("read", 0))).toBe(0xc010);
    expect(m.tlb.stats().fast).toMatchObject({ hits: 2, misses: 3, faults: 1 });
  });

  test("a JS-side hit never outlives an invalidation", async () => {
    const { m, pt } = await machineWithTable();
    const leaf = pt.map(0x1000, 0x5000);
    expect(m.raw.translate(0x1000, 0, 0)).toBe(0x5000);
    m.phys.writeU64(leaf, 0x7000n | 3n);
    expect(m.raw.translate(0x1000, 0, 0)).toBe(0x5000);           // stale until INVLPG, as in hardware
    m.invlpg(0x1000);
    expect(m.raw.translate(0x1000, 0, 0)).toBe(0x7000);
  });
});

describe("machine.translateBatch", () => {
  test("returns PAs and decoded faults in order, across more items than one batch holds", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000, 4096, { user: true, write: false });
    const items: { va: number; kind: "read" | "write"; cpl: number }[] =
      Array.from({ length: m.batch.capacity + 3 }, (_, i) => ({ va: 0x1000 + (i % 512) * 8, kind: "read", cpl: 3 }));
    items.push({ va: 0x1000, kind: "write", cpl: 3 });
    const r = m.translateBatch(items);
    expect(r.length).toBe(items.length);
    expect(r[m.batch.capacity + 2]).toEqual({ ok: true, pa: 0x5000 + ((m.batch.capacity + 2) % 512) * 8 });
    const last = r[r.length - 1]!;
    expect(last.ok ? 0 : [last.fault.kind, last.fault.errorCode, last.fault.address]).toEqual(["PF", 0x7, 0x1000n]);
  });
});

describe("batch resume", () => {
  test("run(count, true, start) resumes after a handled fault without redoing earlier items", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x1000, 0x5000); pt.map(0x3000, 0x7000);
    [0x1000, 0x2000, 0x3000].forEach((va, i) => { m.batch.vaWords[2 * i] = va; m.batch.vaWords[2 * i + 1] = 0; m.batch.acc[i] = 0; });
    expect(m.batch.run(3, true)).toBe(1);                     // 0x2000 is not mapped
    pt.map(0x2000, 0x6000);                                    // "handle" the fault
    const before = m.tlb.stats().totals.translations;
    expect(m.batch.run(3, true, 1)).toBe(3);
    expect(m.tlb.stats().totals.translations - before).toBe(2);
    expect([...m.batch.outWords.slice(0, 6)].filter((_, i) => i % 2 === 0)).toEqual([0x5000, 0x6000, 0x7000]);
    expect(() => m.batch.run(3, true, 4)).toThrow(/start 4/);
  });
});
