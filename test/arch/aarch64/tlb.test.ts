// ASIDs, global entries and TLBI scopes in the architectural TLB (Arm ARM D8.14 "Translation
// Lookaside Buffers", C5.5 "TLB maintenance instructions"). A cached translation is made
// visible by editing its descriptor in memory without TLBI: the TLB still answers with the
// old PA until an operation whose scope covers the entry drops it.
import { describe, expect, it } from "vitest";
import { AArch64Machine, type TlbiOp } from "../../../src/arch/aarch64/machine.js";
import { A64PageTableBuilder } from "../../../src/arch/aarch64/pageTable.js";

const RAM = 0x40000000;
const VA = 0x12345000n;
const PA1 = RAM + 0x400000, PA2 = RAM + 0x500000, PA3 = RAM + 0x600000;
const AS16 = 1n << 36n, A1 = 1n << 22n;

/** Two ASIDs' tables (ASID 1 and 2) for the same VA, nG or global, on a machine with the arch TLB. */
async function setup(opts: { ng: boolean; kind?: "arch" | "fast" | "none" }) {
  const m = await AArch64Machine.create({ arch: "aarch64", ramBytes: 16 << 20, tlb: { kind: opts.kind ?? "arch" } });
  const t1 = new A64PageTableBuilder(m, { allocBase: RAM + 0x100000 });
  const t2 = new A64PageTableBuilder(m, { allocBase: RAM + 0x200000 });
  t1.map(VA, PA1, 4096, { ng: opts.ng });
  t2.map(VA, PA2, 4096, { ng: opts.ng });
  const tcr = AArch64Machine.tcrFor("4k", 48) | AS16;
  const use = (t: A64PageTableBuilder, asid: number) => m.setControl({ tcr, ttbr0: t.ttbr(asid) });
  use(t1, 1);
  const pa = () => { const r = m.translate(VA + 8n, "read", 1); return r.ok ? r.pa - 8 : r.fault.kind; };
  /** Point the ASID-1 leaf at PA3 without TLBI. */
  const retarget = () => m.phys.writeU64(t1.descriptorAddress(VA, 3), BigInt(PA3) | 3n | (1n << 10n) | (opts.ng ? 1n << 11n : 0n));
  const op = (o: TlbiOp, asid = 0) => m.tlbi(o, AArch64Machine.tlbiOperand(VA, asid));
  return { m, t1, t2, use, pa, retarget, op };
}

describe("AArch64 TLB: ASIDs and nG", () => {
  it("a non-global translation belongs to its ASID: switching TTBR0's ASID needs no TLBI and never sees another ASID's entry", async () => {
    const s = await setup({ ng: true });
    expect(s.pa()).toBe(PA1);
    s.use(s.t2, 2);
    expect(s.pa()).toBe(PA2);
    s.retarget();
    s.use(s.t1, 1);
    expect(s.pa()).toBe(PA1);                  // ASID 1's entry is still cached (stale: no TLBI yet)
    s.op("VAE1", 2);                           // another ASID's TLBI leaves it
    expect(s.pa()).toBe(PA1);
    s.op("VAE1", 1);
    expect(s.pa()).toBe(PA3);
  });

  it("a global translation (nG = 0) is used by every ASID until a TLBI covers it", async () => {
    const s = await setup({ ng: false });
    expect(s.pa()).toBe(PA1);
    s.use(s.t2, 2);
    expect(s.pa()).toBe(PA1);                  // the global entry matches ASID 2 too
    s.op("ASIDE1", 2);                         // ASIDE1 keeps global entries
    expect(s.pa()).toBe(PA1);
    s.op("VAE1", 7);                           // VAE1 drops the VA's global entries whatever the ASID
    expect(s.pa()).toBe(PA2);
  });

  it("ASIDE1 drops that ASID's non-global entries only", async () => {
    const s = await setup({ ng: true });
    expect(s.pa()).toBe(PA1);
    s.retarget();
    s.op("ASIDE1", 2);
    expect(s.pa()).toBe(PA1);
    s.op("ASIDE1", 1);
    expect(s.pa()).toBe(PA3);
  });

  for (const o of ["VAAE1", "VAALE1", "VMALLE1", "VALE1", "VAE1IS"] as const) {
    it(`${o} drops the VA's entry of the current ASID`, async () => {
      const s = await setup({ ng: true });
      expect(s.pa()).toBe(PA1);
      s.retarget();
      expect(s.pa()).toBe(PA1);
      s.m.tlbi(o, AArch64Machine.tlbiOperand(VA, 1));
      expect(s.pa()).toBe(PA3);
    });
  }

  it("TLBI by VA leaves other pages", async () => {
    const s = await setup({ ng: true });
    s.t1.map(VA + 0x1000n, PA2, 4096, { ng: true });
    expect(s.pa()).toBe(PA1);
    const other = () => { const r = s.m.translate(VA + 0x1000n, "read", 1); return r.ok ? r.pa : -1; };
    expect(other()).toBe(PA2);
    s.m.phys.writeU64(s.t1.descriptorAddress(VA + 0x1000n, 3), BigInt(PA3) | 3n | (1n << 10n) | (1n << 11n));
    s.op("VAAE1");
    expect(other()).toBe(PA2);                 // still cached
  });

  it("TCR.AS = 0: only TTBR[55:48] is the ASID; TCR.A1 = 1 takes it from TTBR1", async () => {
    const s = await setup({ ng: true });
    const tcr8 = AArch64Machine.tcrFor("4k", 48);
    s.m.setControl({ tcr: tcr8, ttbr0: s.t1.ttbr(0x1201) });
    expect(s.m.control().asid).toBe(0x01);
    s.m.setControl({ tcr: tcr8 | A1, ttbr1: 0x77n << 48n });
    expect(s.m.control().asid).toBe(0x77);
    s.m.setControl({ tcr: tcr8 | AS16 | A1, ttbr1: 0xbeefn << 48n });
    expect(s.m.control().asid).toBe(0xbeef);
  });

  it("a tagged VA (TBI) shares the canonical VA's entry, and TLBI by VA drops it", async () => {
    const s = await setup({ ng: true });
    const tbi0 = 1n << 37n;
    s.m.setControl({ tcr: s.m.control().tcr | tbi0 });
    s.m.flushTlb();
    const tagged = (0x5an << 56n) | VA;
    const r = s.m.translate(tagged + 8n, "read", 1);
    expect(r).toEqual({ ok: true, pa: PA1 + 8 });
    s.retarget();
    expect(s.m.translate(VA, "read", 1)).toEqual({ ok: true, pa: PA1 });   // the tagged walk filled the canonical entry
    s.op("VAE1", 1);
    expect(s.m.translate(tagged, "read", 1)).toEqual({ ok: true, pa: PA3 });
  });

  it("a write hit on a writable-clean entry (DBM, HA = HD = 1) walks again and marks the page dirty", async () => {
    const m = await AArch64Machine.create({ arch: "aarch64", ramBytes: 16 << 20, tlb: { kind: "arch" } });
    const t = new A64PageTableBuilder(m);
    t.map(VA, PA1, 4096, { ap: 2, dbm: true, af: false });
    m.setControl({ tcr: AArch64Machine.tcrFor("4k", 48) | (1n << 39n) | (1n << 40n), ttbr0: t.ttbr() });
    const ea = t.descriptorAddress(VA, 3);
    expect(m.translate(VA, "read", 1)).toEqual({ ok: true, pa: PA1 });
    expect(m.phys.readU64(ea) & ((1n << 10n) | (1n << 7n))).toBe((1n << 10n) | (1n << 7n));  // AF set, still clean
    expect(m.translate(VA, "write", 1)).toEqual({ ok: true, pa: PA1 });
    expect(m.phys.readU64(ea) & (1n << 7n)).toBe(0n);                                         // AP[2] cleared: dirty
  });

  it("TCR.E0PD0 faults an EL0 access even when an EL1 access cached the translation (TCR_EL1.E0PD0)", async () => {
    for (const kind of ["arch", "fast", "none"] as const) {
      const m = await AArch64Machine.create({ arch: "aarch64", ramBytes: 16 << 20, tlb: { kind } });
      const t = new A64PageTableBuilder(m);
      t.map(VA, PA1, 4096, { ap: 1 });
      m.setControl({ tcr: AArch64Machine.tcrFor("4k", 48) | (1n << 55n), ttbr0: t.ttbr() });
      expect(m.translate(VA, "read", 1)).toEqual({ ok: true, pa: PA1 });
      expect(m.translate(VA, "read", 0)).toMatchObject({ ok: false, fault: { kind: "translation", level: 0, fsc: 4, esr: 0x92000004 } });
      expect(m.translate(VA, "write_unpriv", 1)).toMatchObject({ ok: false, fault: { kind: "translation", level: 0, wnr: 1 } });
    }
  });

  it("PAN and UAO are judged at access time on a cached entry (no TLBI needed)", async () => {
    for (const kind of ["arch", "fast", "none"] as const) {
      const m = await AArch64Machine.create({ arch: "aarch64", ramBytes: 16 << 20, tlb: { kind } });
      const t = new A64PageTableBuilder(m);
      t.map(VA, PA1, 4096, { ap: 1 });          // EL0 and EL1 read/write
      m.setControl({ tcr: AArch64Machine.tcrFor("4k", 48), ttbr0: t.ttbr() });
      expect(m.translate(VA, "read", 1)).toEqual({ ok: true, pa: PA1 });
      m.setControl({ pan: true });
      expect(m.translate(VA, "read", 1)).toMatchObject({ ok: false, fault: { kind: "permission", level: 3, fsc: 0x0f } });
      expect(m.translate(VA, "read_unpriv", 1)).toEqual({ ok: true, pa: PA1 });
      m.setControl({ uao: true });             // LDTR under UAO is an EL1 access: PAN applies
      expect(m.translate(VA, "read_unpriv", 1)).toMatchObject({ ok: false, fault: { kind: "permission" } });
      m.setControl({ pan: false });
      expect(m.translate(VA, "read", 1)).toEqual({ ok: true, pa: PA1 });
    }
  });
});
