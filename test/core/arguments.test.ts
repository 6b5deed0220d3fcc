// The public API's edge: a bad argument or option is an error that names it and says
// what was expected (ConfigError for options, ArgumentTypeError/ArgumentRangeError for
// arguments), never a raw engine exception, a silent truncation or an ignored typo.
import { describe, expect, test } from "vitest";
import { Machine } from "../../src/machine.js";
import { PageTableBuilder, PAGE_1G, PAGE_2M, PAGE_4M } from "../../src/arch/x86/pageTable.js";
import { ArgumentRangeError, ArgumentTypeError, ConfigError } from "../../src/config.js";
import { Batch } from "../../src/batch.js";

/** Our own error classes only: a bare TypeError/RangeError/SyntaxError is a raw engine exception. */
function expectOurs(f: () => unknown, cls: typeof ConfigError | typeof ArgumentTypeError | typeof ArgumentRangeError, message: RegExp): void {
  let err: unknown = null;
  try { f(); } catch (e) { err = e; }
  expect(err, String(message)).toBeInstanceOf(cls);
  expect((err as Error).message).toMatch(message);
}

async function machine() {
  const m = await Machine.create({ ramBytes: 4 << 20 });
  const pt = new PageTableBuilder(m);
  m.setControl({ cr3: pt.cr3 });
  pt.map(0x1000, 0x5000);
  return { m, pt };
}

describe("unknown option keys are refused, naming the key and the valid ones", () => {
  test.each([
    [{ ramByte: 1 << 20 }, /Machine\.create: unknown option "ramByte" \(valid: arch, ramBytes, mode, maxPhyAddr, quirks, pages1G, tlb, memory, ramOffset, ramBase\)/],
    [{ tlb: { kindd: "arch" } }, /tlb: unknown option "kindd" \(valid: kind, entries, itlb, dtlb, stlb\)/],
    [{ tlb: { kind: "arch", stlb: { entries: 64, way: 4 } } }, /tlb\.stlb: unknown option "way" \(valid: entries, ways\)/],
  ])("Machine.create(%o)", async (opts, message) => {
    await expect(Machine.create(opts as never)).rejects.toThrow(ConfigError);
    await expect(Machine.create(opts as never)).rejects.toThrow(message);
  });

  test("setControl, loadState, map, translate, walk and the builder's options", async () => {
    const { m, pt } = await machine();
    expectOurs(() => m.setControl({ bogus: 1 } as never), ConfigError, /setControl: unknown option "bogus" \(valid: cr0, cr3, cr4, efer, wp, pse, pge, smep, smap, pke, pcide, nxe, ac, pkru\)/);
    expectOurs(() => m.loadState({ cr2: 1n } as never), ConfigError, /loadState: unknown option "cr2" \(valid: cr0, cr3, cr4, efer\)/);
    expectOurs(() => pt.map(0x2000, 0x6000, 4096, { bogus: true } as never), ConfigError, /flags: unknown option "bogus" \(valid: write, user, nx, global, accessed, dirty, pwt, pcd, key\)/);
    expectOurs(() => m.translate(0x1000, "read", 0, { implict: true } as never), ConfigError, /translate options: unknown option "implict" \(valid: implicit\)/);
    expectOurs(() => m.walk(0x1000, "read", 0, { updat: true } as never), ConfigError, /walk options: unknown option "updat" \(valid: update, implicit\)/);
    expectOurs(() => new PageTableBuilder(m, { allocbase: 0 } as never), ConfigError, /PageTableBuilder: unknown option "allocbase"/);
    expectOurs(() => m.translateBatch([{ va: 0x1000, knd: "read" } as never]), ConfigError, /translateBatch item 0: unknown option "knd"/);
  });
});

test("JSON.stringify(machine) gives a plain summary", async () => {
  const { m, pt } = await machine();
  const json = JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
  expect(json).toMatchObject({ ramBytes: 4 << 20, mode: "4level", maxPhyAddr: 40, quirks: "sdm", pages1G: true,
    tlb: { kind: "fast", entries: 4096 }, control: { cr3: `0x${pt.cr3.toString(16)}`, pkru: "0x0", ac: false } });
  expect(JSON.stringify(m.k.num)).toContain('"PTE_USER":4');
  expect(JSON.parse(JSON.stringify(pt)).machine.mode).toBe("4level");
});

describe("raw JS exceptions never reach the caller", () => {
  test("Machine.create with something that is not an options object", async () => {
    for (const bad of [null, 5, "4level", [1]]) {
      await expect(Machine.create(bad as never), String(bad)).rejects.toThrow(ConfigError);
      await expect(Machine.create(bad as never)).rejects.toThrow(/Machine\.create: .* is not an object of options/);
    }
    await expect(Machine.create({ ramOffset: "x" } as never)).rejects.toThrow(/ramOffset: "x" is not a 4 KiB-aligned offset/);
    await expect(Machine.create({ ramBase: "x" } as never)).rejects.toThrow(/ramBase: "x" is not a physical address/);
    await expect(Machine.create({ pages1G: 1 } as never)).rejects.toThrow(/pages1G: 1 is not a boolean/);
  });

  test("addresses that are not a number or a bigint", async () => {
    const { m } = await machine();
    expectOurs(() => m.translate("0x1000" as never), ArgumentTypeError, /virtual address "0x1000" is not a number or a bigint/);
    expectOurs(() => m.walk(null as never), ArgumentTypeError, /virtual address null is not a number or a bigint/);
    expectOurs(() => m.invlpg({} as never), ArgumentTypeError, /virtual address \{\} is not a number or a bigint/);
    expectOurs(() => m.readVirtual(-1, 4), ArgumentRangeError, /virtual address -1 is not a safe non-negative integer/);
    expectOurs(() => m.translateBatch([{ va: "1" as never }]), ArgumentTypeError, /translateBatch item 0: virtual address "1" is not/);
    expectOurs(() => m.translateBatch("x" as never), ArgumentTypeError, /translateBatch: "x" is not an array/);
  });

  test("access kinds, CPLs and flags", async () => {
    const { m } = await machine();
    expectOurs(() => m.walk(0x1000, "bogus" as never), ArgumentRangeError, /access kind "bogus" is not "read", "write" or "fetch"/);
    expectOurs(() => m.walk(0x1000, "constructor" as never), ArgumentRangeError, /access kind "constructor" is not/);
    expectOurs(() => m.translate(0x1000, "read", 7), ArgumentRangeError, /cpl: 7 is not a whole number from 0 to 3/);
    expectOurs(() => m.translate(0x1000, "read", "3" as never), ArgumentTypeError, /cpl: "3" is not a number/);
    expectOurs(() => m.translate(0x1000, "read", 0, { implicit: 1 } as never), ArgumentTypeError, /implicit: 1 is not a boolean/);
    expectOurs(() => m.walk(0x1000, "read", 0, { update: "yes" } as never), ConfigError, /update: "yes" is not a boolean/);
    expectOurs(() => m.access("write", 1.5), ArgumentRangeError, /cpl: 1\.5 is not a whole number from 0 to 3/);
  });

  test("CR3, INVPCID and PKRU values", async () => {
    const { m } = await machine();
    expectOurs(() => m.writeCr3("abc" as never), ArgumentTypeError, /cr3: "abc" is not a bigint or a number/);
    expectOurs(() => m.invpcid(1.5, 0), ArgumentRangeError, /invpcid type: 1\.5 is not a whole number/);
    expectOurs(() => m.invpcid(0, 2 ** 32), ArgumentRangeError, /invpcid pcid: 4294967296 is not a whole number/);
    expect(m.invpcid(4, 0)?.kind).toBe("GP");               // a u32 type above 3 is the CPU's #GP, not our error
    expectOurs(() => m.setControl({ pkru: "0" as never }), ArgumentTypeError, /pkru: "0" is not a number/);
  });

  test("physical memory: negative, fractional, non-numeric addresses and lengths, and data that is not bytes", async () => {
    const { m } = await machine();
    expectOurs(() => m.phys.read(-1, 4), ArgumentRangeError, /physical address -1 is negative/);
    expectOurs(() => m.phys.read(-1n, 4), ArgumentRangeError, /physical address -0x1 is negative/);
    expectOurs(() => m.phys.read(1.5, 4), ArgumentRangeError, /physical address 1\.5 is not a safe integer/);
    expectOurs(() => m.phys.read("0" as never, 4), ArgumentTypeError, /physical address "0" is not a number or a bigint/);
    expectOurs(() => m.phys.read(0, -1), ArgumentRangeError, /length: -1 is not a whole number from 0 to 4194304/);
    expectOurs(() => m.phys.zero(0, 2.5), ArgumentRangeError, /length: 2\.5/);
    expectOurs(() => m.phys.write(0x2000, "abc" as never), ArgumentTypeError, /data: "abc" is not a Uint8Array or an array of bytes/);
    expectOurs(() => m.phys.write(0x2000, [1, 256]), ArgumentRangeError, /data\[1\]: 256 is not a byte \(0 to 255\)/);
    expectOurs(() => m.phys.write(0x2000, new Uint16Array([0x1234]) as never), ArgumentRangeError, /data\[0\]: 4660 is not a byte/);
    expectOurs(() => m.phys.writeU32(0x2000, -1), ArgumentRangeError, /value: -1 is not a whole number from 0 to 4294967295/);
    expectOurs(() => m.phys.writeU64(0x2000, 1n << 64n), ArgumentRangeError, /value: 0x10000000000000000 does not fit 64 bits/);
    m.phys.writeU64(0x2000, -1n);                          // a signed 64-bit value is 64 bits: stored as its pattern
    expect(m.phys.readU64(0x2000)).toBe(2n ** 64n - 1n);
    expect([...m.phys.read(0x2000, 2)]).toEqual([255, 255]);
    m.phys.write(0x2000, [1, 2]);
    expect([...m.phys.read(0x2000, 2)]).toEqual([1, 2]);
  });

  test("virtual reads and writes: lengths and data checked before any translation", async () => {
    const { m } = await machine();
    expectOurs(() => m.readVirtual(0x1000, -1), ArgumentRangeError, /length: -1 is not a whole number/);
    expectOurs(() => m.readVirtual(0x1000, 1, 5), ArgumentRangeError, /cpl: 5/);
    expectOurs(() => m.writeVirtual(0x1000, "abc" as never), ArgumentTypeError, /data: "abc" is not a Uint8Array/);
    expect(m.tlb.stats().totals.translations).toBe(0);
  });

  test("the builder's entry helpers: addresses as numbers, levels, entry widths", async () => {
    const { pt } = await machine();
    expect(pt.entryAddress(0x1000, 1, false)).toBe(pt.entryAddress(0x1000n, 1, false));
    expectOurs(() => pt.entryAddress(0x1000n, 5), ArgumentRangeError, /level: 5 is not a whole number from 1 to 4/);
    expectOurs(() => pt.entryAddress(0x8000_0000_0000n, 1), ArgumentRangeError, /va: 0x800000000000 is not canonical/);
    expectOurs(() => pt.write(0x2000, 2n ** 64n), ArgumentRangeError, /entry: 0x10000000000000000 does not fit 64 bits/);
    const m32 = await Machine.create({ ramBytes: 4 << 20, mode: "legacy32" });
    expectOurs(() => new PageTableBuilder(m32).write(0x2000, 1n << 32n), ArgumentRangeError, /entry: 0x100000000 does not fit a 4-byte legacy32 entry/);
  });

  test("batches: count and start", async () => {
    const { m } = await machine();
    expectOurs(() => Batch.decodeFault(5n), ArgumentRangeError, /batch result 0x5 is not a fault/);
    expectOurs(() => Batch.decodeFault(-1 as never), ArgumentRangeError, /batch result -1 is not a fault/);
    expectOurs(() => m.batch.run(1.5), ArgumentRangeError, /batch count 1\.5 is not 0\.\.65536/);
    expectOurs(() => m.batch.run("2" as never), ArgumentRangeError, /batch count "2" is not/);
    expectOurs(() => m.batch.run(2, true, 3), ArgumentRangeError, /batch start 3 is not 0\.\.2/);
  });
});

test("the core's own configure export refuses, changing nothing, what would take it outside its regions or RAM", async () => {
  const m = await Machine.create({ ramBytes: 4 << 20, tlb: { kind: "arch" } });
  const pt = new PageTableBuilder(m);
  m.setControl({ cr3: pt.cr3 });
  pt.map(0x1000, 0x5000);
  expect(m.translate(0x1000)).toEqual({ ok: true, pa: 0x5000 });
  const base = await Machine.coreEnd(), n = m.k.num;
  const good = [base, BigInt(4 << 20), 40, 0, 1, n.TLB_KIND_ARCH, 16, 64, 8, 64, 4, 1536, 12] as const;
  const bad: [number, number | bigint][] = [
    [0, 0], [0, base - 4096], [0, base + 1], [1, 0n], [1, BigInt(m.memory.buffer.byteLength)], [2, 31], [2, 53], [3, 2],
    [5, 3], [6, 0], [6, 3], [6, 1 << 17], [8, 0], [7, 0], [7, 65537 * 8], [8, 3], [12, 0], [11, 1537],
  ];
  for (const [i, v] of bad) {
    const args = [...good] as (number | bigint)[];
    args[i] = v;
    expect((m.core.configure as (...a: (number | bigint)[]) => number)(...args), `argument ${i} = ${v}`).toBe(-1);
  }
  expect(m.core.translateBatch(n.BATCH_CAPACITY + 1, 0, 0), "batch count past the buffers").toBe(n.BATCH_REFUSED);
  expect(m.core.translateBatch(4, 0, 5), "batch start past the count").toBe(n.BATCH_REFUSED);
  expect(m.tlb.stats().dtlb!.misses).toBe(1);                // counters, TLB and geometry as they were
  expect(m.translate(0x1000)).toEqual({ ok: true, pa: 0x5000 });
  expect(m.tlb.stats().dtlb!.hits).toBe(1);
});

describe("PageTableBuilder.map refuses what its entry cannot hold, naming the value", () => {
  test.each([
    ["4level", 0x8000_0000_0000n, 0x5000, 4096, /va: 0x800000000000 is not canonical for 4level paging \(bits 63:47 must all equal bit 47\)/],
    ["5level", 0x0100_0000_0000_0000n, 0x5000, 4096, /va: 0x100000000000000 is not canonical for 5level paging \(bits 63:56/],
    ["pae", 0x1_0000_0000n, 0x5000, 4096, /va: 0x100000000 is above the 32-bit addresses of pae paging/],
    ["legacy32", 0x1_0000_1000n, 0x5000, 4096, /va: 0x100001000 is above the 32-bit addresses of legacy32 paging/],
    ["4level", 0x1000, 1n << 40n, 4096, /pa: 0x10000000000 \(\+0x1000\) is above the 40-bit physical addresses this entry holds \(MAXPHYADDR 40\)/],
    ["4level", 0x1000, 2n ** 64n, 4096, /pa: 0x10000000000000000 does not fit 64 bits/],
    ["4level", 0x1000, -4096, 4096, /pa: -4096 is not a safe non-negative integer/],
    ["legacy32", 0x1000, 0x1_0000_0000n, 4096, /pa: 0x100000000 \(\+0x1000\) is above the 32-bit physical addresses/],
    ["legacy32", 0x400000, 1n << 40n, PAGE_4M, /pa: 0x10000000000 \(\+0x400000\) is above the 40-bit physical addresses/],
    ["4level", 0x1000, 0x5800, 4096, /pa: 0x5800 is not aligned to the page size 0x1000/],
    ["4level", 0x200000, 0x5000, PAGE_2M, /pa: 0x5000 is not aligned to the page size 0x200000/],
    ["4level", 0x1000, 0x5000, 8192, /size: 8192 is not a page size of 4level paging \(4096 \(4 KiB\), 2097152 \(2 MiB\), 1073741824 \(1 GiB\)\)/],
    ["pae", 0, 0, PAGE_1G, /size: 1073741824 is not a page size of pae paging/],
    ["4level", -1, 0x5000, 4096, /va -1 is not a safe non-negative integer/],
  ])("%s: map(%s, %s, %s)", async (mode, va, pa, size, message) => {
    const m = await Machine.create({ ramBytes: 4 << 20, mode: mode as never });
    const pt = new PageTableBuilder(m);
    const before = m.phys.bytes.slice();
    let err: unknown = null;
    try { pt.map(va as never, pa as never, size as never); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toHaveProperty("constructor", TypeError);
    expect((err as Error).message).toMatch(message);
    expect(Buffer.compare(m.phys.bytes, before), "nothing written").toBe(0);
  });

  test("a 1 GiB page on a CPU without 1 GiB pages", async () => {
    const m = await Machine.create({ ramBytes: 4 << 20, pages1G: false });
    expect(() => new PageTableBuilder(m).map(0x4000_0000, 0, PAGE_1G)).toThrow(/size: 1073741824 \(1 GiB\) needs 1 GiB pages, which this machine's CPU lacks \(pages1G: false\)/);
  });

  test("the largest addresses each mode holds are accepted", async () => {
    const m4 = await Machine.create({ ramBytes: 4 << 20, maxPhyAddr: 52 });
    const pt4 = new PageTableBuilder(m4);
    pt4.map(0xffff_ffff_ffff_f000n, (1n << 52n) - 4096n);
    pt4.map(0x7fff_ffff_f000n, 0x5000);
    const m32 = await Machine.create({ ramBytes: 4 << 20, mode: "legacy32" });
    new PageTableBuilder(m32).map(0xffc0_0000, (1n << 40n) - 0x400000n, PAGE_4M);
  });

  test("flags: booleans and a key 0..15", async () => {
    const { pt } = await machine();
    expect(() => pt.map(0x2000, 0x6000, 4096, { user: "yes" } as never)).toThrow(/flags\.user: "yes" is not a boolean/);
    expect(() => pt.map(0x2000, 0x6000, 4096, { key: 16 })).toThrow(/key: 16 is not 0\.\.15/);
    expect(() => pt.map(0x2000, 0x6000, 4096, null as never)).toThrow(/flags: null is not an object of options/);
  });

  test("builder options: a base or limit outside RAM, a bad mode", async () => {
    const { m } = await machine();
    expect(() => new PageTableBuilder(m, { allocLimit: 8 << 20 })).toThrow(/allocLimit: 8388608 is not a whole number from 4096 to 4194304/);
    expect(() => new PageTableBuilder(m, { allocBase: -4096 })).toThrow(/allocBase: -4096 is not a whole number/);
    expect(() => new PageTableBuilder(m, { mode: "6level" as never })).toThrow(/mode: "6level" is not one of/);
  });
});
