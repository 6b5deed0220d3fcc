// The AArch64 entry points index.ts exports beside x86's: the host binds these once, when
// a machine is created with arch "aarch64" (src/arch/aarch64/machine.ts), so no shared
// path tests the arch per access.
import { FAST_ENTRY_ADDEND } from "../../constants/layout";
import { TRANSLATE_FAULT } from "../../constants/fault";
import { isAccess } from "../../access";
import { failBadAccess } from "../../fault";
import { fastEntryAddr } from "../../tlb/fast";
import { TLB_KIND_FAST, addFastLookups, tlbKind } from "../../translate";
import { asid, pan, tcr, ttbr0, ttbr1, uao, wxn } from "./state";
import { a64TranslateOne } from "./translate";
import { a64Walk, a64WalkLevel, a64WalkMeta, a64WalkPa, a64WalkShift, setA64Tracing } from "./walk";

export { a64Configure, a64FlushAll, a64SetControl, a64Tlbi, TLBI_VMALLE1, TLBI_ASIDE1, TLBI_VAE1, TLBI_VALE1, TLBI_VAAE1, TLBI_VAALE1 } from "./control";
export { a64TranslateBatch } from "./batch";

/** Per-call translation, as index.ts's translate: the PA or TRANSLATE_FAULT; the fast-TLB hit (raw VA) inline. */
export function a64Translate(lo: u32, hi: u32, acc: u32): i32 {
  const va = (<u64>hi << 32) | <u64>lo;
  if (tlbKind == TLB_KIND_FAST) {
    const e = fastEntryAddr(va, acc);
    if (load<u64>(e) == (va & ~(<u64>0xfff))) {
      addFastLookups(1);
      return <i32>(lo + <u32>load<u64>(e + FAST_ENTRY_ADDEND));
    }
  }
  const r = a64TranslateOne(va, acc);
  return r < 0 ? TRANSLATE_FAULT : <i32>r;
}

/** A walk outside the TLBs recording every step; `update`: write AF / dirty state (false: a peek). 0 or TRANSLATE_FAULT. */
export function a64WalkOnce(lo: u32, hi: u32, acc: u32, update: bool): i32 {
  const va = (<u64>hi << 32) | <u64>lo;
  if (!isAccess(acc)) return failBadAccess(va, acc);
  setA64Tracing(true);
  const r = a64Walk(va, acc, update);
  setA64Tracing(false);
  return r;
}
export function a64LastWalkPaLo(): u32 { return <u32>a64WalkPa; }
export function a64LastWalkPaHi(): u32 { return <u32>(a64WalkPa >> 32); }
/** The last successful walk's folded rights (A64_META_*, META_GLOBAL). */
export function a64LastWalkMeta(): u32 { return a64WalkMeta; }
/** log2 of the last successful walk's block or page size, and its level. */
export function a64LastWalkShift(): u32 { return a64WalkShift; }
export function a64LastWalkLevel(): u32 { return a64WalkLevel; }

export function a64GetTcrLo(): u32 { return <u32>tcr; }
export function a64GetTcrHi(): u32 { return <u32>(tcr >> 32); }
export function a64GetTtbr0Lo(): u32 { return <u32>ttbr0; }
export function a64GetTtbr0Hi(): u32 { return <u32>(ttbr0 >> 32); }
export function a64GetTtbr1Lo(): u32 { return <u32>ttbr1; }
export function a64GetTtbr1Hi(): u32 { return <u32>(ttbr1 >> 32); }
export function a64GetAsid(): u32 { return asid; }
/** SCTLR_EL1.WXN in bit 0, PSTATE.PAN in bit 1, PSTATE.UAO in bit 2. */
export function a64GetFlags(): u32 { return (wxn ? 1 : 0) | (pan ? 2 : 0) | (uao ? 4 : 0); }
