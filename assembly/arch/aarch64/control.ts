// AArch64 control writes (TCR_EL1, TTBR0/1_EL1, SCTLR_EL1.WXN, PSTATE.PAN/UAO) and TLB
// maintenance (TLBI). The architectural TLB follows the Arm rules: a TTBR or TCR write
// flushes nothing (a new ASID selects other entries; reprogramming TCR or reusing an
// ASID requires TLBI, as on hardware); TLBI scopes by address, ASID and globals. The
// fast TLB, which has no ASID tag and folds PAN, UAO and WXN into its fills, is flushed
// by every change of those (always allowed: a cache the guest sees only through what a
// re-walk finds).
import { fastFlushAll, fastFlushPage, rebuildSlotTable } from "../../tlb/fast";
import { ONLY_ASID, KEEP_GLOBALS, archFlushAll, archFlushPage, archFlushWhere } from "../../tlb/arch";
import { TRANSLATE_FAULT } from "../../constants/fault";
import { setAc } from "../x86/state";
import { pan, setFeatures, setFlags, setRegisters, tcr, ttbr0, ttbr1, uao, wxn } from "./state";
import { clearA64Split, a64SplitInstalled } from "./translate";
import { rebuildA64Rights } from "./walk";

// TLBI operations (the EL1&0 regime; the IS forms are the same on one PE).
export const TLBI_VMALLE1: u32 = 0;
export const TLBI_ASIDE1: u32 = 1;
export const TLBI_VAE1: u32 = 2;
export const TLBI_VALE1: u32 = 3;
export const TLBI_VAAE1: u32 = 4;
export const TLBI_VAALE1: u32 = 5;

/**
 * Make the machine an AArch64 PE with `paRange` bits of PA (32, 36, 40, 42, 44, 48 or
 * 52) and `features` (A64_QUIRKS_QEMU, A64_FEAT_LVA); registers zero. The fast TLB's
 * three contexts are EL0, bit 3 (LDTR/STTR) and the rest: tlb/fast.ts keys the last on
 * x86's EFLAGS.AC, which an AArch64 machine holds at 1 so that EL1 and LDTR/STTR at EL1
 * never share an entry. Returns 0, or TRANSLATE_FAULT for an unknown PARange.
 */
export function a64Configure(paRange: u32, features: u32): i32 {
  if (paRange != 32 && paRange != 36 && paRange != 40 && paRange != 42 && paRange != 44 && paRange != 48 && paRange != 52) {
    return TRANSLATE_FAULT;
  }
  setFeatures(paRange, features);
  setAc(true);
  rebuildSlotTable();
  setRegisters(0, 0, 0, false, false, false);
  rebuildA64Rights();
  a64FlushAll();
  return 0;
}

/** Every entry of every ASID, globals too (TLBI VMALLE1). */
export function a64FlushAll(): void {
  fastFlushAll();
  archFlushAll();
  clearA64Split();
}

/** Write TCR_EL1, TTBR0_EL1, TTBR1_EL1, SCTLR_EL1.WXN, PSTATE.PAN and UAO at once (the effect of the writes and an ISB). */
export function a64SetControl(t: u64, b0: u64, b1: u64, w: bool, p: bool, u: bool): void {
  if (t != tcr || b0 != ttbr0 || b1 != ttbr1) {
    setRegisters(t, b0, b1, w, p, u);
    rebuildA64Rights();
    fastFlushAll();
  } else if (w != wxn || p != pan || u != uao) {
    setFlags(w, p, u);
    rebuildA64Rights();
    fastFlushAll();
  }
}

/**
 * TLBI `op` with the register operand Xt: VA[55:12] in bits 43:0, ASID in bits 63:48
 * (Arm ARM C5.5, "TLB maintenance instructions"):
 *  - VMALLE1: every entry, every ASID, globals too;
 *  - ASIDE1: the non-global entries of the ASID;
 *  - VAE1 / VALE1: the entries for the VA with that ASID, and the global ones for the VA;
 *  - VAAE1 / VAALE1: the entries for the VA, any ASID.
 * The last-level forms may keep walk-cache entries; this TLB caches no table entries, so
 * they equal their all-level forms. With TCR.AS = 0 the ASID is Xt[55:48]. An entry that
 * holds a piece of a larger page (a64SplitInstalled) is flushed as if no VA were given,
 * within the same ASID rule. Returns 0, or TRANSLATE_FAULT for an unknown op.
 */
export function a64Tlbi(op: u32, xt: u64): i32 {
  if (op > TLBI_VAALE1) return TRANSLATE_FAULT;
  if (op == TLBI_VMALLE1) { a64FlushAll(); return 0; }
  const id = <u32>(xt >> 48) & (((tcr >> 36) & 1) != 0 ? 0xffff : 0xff);
  if (op == TLBI_ASIDE1) {
    fastFlushAll();
    archFlushWhere(KEEP_GLOBALS | ONLY_ASID, id);
    return 0;
  }
  // VA[55:12] from Xt[43:0]; bits 63:56 copy bit 55 (the TLB's canonical key).
  let va = (xt & 0xfffffffffff) << 12;
  if (((va >> 55) & 1) != 0) va |= 0xff00000000000000;
  const anyAsid = op == TLBI_VAAE1 || op == TLBI_VAALE1;
  fastFlushPage(va);
  if (a64SplitInstalled) {
    if (anyAsid) { archFlushAll(); clearA64Split(); } else archFlushWhere(ONLY_ASID, id);
  } else {
    archFlushPage(va, anyAsid ? 0 : ONLY_ASID, id);
  }
  return 0;
}
