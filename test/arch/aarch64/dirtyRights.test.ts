// A store that makes a page dirty (TCR.HA = HD = 1, DBM = 1: AP[2] cleared by hardware)
// changes more than its write permission: under SCTLR.WXN a writable page is
// execute-never, and an EL0-writable page is never privileged-executable (Arm ARM,
// AArch64.S1DirectBasePermissions). A fetch allowed while the page was clean must be
// refused once it is dirty, through every TLB kind (the fast TLB used to keep the fetch
// entry its first fill installed; found by the AArch64 walk property).
import { describe, expect, it } from "vitest";
import { AArch64Machine } from "../../../src/arch/aarch64/machine.js";
import { A64PageTableBuilder } from "../../../src/arch/aarch64/pageTable.js";

const RAM = 0x40000000;
const VA = 0x12348000n;                  // 16 KiB aligned
const PA = RAM + 0x400000;
const HA = 1n << 39n, HD = 1n << 40n;
// A permission fault at level 3 on an instruction fetch at EL1: EC 0x21 (instruction abort,
// same EL), IL = 1, IFSC 0x0c + 3: ESR = 0x21 << 26 | 1 << 25 | 0x0f = 0x8600000f.
const FETCH_PERMISSION_L3 = { kind: "permission", level: 3, fsc: 0x0f, esr: 0x8600000f };

async function setup(kind: "arch" | "fast" | "none", ap: number, wxn: boolean, granule: "4k" | "16k" = "4k") {
  const m = await AArch64Machine.create({ arch: "aarch64", ramBytes: 16 << 20, granule, tlb: { kind } });
  const t = new A64PageTableBuilder(m, { granule });
  t.map(VA, PA, granule === "4k" ? 4096 : 16384, { ap, dbm: true });
  m.setControl({ tcr: AArch64Machine.tcrFor(granule, 48) | HA | HD, ttbr0: t.ttbr(), sctlrWxn: wxn });
  return { m, leaf: t.descriptorAddress(VA, 3) };
}

describe("AArch64: rights after the hardware dirty update", () => {
  for (const kind of ["arch", "fast", "none"] as const) {
    it(`${kind} TLB: WXN makes a page execute-never once a store made it writable`, async () => {
      // AP[2:1] = 10: read-only at EL1, no EL0 access. Clean: not writable, so WXN leaves it
      // executable at EL1 (PXN = 0). The store is allowed through DBM and clears AP[2]: now
      // read/write at EL1, so WXN makes it execute-never.
      const { m, leaf } = await setup(kind, 2, true);
      expect(m.translate(VA, "read", 1)).toEqual({ ok: true, pa: PA });
      expect(m.translate(VA, "fetch", 1)).toEqual({ ok: true, pa: PA });
      expect(m.translate(VA + 8n, "write", 1)).toEqual({ ok: true, pa: PA + 8 });
      expect(m.phys.readU64(leaf) & (1n << 7n)).toBe(0n);                         // AP[2] = 0: dirty
      expect(m.translate(VA, "fetch", 1)).toMatchObject({ ok: false, fault: FETCH_PERMISSION_L3 });
      expect(m.translate(VA, "read", 1)).toEqual({ ok: true, pa: PA });           // data access unchanged
    });
    it(`${kind} TLB: a page EL0 can write is not executable at EL1 once it is dirty`, async () => {
      // AP[2:1] = 11: read-only at EL0 and EL1; clean, EL1 may execute it (PXN = 0, not
      // EL0-writable). After the store AP[2:1] = 01: read/write at both, and EL0-writable
      // implies PXN: an EL1 fetch faults, an EL0 fetch (UXN = 0, no WXN) still passes.
      const { m } = await setup(kind, 3, false);
      expect(m.translate(VA, "fetch", 1)).toEqual({ ok: true, pa: PA });
      expect(m.translate(VA, "fetch", 0)).toEqual({ ok: true, pa: PA });
      expect(m.translate(VA, "write", 1)).toEqual({ ok: true, pa: PA });
      expect(m.translate(VA, "fetch", 1)).toMatchObject({ ok: false, fault: FETCH_PERMISSION_L3 });
      expect(m.translate(VA, "fetch", 0)).toEqual({ ok: true, pa: PA });
    });
    it(`${kind} TLB: a 16 KiB page made dirty through one 4 KiB piece is dirty in all of them`, async () => {
      // AP[2:1] = 11 with DBM, WXN: EL0 reads and fetches the first 4 KiB (the TLBs keep 16 KiB
      // pages as 4 KiB pieces); a store at +0x1000 makes the whole page read/write at EL0,
      // so an EL0 fetch at +0 is now execute-never: EC 0x20 (instruction abort from EL0),
      // ESR = 0x20 << 26 | 1 << 25 | 0x0f = 0x8200000f; an EL1 fetch too (EL0-writable).
      const { m } = await setup(kind, 3, true, "16k");
      expect(m.translate(VA, "read", 0)).toEqual({ ok: true, pa: PA });
      expect(m.translate(VA, "fetch", 0)).toEqual({ ok: true, pa: PA });
      expect(m.translate(VA + 0x1000n, "write", 1)).toEqual({ ok: true, pa: PA + 0x1000 });
      expect(m.translate(VA, "fetch", 0)).toMatchObject({ ok: false, fault: { kind: "permission", level: 3, fsc: 0x0f, esr: 0x8200000f } });
      expect(m.translate(VA, "fetch", 1)).toMatchObject({ ok: false, fault: FETCH_PERMISSION_L3 });
      expect(m.translate(VA, "read", 0)).toEqual({ ok: true, pa: PA });
    });
  }
});
