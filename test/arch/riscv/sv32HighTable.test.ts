// Sv32 with a page table at or above 4 GiB (a 34-bit PPN in a pointer PTE), under quirks
// "qemu" and "spec", in the core and in the reference model, worked by hand.
//
// QEMU 7.2 (the oracle's version), target/riscv/cpu_helper.c, get_physical_address():
//   hwaddr ppn; ...                                  (34-bit arithmetic)
//   base = ppn << PGSHIFT;                           (inner PTE: the table at its full address)
//   pte_addr = base + idx * ptesize;
//   pmp_ret = get_physical_address_pmp(env, &pmp_prot, NULL, pte_addr, sizeof(target_ulong),
//                                      MMU_DATA_LOAD, PRV_S);   → TRANSLATE_PMP_FAIL (access fault)
//   pte = address_space_ldl(cs->as, pte_addr, attrs, &res);
//   if (res != MEMTX_OK) return TRANSLATE_FAIL;      (page fault: pte_bus_error_is_page_fault)
// and target/riscv/pmp.c (7.2): bool pmp_hart_has_privs(CPURISCVState *env, target_ulong addr, ...)
// — on qemu-system-riscv32 target_ulong is 32 bits, so PMP sees pte_addr mod 4 GiB (QEMU 9.0's
// "target/riscv/pmp: Use hwaddr instead of target_ulong for RV32" changed that), while the
// read goes to the full 34-bit address. The spec: PMP and PMA both see the 34-bit address.
import { describe, expect, test } from "vitest";
import { Machine } from "../../../src/machine.js";
import type { RiscvMachine } from "../../../src/arch/riscv/machine.js";
import { RiscvModel } from "../../../src/model/riscvModel.js";
import { ArrayMemory } from "../../../src/model/riscvMemory.js";
import type { PmpEntry } from "../../../src/model/riscvPmp.js";

const RAM = 0x80000000;
const RAM_BYTES = 1 << 20;                 // RAM is [0x8000_0000, 0x8010_0000)
const VA = 0x00401000;                     // VPN[1] = 0x401000 >> 22 = 1, VPN[0] = (0x401000 >> 12) & 0x3ff = 1
// Root at 0x8000_1000; its entry 1 (at 0x8000_1004) points to PPN 0x18_0002, a table at
// 0x1_8000_2000: PTE = 0x180002 << 10 | V = 0x6000_0800 | 1. The level-0 entry the walk reads
// is at 0x1_8000_2000 + 1 * 4 = 0x1_8000_2004, whose address mod 4 GiB is 0x8000_2004 (in RAM).
const ROOT = RAM + 0x1000, ROOT_PTE = ROOT + 4, POINTER = 0x60000801, LEAF_PTE_ADDR = 0x1_8000_2004n;
// PMP entries as the CSRs hold them. NAPOT pmpaddr = base >> 2 | (size >> 3) - 1; cfg = A << 3 | XWR.
const RAM_R: PmpEntry = { cfg: (3 << 3) | 1, addr: 0x2001ffffn };        // RAM's 1 MiB (0x2000_0000 | 0x1_ffff), R
const RAM_RWX: PmpEntry = { cfg: (3 << 3) | 7, addr: 0x2001ffffn };      // RAM's 1 MiB, RWX
const PAGE_2_NONE: PmpEntry = { cfg: 3 << 3, addr: 0x200009ffn };        // 0x8000_2000 + 4 KiB (0x2000_0800 | 0x1ff), no access
const ALL_RWX: PmpEntry = { cfg: (3 << 3) | 7, addr: 0xffffffffn };      // pmpaddr all ones: the whole 34-bit space

/** Core and model set up alike: the root entry written, satp pointing at the root. */
async function both(quirks: "spec" | "qemu", pmp: PmpEntry[]) {
  const m = await Machine.create({ arch: "riscv", mode: "sv32", ramBase: RAM, ramBytes: RAM_BYTES, quirks }) as RiscvMachine;
  m.phys.writeU32(ROOT_PTE, POINTER);
  m.setPmp(pmp);
  const satp = m.satpFor("sv32", 0, ROOT);
  expect(satp).toBe((1n << 31n) | 0x80001n);           // MODE = 1 (Sv32), ASID 0, PPN 0x8_0001
  m.setControl({ satp });
  const bytes = new Uint8Array(RAM_BYTES);
  new DataView(bytes.buffer).setUint32(ROOT_PTE - RAM, POINTER, true);
  const model = new RiscvModel(new ArrayMemory(bytes, BigInt(RAM)), { xlen: 32, quirks, pmp });
  expect(model.setControl({ satp, sum: false, mxr: false, menvcfg: 0n })).toBe(true);
  return { m, model };
}

/** The core's outcome and the model's, as (kind, cause, tval) strings. */
function outcomes(m: RiscvMachine, model: RiscvModel, kind: "read" | "write" | "fetch") {
  const got = m.translate(VA, kind, "S");
  const want = model.translate(BigInt(VA), kind, "S", 1);
  return {
    core: got.ok ? `ok 0x${got.pa.toString(16)}` : `${got.fault.kind} ${got.fault.cause} 0x${got.fault.tval.toString(16)}`,
    model: want.ok ? `ok 0x${want.pa.toString(16)}` : `${want.fault} ${want.cause} 0x${want.tval.toString(16)}`,
  };
}

describe("Sv32: a page table at or above 4 GiB", () => {
  test("qemu: PMP allows the address mod 4 GiB, the read at 0x1_8000_2004 meets no memory: a page fault", async () => {
    // PMP at 0x8000_2004: inside RAM_R, R granted; the read at 0x1_8000_2004 is past RAM:
    // TRANSLATE_FAIL, a page fault of the access type (13 load, 15 store, 12 fetch), tval = VA.
    const { m, model } = await both("qemu", [RAM_R]);
    for (const [kind, cause] of [["read", 13], ["write", 15], ["fetch", 12]] as const) {
      expect(outcomes(m, model, kind)).toEqual({ core: `page_fault ${cause} 0x401000`, model: `page_fault ${cause} 0x401000` });
    }
    const t = m.translate(VA, "read", "S");
    expect(t.ok ? null : { level: t.fault.level, bus: t.fault.busAddress }).toEqual({ level: 0, bus: null });
  });
  test("qemu: PMP refuses the address mod 4 GiB: an access fault naming the full entry address", async () => {
    // PMP at 0x8000_2004: PAGE_2_NONE matches first and grants nothing: TRANSLATE_PMP_FAIL, an
    // access fault of the access type (5 load, 7 store, 1 fetch), tval = VA.
    const { m, model } = await both("qemu", [PAGE_2_NONE, RAM_RWX]);
    for (const [kind, cause] of [["read", 5], ["write", 7], ["fetch", 1]] as const) {
      expect(outcomes(m, model, kind)).toEqual({ core: `access_fault ${cause} 0x401000`, model: `access_fault ${cause} 0x401000` });
    }
    const t = m.translate(VA, "read", "S");
    expect(t.ok ? null : { level: t.fault.level, bus: t.fault.busAddress }).toEqual({ level: 0, bus: LEAF_PTE_ADDR });
  });
  test("spec: PMP sees 0x1_8000_2004 itself; RAM's entry does not cover it, and no memory is there", async () => {
    // [RAM_R]: no entry matches 0x1_8000_2004, an S-mode access with PMP implemented fails: access fault.
    // [RAM_R, ALL_RWX]: ALL_RWX allows it, then PMA (no memory): access fault too (no page fault in the spec).
    for (const pmp of [[RAM_R], [RAM_R, ALL_RWX]]) {
      const { m, model } = await both("spec", pmp);
      expect(outcomes(m, model, "read")).toEqual({ core: "access_fault 5 0x401000", model: "access_fault 5 0x401000" });
    }
  });
  test("qemu: a valid leaf at the alias 0x8000_2004 is never read: still a page fault, nothing written there", async () => {
    // The same walk with a level-0 PTE at 0x8000_2004 (the alias): PMP allows it, but QEMU reads
    // the full address, which has no memory, so the alias's content never matters: still a page
    // fault. (A leaf PA at or above 4 GiB wrapping is the separate sv32_pa_truncated_to_32_bits.)
    const { m, model } = await both("qemu", [RAM_RWX]);
    const leaf = (0x80005 << 10) | 0xcf;                  // PPN 0x8_0005, D A G=0 U=0 X W R V
    m.phys.writeU32(RAM + 0x2004, leaf);
    (model.mem as ArrayMemory).bytes.set(new Uint8Array(new Uint32Array([leaf]).buffer), 0x2004);
    expect(outcomes(m, model, "read")).toEqual({ core: "page_fault 13 0x401000", model: "page_fault 13 0x401000" });
    expect(m.phys.readU32(RAM + 0x2004)).toBe(leaf);      // nothing written at the alias
  });
});
