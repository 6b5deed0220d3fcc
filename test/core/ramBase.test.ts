// Physical RAM at a configurable base (issue 11 §1): RAM is guest-physical addresses
// [ramBase, ramBase + ramBytes) (RISC-V `virt` 0x80000000, Arm `virt` 0x40000000, x86 0);
// an entry, PDPTE or final address outside it is x86's bus fault, never a trap, and
// changes nothing. Per-call and batched translation agree for every TLB kind.
import { expect, test } from "vitest";
import { Machine, type AccessKind } from "../../src/machine.js";
import { PAGE_2M, PageTableBuilder } from "../../src/arch/x86/pageTable.js";
import type { PagingMode, TlbKind } from "../../src/config.js";

const BASE = 0x8000_0000, RAM = 16 << 20;
const KINDS: TlbKind[] = ["none", "fast", "arch"];

/** A machine at BASE with pages in RAM and four bad pointers: leaves below and past RAM, tables below and past RAM. */
async function board(kind: TlbKind, mode: PagingMode = "4level", base = BASE) {
  const m = await Machine.create({ ramBase: base, ramBytes: RAM, mode, tlb: { kind } });
  const pt = new PageTableBuilder(m);
  pt.map(0x40_0000, base + 0x20_0000, 4096, { user: true });
  pt.map(0x40_1000, base + 0x20_1000, 4096, { user: true });
  const below = pt.map(0x40_2000, base + 0x20_2000, 4096, { user: true });
  const past = pt.map(0x40_3000, base + 0x20_3000, 4096, { user: true });
  if (mode !== "legacy32") pt.map(0x60_0000, base + 0x40_0000, PAGE_2M, { user: true });
  pt.write(below, (pt.read(below) & 0xfffn) | BigInt(base - 0x1000));           // a frame just below RAM
  pt.write(past, (pt.read(past) & 0xfffn) | BigInt(base + RAM));                 // the first frame past RAM
  // A page-table pointer below RAM and one past it, each in a PDE of its own 2 MiB region
  // (accessed, as a walk through it leaves it: the walk sets A on a PDE it uses before reading the PT).
  pt.map(0x80_0000, base + 0x20_4000, 4096, { user: true });
  pt.map(0xa0_0000, base + 0x20_5000, 4096, { user: true });
  const pdeLow = pt.entryAddress(0x80_0000, 2, false)!, pdeHigh = pt.entryAddress(0xa0_0000, 2, false)!;
  pt.write(pdeLow, (pt.read(pdeLow) & 0xfffn) | 0x20n | BigInt(base - 0x2000));
  pt.write(pdeHigh, (pt.read(pdeHigh) & 0xfffn) | 0x20n | BigInt(base + RAM + 0x1000));
  m.setControl({ cr3: pt.cr3 });   // last: PAE loads its PDPTE registers here
  return { m, pt };
}

const ACCESSES: { va: number; kind: AccessKind }[] = [
  { va: 0x40_0123, kind: "read" }, { va: 0x40_1ff8, kind: "write" }, { va: 0x40_2010, kind: "read" },
  { va: 0x40_3000, kind: "write" }, { va: 0x60_1234, kind: "read" }, { va: 0x80_0000, kind: "read" },
  { va: 0xa0_0008, kind: "write" }, { va: 0x40_0123, kind: "write" }, { va: 0x40_2010, kind: "fetch" },
];

test.each(KINDS)("tlb %s: tables at 0x80000000 translate; a PTE or PDE below or past RAM is a bus fault naming the PA, and changes nothing", async (kind) => {
  const { m } = await board(kind);
  expect(m.translate(0x40_0123, "read", 3)).toEqual({ ok: true, pa: BASE + 0x20_0123 });
  expect(m.translate(0x60_1234, "read", 3)).toEqual({ ok: true, pa: BASE + 0x40_1234 });
  const cases: [number, number, number][] = [   // va, bus address, level
    [0x40_2010, BASE - 0x1000 + 0x10, 1], [0x40_3000, BASE + RAM, 1],
    [0x80_0000, BASE - 0x2000, 1], [0xa0_0008, BASE + RAM + 0x1000, 1],
  ];
  for (const [va, bus, level] of cases) {
    m.translate(0x40_0123, "read", 3);    // every A bit on the shared path is set already
    const before = m.phys.read(BASE, RAM);
    for (const kindOf of ["read", "write", "fetch"] as AccessKind[]) {
      const t = m.translate(va, kindOf, 3);
      expect(t.ok, `${va.toString(16)} ${kindOf}`).toBe(false);
      if (t.ok) continue;
      expect(t.fault).toMatchObject({ kind: "BUS", busAddress: BigInt(bus), level, address: BigInt(va) });
      expect(t.fault.message).toContain(`outside RAM (${RAM} bytes at [0x80000000, 0x81000000))`);
    }
    expect(Buffer.compare(m.phys.read(BASE, RAM), before), `RAM changed by ${va.toString(16)}`).toBe(0);
  }
});

test.each(KINDS)("tlb %s: batches and per-call translations agree at a non-zero base (PAs, fault kinds, RAM after)", async (kind) => {
  const perCall = (await board(kind)).m, batched = (await board(kind)).m;
  const seq = [...ACCESSES, ...ACCESSES].map((a) => ({ ...a, cpl: 3 }));
  const one = seq.map((a) => m1(perCall.translate(a.va, a.kind, a.cpl)));
  const many = batched.translateBatch(seq).map(m1);
  expect(many).toEqual(one);
  expect(one.filter((r) => r.ok).length).toBe(4 * 2);   // 0x40_0123 (read, write), 0x40_1ff8, 0x60_1234; the rest bus faults
  expect(Buffer.compare(perCall.phys.read(BASE, RAM), batched.phys.read(BASE, RAM))).toBe(0);
  function m1(t: ReturnType<Machine["translate"]>) { return t.ok ? { ok: true, pa: t.pa } : { ok: false, kind: t.fault.kind }; }
});

test.each(["legacy32", "pae", "4level", "5level"] as PagingMode[])("%s paging with RAM at 0x40000000: walks, PDPTE loads and virtual reads and writes use physical addresses", async (mode) => {
  const base = 0x4000_0000;
  const { m } = await board("arch", mode, base);
  m.writeVirtual(0x40_1ff8, [1, 2, 3, 4], 3);
  expect([...m.phys.read(base + 0x20_1ff8, 4)]).toEqual([1, 2, 3, 4]);
  expect([...m.readVirtual(0x40_1ff8, 4, 3)]).toEqual([1, 2, 3, 4]);
  const w = m.walk(0x40_0123, "read", 3);
  expect(w.result).toEqual({ ok: true, pa: base + 0x20_0123 });
  for (const s of w.steps) expect(s.entryAddress >= BigInt(base) && s.entryAddress < BigInt(base + RAM)).toBe(true);
  const bad = m.walk(0x40_3000, "read", 3);
  expect(bad.result.ok).toBe(false);
  if (!bad.result.ok) expect(bad.result.fault).toMatchObject({ kind: "BUS", busAddress: BigInt(base + RAM) });
});

test("a CR3 below RAM is a bus fault at the root; with paging off a VA below RAM is one too", async () => {
  const m = await Machine.create({ ramBase: BASE, ramBytes: RAM });
  m.setControl({ cr3: 0x1000n });
  expect(m.translate(0x1000, "read")).toMatchObject({ ok: false, fault: { kind: "BUS", busAddress: 0x1000n, level: 4 } });
  const off = await Machine.create({ ramBase: BASE, ramBytes: RAM, mode: "none" });
  expect(off.translate(BASE + 0x10, "read")).toEqual({ ok: true, pa: BASE + 0x10 });
  expect(off.translate(0x10, "read")).toMatchObject({ ok: false, fault: { kind: "BUS", busAddress: 0x10n } });
  expect(off.translate(BASE + RAM, "read")).toMatchObject({ ok: false, fault: { kind: "BUS", busAddress: BigInt(BASE + RAM) } });
});

test("RAM ending at 4 GiB: the PA 0xffffffff is a translation, not the per-call fault value", async () => {
  const base = 2 ** 32 - RAM;
  const m = await Machine.create({ ramBase: base, ramBytes: RAM, tlb: { kind: "fast" } });
  const pt = new PageTableBuilder(m);
  m.setControl({ cr3: pt.cr3 });
  pt.map(0x40_0000, 0xffff_f000, 4096);
  expect(m.translate(0x40_0fff, "read")).toEqual({ ok: true, pa: 0xffff_ffff });
  expect(m.translate(0x40_0fff, "read")).toEqual({ ok: true, pa: 0xffff_ffff });   // the fast TLB's hit
  expect(m.translate(0x50_0000, "read")).toMatchObject({ ok: false, fault: { kind: "PF" } });
});

test("ramBase is validated at the edge, naming the value", async () => {
  await expect(Machine.create({ ramBase: 0x8000_0800 })).rejects.toThrow(/ramBase: 0x80000800 is not 4 KiB aligned/);
  await expect(Machine.create({ ramBase: 0xfff0_0000, ramBytes: RAM })).rejects.toThrow(/ramBase: 0xfff00000 \+ ramBytes 0x1000000 ends at 0x100f00000, past 0x100000000/);
  await expect(Machine.create({ ramBase: -4096 })).rejects.toThrow(/ramBase: -4096 is not a physical address/);
  await expect(Machine.create({ ramBase: 1.5 })).rejects.toThrow(/ramBase: 1.5 is not a physical address/);
  const m = await Machine.create({ ramBase: 0x4000_0000n, ramBytes: RAM });
  expect(m.ramBase).toBe(0x4000_0000);
  expect(JSON.parse(JSON.stringify(m))).toMatchObject({ ramBase: 0x4000_0000, ramBytes: RAM });
  expect(() => m.phys.read(0x3fff_ffff, 2)).toThrow(/physical address 0x3fffffff \(\+2 bytes\) is outside RAM/);
  expect(() => m.phys.read(0x4000_0000 + RAM - 1, 2)).toThrow(/outside RAM/);
  expect(m.phys.read(0x4000_0000 + RAM - 2, 2)).toEqual(new Uint8Array(2));
});
