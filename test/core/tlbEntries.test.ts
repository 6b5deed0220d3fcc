// machine.tlb.entries(level): the contents of each TLB level as plain objects, checked
// against fills whose outcome is known (set = page number mod sets, LRU order, the
// rights and the PCID the walk produced, every page-size class, the fast TLB's arrays).
import { describe, expect, test } from "vitest";
import { Machine } from "../../src/machine.js";
import { PAGE_1G, PAGE_2M, PAGE_4M, PageTableBuilder } from "../../src/arch/x86/pageTable.js";
import { ConfigError } from "../../src/config.js";
import { machineWithTable, pa } from "../helpers/machine.js";

const small = { kind: "arch" as const, itlb: "2/2", dtlb: "2/2", stlb: "6/2" };

describe("tlb.entries: the architectural TLB", () => {
  test("a read fills the dTLB and the STLB with the walk's page, frame and rights; the iTLB stays empty", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x5000, 0x9000, 4096, { user: true });
    expect(pa(m.translate(0x5123, "read", 3))).toBe(0x9123);
    const entry = {
      va: 0x5000n, vpn: 5n, pageSize: 4096, pa: 0x9000, pcid: 0, global: false,
      rw: true, user: true, nx: false, dirty: false, key: 0, age: 0,
    };
    // dTLB 64/4: 16 sets, page 5 → set 5; STLB 1536/12: 128 sets → set 5.
    expect(m.tlb.entries("dtlb")).toEqual([{ level: "dtlb", set: 5, way: 0, ...entry, stamp: expect.any(BigInt) }]);
    expect(m.tlb.entries("stlb")).toEqual([{ level: "stlb", set: 5, way: 0, ...entry, stamp: expect.any(BigInt) }]);
    expect(m.tlb.entries("itlb")).toEqual([]);
  });

  test("a write through a clean entry walks again: the entry becomes dirty", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x5000, 0x9000);
    m.translate(0x5000, "read");
    expect(m.tlb.entries("dtlb").map((e) => e.dirty)).toEqual([false]);
    m.translate(0x5000, "write");
    expect(m.tlb.entries("dtlb").map((e) => e.dirty)).toEqual([true]);
    expect(m.tlb.entries("stlb").map((e) => e.dirty)).toEqual([true]);
  });

  test("rights are the walk's: read-only, supervisor, NX", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x1000, 0x9000, 4096, { write: false, nx: true });
    m.translate(0x1000, "read", 0);
    expect(m.tlb.entries("dtlb")).toMatchObject([{ rw: false, user: false, nx: true, dirty: false }]);
  });

  test("a fetch fills the iTLB, not the dTLB", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x7000, 0x9000, 4096, { user: true });
    m.translate(0x7000, "fetch", 3);
    expect(m.tlb.entries("itlb")).toMatchObject([{ level: "itlb", va: 0x7000n, pa: 0x9000, set: 7 % 8 }]);
    expect(m.tlb.entries("dtlb")).toEqual([]);
  });

  test("set = page number mod sets (sets need not be a power of two); ways fill in order", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch", itlb: "3/1", dtlb: "6/2", stlb: "9/3" } });
    for (const p of [1, 4, 7]) pt.map(p * 0x1000, 0x10000 + p * 0x1000);
    for (const p of [1, 4, 7]) m.translate(p * 0x1000);
    // dTLB: 3 sets × 2 ways; pages 1, 4, 7 all fall in set 1: the third evicts page 1.
    expect(m.tlb.entries("dtlb").map((e) => [e.set, e.way, e.vpn])).toEqual([[1, 0, 7n], [1, 1, 4n]]);
    // STLB: 3 sets × 3 ways: all three fit in set 1.
    expect(m.tlb.entries("stlb").map((e) => [e.set, e.way, e.vpn])).toEqual([[1, 0, 1n], [1, 1, 4n], [1, 2, 7n]]);
  });

  test("age is the LRU order within the set: 0 for the most recently used", async () => {
    const { m, pt } = await machineWithTable({ tlb: small });
    for (const p of [1, 2, 3]) pt.map(p * 0x1000, 0x10000 + p * 0x1000);
    m.translate(0x1000); m.translate(0x2000); m.translate(0x1000);   // dTLB (1 set × 2): page 1 MRU, page 2 LRU
    const ages = () => Object.fromEntries(m.tlb.entries("dtlb").map((e) => [Number(e.vpn), e.age]));
    expect(ages()).toEqual({ 1: 0, 2: 1 });
    const [a, b] = m.tlb.entries("dtlb");
    expect(a!.stamp > b!.stamp).toBe(true);                           // way 0 (page 1) was used last
    m.translate(0x3000);                                               // evicts the LRU: page 2
    expect(ages()).toEqual({ 1: 1, 3: 0 });
  });

  test("PCID and global: the entry carries the PCID it was filled under, G for global pages", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x1000, 0x9000, 4096, { user: true });
    pt.map(0xffff800000000000n, 0xa000, 4096, { global: true });
    m.setControl({ pcide: true, pge: true });
    expect(m.writeCr3(BigInt(pt.cr3) | 5n)).toBeNull();
    m.translate(0x1000, "read", 3);
    m.translate(0xffff800000000010n, "read", 0);
    const byVa = new Map(m.tlb.entries("stlb").map((e) => [e.va, e]));
    expect(byVa.get(0x1000n)).toMatchObject({ pcid: 5, global: false });
    expect(byVa.get(0xffff800000000000n)).toMatchObject({ pcid: 5, global: true, pa: 0xa000, vpn: 0xffff800000000n });
  });

  test("the protection key of the leaf", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x1000, 0x9000, 4096, { user: true, key: 11 });
    m.setControl({ pke: true });
    m.translate(0x1000, "read", 3);
    expect(m.tlb.entries("dtlb")).toMatchObject([{ key: 11 }]);
  });

  test("every page-size class: 2 MiB and 1 GiB (4-level), 4 MiB (32-bit PSE)", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x40000000, 0x400000, PAGE_2M);
    pt.map(0x80000000, 0, PAGE_1G);
    m.translate(0x40012345);
    m.translate(0x80000123);
    const e = m.tlb.entries("dtlb");
    expect(e.map((x) => [x.va, x.pageSize, x.vpn, x.pa, x.set])).toEqual([
      [0x40000000n, PAGE_2M, 0x200n, 0x400000, 0],           // vpn 512 mod 16 = 0
      [0x80000000n, PAGE_1G, 2n, 0, 2],
    ]);

    const m32 = await Machine.create({ ramBytes: 16 << 20, mode: "legacy32", tlb: { kind: "arch" } });
    const pt32 = new PageTableBuilder(m32);
    pt32.map(0xc0400000, 0x800000, PAGE_4M);
    m32.setControl({ cr3: pt32.cr3 });
    expect(pa(m32.translate(0xc0412345))).toBe(0x812345);
    expect(m32.tlb.entries("dtlb")).toMatchObject([{ va: 0xc0400000n, pageSize: PAGE_4M, vpn: 0x301n, pa: 0x800000 }]);
  });

  test("a copy: later flushes do not change what was returned", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
    pt.map(0x1000, 0x9000);
    m.translate(0x1000);
    const before = m.tlb.entries("dtlb");
    m.flushTlb();
    expect(m.tlb.entries("dtlb")).toEqual([]);
    expect(before).toHaveLength(1);
  });
});

describe("tlb.entries: the fast TLB", () => {
  test("a user read fills the user context's read and fetch arrays (not write: D is clear)", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "fast", entries: 64 } });
    pt.map(0x45000, 0x9000, 4096, { user: true });
    m.translate(0x45010, "read", 3);
    const piece = { level: "fast", va: 0x45000n, vpn: 0x45n, pageSize: 4096, pa: 0x9000, set: 0x45 % 64 };
    expect(m.tlb.entries("fast")).toEqual([
      { ...piece, way: 0, context: "user", access: "read" },
      { ...piece, way: 2, context: "user", access: "fetch" },
    ]);
  });

  test("a supervisor write to a dirty NX page: the supervisor read and write arrays; a 2 MiB page goes in 4 KiB pieces", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "fast", entries: 64 } });
    pt.map(0x40000000, 0x400000, PAGE_2M, { nx: true });
    m.translate(0x40003008, "write", 0);
    expect(m.tlb.entries("fast").map((e) => [e.context, e.access, e.va, e.pa, e.way])).toEqual([
      ["supervisor", "read", 0x40003000n, 0x403000, 3],
      ["supervisor", "write", 0x40003000n, 0x403000, 4],
    ]);
  });
});

describe("tlb.entries: levels the machine does not have", () => {
  test("are refused with an error that names the level and the machine's TLB kind", async () => {
    const fast = await Machine.create({ ramBytes: 2 << 20 });
    expect(() => fast.tlb.entries("dtlb")).toThrow(new ConfigError(`tlb.entries: level "dtlb" needs tlb.kind "arch" (this machine's is "fast")`));
    const arch = await Machine.create({ ramBytes: 2 << 20, tlb: { kind: "arch" } });
    expect(() => arch.tlb.entries("fast")).toThrow(/level "fast" needs tlb.kind "fast" \(this machine's is "arch"\)/);
    expect(() => arch.tlb.entries("l2" as "stlb")).toThrow(/"l2" is not "itlb", "dtlb", "stlb" or "fast"/);
  });
});
