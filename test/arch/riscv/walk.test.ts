// The RISC-V walker's rules, one test per rule of the privileged spec (riscv.md §3-§9),
// through Machine.create({ arch: "riscv" }) with tables built in RISC-V format.
import { describe, expect, test } from "vitest";
import { Machine } from "../../../src/machine.js";
import { RiscvMachine, type RiscvMachineOptions } from "../../../src/arch/riscv/machine.js";
import { RiscvPageTableBuilder, RV_PAGE_1G, RV_PAGE_2M, RV_PAGE_4M, RV_PAGE_64K, RV_PAGE_512G } from "../../../src/arch/riscv/pageTable.js";

const RAM = 0x80000000;
async function setup(opts: Partial<RiscvMachineOptions> = {}) {
  const m = await Machine.create({ arch: "riscv", mode: "sv39", ramBase: RAM, ramBytes: 64 << 20, ...opts });
  const b = new RiscvPageTableBuilder(m);
  m.setControl({ satp: b.satp(0) });
  return { m, b };
}
const fault = (m: RiscvMachine, va: number | bigint, kind: "read" | "write" | "fetch" = "read", priv: "S" | "U" = "S") => {
  const t = m.translate(va, kind, priv);
  return t.ok ? "none" : `${t.fault.kind}:${t.fault.cause}`;
};

describe("Machine.create picks the arch", () => {
  test("riscv gives a RiscvMachine, RAM at 0x80000000 by default; x86 stays the default", async () => {
    const m = await Machine.create({ arch: "riscv" });
    expect(m).toBeInstanceOf(RiscvMachine);
    expect(m.ramBase).toBe(0x80000000);
    expect(m.mode).toBe("sv39");
    expect(m.control().satp).toBe((8n << 60n) | (0x80000000n >> 12n));
    const x = await Machine.create();
    expect(x).toBeInstanceOf(Machine);
    expect(x.mode).toBe("4level");
  });
  test("an unknown arch, mode or option is refused, naming it", async () => {
    await expect(Machine.create({ arch: "mips" } as never)).rejects.toThrow(/arch: "mips"/);
    await expect(Machine.create({ arch: "riscv", mode: "sv64" } as never)).rejects.toThrow(/mode: "sv64"/);
    await expect(Machine.create({ arch: "riscv", mode: "sv39", xlen: 32 })).rejects.toThrow(/needs xlen 64/);
    await expect(Machine.create({ arch: "riscv", pmp: [] } as never)).rejects.toThrow(/pmp/);
    await expect(Machine.create({ arch: "riscv", adMode: "lazy" } as never)).rejects.toThrow(/adMode: "lazy"/);
  });
  test("satp with an unimplemented MODE is refused and nothing changes", async () => {
    const { m } = await setup();
    const before = m.control().satp;
    expect(() => m.setControl({ satp: 11n << 60n })).toThrow(/MODE 11/);
    expect(m.control().satp).toBe(before);
  });
});

describe("translation", () => {
  test("4 KiB, 2 MiB and 1 GiB leaves: the PA keeps the VA's low bits below the leaf", async () => {
    const { m, b } = await setup();
    b.map(0x1000, RAM + 0x400000, 4096);
    b.map(0x200000, RAM + 0x600000, RV_PAGE_2M);
    b.map(0x40000000, RAM, RV_PAGE_1G, { x: true });
    expect(m.translate(0x1abc)).toEqual({ ok: true, pa: RAM + 0x400abc });
    expect(m.translate(0x2fedcb)).toEqual({ ok: true, pa: RAM + 0x6fedcb });
    expect(m.translate(0x43456789, "fetch")).toEqual({ ok: true, pa: RAM + 0x3456789 });
  });
  test("a VA with no valid PTE is a page fault of the access type, stval = VA", async () => {
    const { m } = await setup();
    for (const [kind, cause] of [["read", 13], ["write", 15], ["fetch", 12]] as const) {
      const t = m.translate(0x5000, kind);
      expect(t.ok).toBe(false);
      if (!t.ok) expect(t.fault).toMatchObject({ kind: "page_fault", cause, tval: 0x5000n, level: 2 });   // the empty root
    }
  });
  test("non-canonical Sv39 VA (bit 38 set, 63:39 clear) faults before any PTE is read", async () => {
    const { m } = await setup();
    m.tlb.reset();
    expect(fault(m, 0x40_0000_0000n)).toBe("page_fault:13");
    expect(m.tlb.stats().totals.entryReads).toBe(0);
    expect(m.walk(0x40_0000_0000n).steps).toEqual([]);
  });
  test("XWR = 010 and 110 are reserved: page fault even for a matching access", async () => {
    const { m, b } = await setup();
    const a = b.map(0x1000, RAM + 0x400000, 4096);
    m.phys.writeU64(a, m.phys.readU64(a) & ~0xen | 0x4n);   // W only
    expect(fault(m, 0x1000, "write")).toBe("page_fault:15");
    m.flushTlb();
    m.phys.writeU64(a, m.phys.readU64(a) & ~0xen | 0xcn);   // W X
    expect(fault(m, 0x1000, "fetch")).toBe("page_fault:12");
  });
  test("U rule: U-mode needs U = 1; S-mode fetch from a U page always faults; S data needs SUM", async () => {
    const { m, b } = await setup();
    b.map(0x1000, RAM + 0x400000, 4096, { u: true, x: true });
    b.map(0x2000, RAM + 0x401000, 4096, { x: true });
    expect(fault(m, 0x1000, "read", "U")).toBe("none");
    expect(fault(m, 0x2000, "read", "U")).toBe("page_fault:13");
    expect(fault(m, 0x1000, "read", "S")).toBe("page_fault:13");
    m.setControl({ sum: true });
    expect(fault(m, 0x1000, "read", "S")).toBe("none");
    expect(fault(m, 0x1000, "write", "S")).toBe("none");
    expect(fault(m, 0x1000, "fetch", "S")).toBe("page_fault:12");
    m.setControl({ sum: false });
    expect(fault(m, 0x1000, "read", "S")).toBe("page_fault:13");   // SUM applies at once: no fence
  });
  test("MXR: a load from an execute-only page faults unless MXR = 1; fetches ignore MXR", async () => {
    const { m, b } = await setup();
    b.map(0x1000, RAM + 0x400000, 4096, { r: false, w: false, x: true });
    expect(fault(m, 0x1000, "read")).toBe("page_fault:13");
    m.setControl({ mxr: true });
    expect(fault(m, 0x1000, "read")).toBe("none");
    expect(fault(m, 0x1000, "write")).toBe("page_fault:15");
    b.map(0x2000, RAM + 0x401000, 4096, { w: false });
    expect(fault(m, 0x2000, "fetch")).toBe("page_fault:12");
  });
  test("misaligned superpage: a 2 MiB leaf with PPN[0] ≠ 0 faults", async () => {
    const { m, b } = await setup();
    const a = b.map(0x200000, RAM + 0x600000, RV_PAGE_2M);
    m.phys.writeU64(a, m.phys.readU64(a) | (1n << 10n));
    expect(fault(m, 0x200000)).toBe("page_fault:13");
  });
  test("a pointer with D, A, U, N or PBMT set faults; a pointer at level 0 faults", async () => {
    for (const bit of [0x80n, 0x40n, 0x10n, 1n << 63n, 1n << 61n]) {
      const { m, b } = await setup();
      b.map(0x1000, RAM + 0x400000, 4096);
      const root = BigInt(b.root);
      m.phys.writeU64(root, m.phys.readU64(root) | bit);
      expect(fault(m, 0x1000)).toBe("page_fault:13");
    }
    const { m, b } = await setup();
    const a = b.map(0x1000, RAM + 0x400000, 4096);
    m.phys.writeU64(a, m.phys.readU64(a) & ~0xfen);   // V only: a pointer at the last level
    expect(fault(m, 0x1000)).toBe("page_fault:13");
  });
  test("reserved bits 60:54 fault by the spec; QEMU's quirk ignores them with the extensions on", async () => {
    for (const [quirks, want] of [["spec", "page_fault:13"], ["qemu", "none"]] as const) {
      const { m, b } = await setup({ quirks });
      const a = b.map(0x1000, RAM + 0x400000, 4096);
      m.phys.writeU64(a, m.phys.readU64(a) | (1n << 54n));
      expect(fault(m, 0x1000)).toBe(want);
    }
  });
  test("PBMT needs Svpbmt and menvcfg.PBMTE; 3 is reserved", async () => {
    const { m, b } = await setup();
    b.map(0x1000, RAM + 0x400000, 4096, { pbmt: 1 });
    expect(fault(m, 0x1000)).toBe("page_fault:13");
    m.setControl({ menvcfg: m.k.big.MENVCFG_PBMTE });
    expect(m.control().menvcfg).toBe(m.k.big.MENVCFG_PBMTE);
    expect(fault(m, 0x1000)).toBe("none");
    const a = b.map(0x2000, RAM + 0x401000, 4096);
    m.phys.writeU64(a, m.phys.readU64(a) | (3n << 61n));
    expect(fault(m, 0x2000)).toBe("page_fault:13");
    const { m: plain } = await setup({ extensions: { svpbmt: false } });
    plain.setControl({ menvcfg: plain.k.big.MENVCFG_PBMTE });
    expect(plain.control().menvcfg).toBe(0n);   // PBMTE is read-only 0 without Svpbmt
  });
  test("Svnapot: a 64 KiB leaf takes PPN[0][3:0] from the VA; other N encodings fault; N without Svnapot faults", async () => {
    const { m, b } = await setup();
    b.map(0x10000, RAM + 0x410000, RV_PAGE_64K);
    expect(m.translate(0x1a123)).toEqual({ ok: true, pa: RAM + 0x41a123 });
    expect(m.walk(0x1a123).pageSize).toBe(0x10000);
    const a = b.map(0x40000, RAM + 0x440000, 4096);
    m.phys.writeU64(a, m.phys.readU64(a) | (1n << 63n));   // N = 1 with PPN[3:0] = 0000
    expect(fault(m, 0x40000)).toBe("page_fault:13");
    const { m: plain, b: pb } = await setup({ extensions: { svnapot: false } });
    pb.map(0x10000, RAM + 0x410000, RV_PAGE_64K);
    expect(fault(plain, 0x10000)).toBe("page_fault:13");
  });
  test("Sv48 and Sv57: 512 GiB leaves and upper-half canonical VAs", async () => {
    const { m, b } = await setup({ mode: "sv48" });
    b.map(0, 0, RV_PAGE_512G);
    expect(m.translate(RAM + 0x3456789)).toEqual({ ok: true, pa: RAM + 0x3456789 });
    b.map(0xffff_ffff_ffff_f000n, RAM + 0x1000, 4096);
    expect(m.translate(0xffff_ffff_ffff_f123n)).toEqual({ ok: true, pa: RAM + 0x1123 });
    expect(fault(m, 0x0000_8000_0000_0000n)).toBe("page_fault:13");
    const { m: m57 } = await setup({ mode: "sv57" });
    expect(fault(m57, 0x0000_8000_0000_0000n)).toBe("page_fault:13");   // canonical in Sv57: walks, finds V = 0
    expect(m57.walk(0x0000_8000_0000_0000n).steps.map((s) => s.level)).toEqual([4]);
    expect(fault(m57, 0x0100_0000_0000_0000n)).toBe("page_fault:13");
    expect(m57.walk(0x0100_0000_0000_0000n).steps).toEqual([]);
  });
});

describe("A/D: Svade faults, Svadu updates", () => {
  test("A = 0 faults and D = 0 on a store faults with adMode fault; memory unchanged", async () => {
    const { m, b } = await setup();
    const a = b.map(0x1000, RAM + 0x400000, 4096, { a: false, d: false });
    const before = m.phys.readU64(a);
    expect(fault(m, 0x1000)).toBe("page_fault:13");
    m.phys.writeU64(a, before | 0x40n);
    expect(fault(m, 0x1000)).toBe("none");
    expect(fault(m, 0x1000, "write")).toBe("page_fault:15");
    expect(m.phys.readU64(a)).toBe(before | 0x40n);
  });
  test("adMode update: a read sets A, a store sets A and D, after every check passed", async () => {
    const { m, b } = await setup({ adMode: "update" });
    expect(m.control().menvcfg).toBe(m.k.big.MENVCFG_ADUE);
    const a = b.map(0x1000, RAM + 0x400000, 4096, { a: false, d: false });
    const before = m.phys.readU64(a);
    expect(fault(m, 0x1000)).toBe("none");
    expect(m.phys.readU64(a)).toBe(before | 0x40n);
    expect(fault(m, 0x1000, "write")).toBe("none");
    expect(m.phys.readU64(a)).toBe(before | 0xc0n);
    const c = b.map(0x2000, RAM + 0x401000, 4096, { a: false, d: false, u: true });
    expect(fault(m, 0x2000, "write")).toBe("page_fault:15");   // S store to a U page, SUM = 0
    expect(m.phys.readU64(c) & 0xc0n).toBe(0n);
    m.setControl({ menvcfg: 0n });                              // ADUE = 0: Svade again
    expect(fault(m, 0x2000, "read", "U")).toBe("page_fault:13");
  });
  test("walk() is a peek by default: no A/D written; update: true writes them and records the after value", async () => {
    const { m, b } = await setup({ adMode: "update" });
    const a = b.map(0x1000, RAM + 0x400000, 4096, { a: false, d: false });
    const before = m.phys.readU64(a);
    const peek = m.walk(0x1000, "write");
    expect(peek.result).toEqual({ ok: true, pa: RAM + 0x400000 });
    expect(m.phys.readU64(a)).toBe(before);
    const w = m.walk(0x1000, "write", "S", { update: true });
    expect(w.steps.map((s) => s.level)).toEqual([2, 1, 0]);
    expect(w.steps[2]).toMatchObject({ entryAddress: BigInt(a), value: before, valueAfter: before | 0xc0n, index: 1 });
    expect(m.phys.readU64(a)).toBe(before | 0xc0n);
  });
});

describe("PMA and PMP", () => {
  test("a leaf PA or a table outside RAM is an access fault with the PA named, never a trap", async () => {
    const { m, b } = await setup();
    b.map(0x1000, 0x1000, 4096);                           // below RAM
    b.map(0x2000, RAM + (64 << 20), 4096, { x: true });    // just past RAM
    expect(m.translate(0x1000)).toMatchObject({ ok: false, fault: { kind: "access_fault", cause: 5, busAddress: 0x1000n } });
    expect(fault(m, 0x2000, "write")).toBe("access_fault:7");
    expect(fault(m, 0x2000, "fetch")).toBe("access_fault:1");
    const root = BigInt(b.root);
    m.phys.writeU64(root + 8n * 3n, (0x10_0000_0000n >> 12n) << 10n | 1n);   // pointer to 64 GiB
    expect(m.translate(0xc0000000)).toMatchObject({ ok: false, fault: { kind: "access_fault", cause: 5, level: 1 } });
  });
  test("NAPOT and NA4 entries with R/W/X, the lowest match deciding; no match with entries is a fault", async () => {
    const { m, b } = await setup();
    b.map(0x1000, RAM + 0x400000, 4096, { x: true });
    b.map(0x2000, RAM + 0x401000, 4096, { x: true });
    m.setPmp([
      { match: "na4", base: RAM + 0x401000, r: true },
      { match: "napot", base: RAM + 0x400000, size: 0x1000, r: true, x: true },
      { match: "napot", base: 0, size: 1n << 56n, r: true, w: true, x: true },
    ]);
    expect(fault(m, 0x1000, "read")).toBe("none");
    expect(fault(m, 0x1000, "write")).toBe("access_fault:7");
    expect(fault(m, 0x1000, "fetch")).toBe("none");
    expect(fault(m, 0x2000, "read")).toBe("none");
    expect(fault(m, 0x2000, "write")).toBe("access_fault:7");   // NA4 at its first 4 bytes: read-only
    expect(fault(m, 0x2004, "write")).toBe("none");             // past the NA4 entry: the whole-space entry
    m.setPmp([{ match: "napot", base: RAM + 0x400000, size: 0x1000, r: true }]);
    expect(fault(m, 0x1000)).toBe("access_fault:5");             // the tables match no entry: PTE read refused
    m.setPmp([]);
    expect(fault(m, 0x1000, "write")).toBe("none");
  });
  test("TOR: an entry matches [the previous entry's address, its own), from 0 for the first", async () => {
    const { m, b } = await setup();
    b.map(0x1000, RAM + 0x400000, 4096);
    b.map(0x2000, RAM + 0x401000, 4096);
    b.map(0x3000, RAM + 0x402000, 4096);
    m.setPmp([
      { match: "tor", top: RAM + 0x401000, r: true, w: true },
      { match: "tor", top: RAM + 0x402000, r: true },
    ]);
    expect(fault(m, 0x1000, "write")).toBe("none");
    expect(fault(m, 0x2000, "read")).toBe("none");
    expect(fault(m, 0x2ff8, "write")).toBe("access_fault:7");
    expect(fault(m, 0x3000, "read")).toBe("access_fault:5");   // above every entry
    expect(m.translate(0x3000)).toMatchObject({ ok: false, fault: { busAddress: BigInt(RAM + 0x402000) } });
  });
  test("PMP on a PTE read beats what the PTE holds; on the A/D write it is an access fault after the checks", async () => {
    const { m, b } = await setup({ adMode: "update" });
    const a = b.map(0x1000, RAM + 0x400000, 4096, { a: false });
    const leafTable = a - (a % 4096);
    m.setPmp([
      { match: "napot", base: leafTable, size: 0x1000, r: true },
      { match: "napot", base: 0, size: 1n << 56n, r: true, w: true, x: true },
    ]);
    expect(fault(m, 0x1000)).toBe("access_fault:5");
    expect(m.phys.readU64(a) & 0x40n).toBe(0n);
    m.setPmp([{ match: "napot", base: leafTable, size: 0x1000 }, { match: "napot", base: 0, size: 1n << 56n, r: true, w: true, x: true }]);
    expect(m.translate(0x1000)).toMatchObject({ ok: false, fault: { kind: "access_fault", cause: 5, busAddress: BigInt(a), level: 0 } });
  });
  test("Sv32: 34-bit PAs; a leaf above 4 GiB is an access fault (spec), wraps to PA mod 4 GiB (qemu)", async () => {
    for (const [quirks, want] of [["spec", "access_fault:5"], ["qemu", "none"]] as const) {
      const m = await Machine.create({ arch: "riscv", mode: "sv32", ramBase: RAM, ramBytes: 64 << 20, quirks });
      expect(m.xlen).toBe(32);
      const b = new RiscvPageTableBuilder(m);
      m.setControl({ satp: b.satp(5) });
      expect(m.control().asid).toBe(5);
      b.map(0x1000, 0x1_8000_0000n, 4096);
      b.map(0x400000, RAM + 0x400000, RV_PAGE_4M);
      expect(fault(m, 0x1000)).toBe(want);
      if (quirks === "qemu") expect(m.translate(0x1234)).toEqual({ ok: true, pa: RAM + 0x234 });
      expect(m.translate(0x7abcde)).toEqual({ ok: true, pa: RAM + 0x7abcde });
      expect(() => m.translate(0x1_0000_0000)).toThrow(/RV32/);
    }
  });
});
