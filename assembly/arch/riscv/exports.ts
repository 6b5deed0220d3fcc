// The RISC-V entry points index.ts exports beside x86's: the host binds these once, when
// a machine is created with arch "riscv" (src/arch/riscv/machine.ts), so no shared path
// tests the arch per access.
import { FAST_ENTRY_ADDEND } from "../../constants/layout";
import { TRANSLATE_FAULT } from "../../constants/fault";
import { isAccess } from "../../access";
import { failBadAccess } from "../../fault";
import { fastEntryAddr } from "../../tlb/fast";
import { TLB_KIND_FAST, addFastLookups, tlbKind } from "../../translate";
import { asid, menvcfg, mxr, satp, sum } from "./state";
import { rvTranslateOne } from "./translate";
import { rvWalk, rvWalkMeta, rvWalkPa, rvWalkShift, setRvTracing } from "./walk";

export { rvConfigure, rvFlushAll, rvWriteSatp, rvSetStatus, rvWriteMenvcfg, rvSetPmpEntry, rvSetPmpCount, rvSfenceVma } from "./control";
export { rvTranslateBatch } from "./batch";

/** Per-call translation, as index.ts's translate: the PA or TRANSLATE_FAULT; the fast-TLB hit inline. */
export function rvTranslate(lo: u32, hi: u32, acc: u32): i32 {
  const va = (<u64>hi << 32) | <u64>lo;
  if (tlbKind == TLB_KIND_FAST) {
    const e = fastEntryAddr(va, acc);
    if (load<u64>(e) == (va & ~(<u64>0xfff))) {
      addFastLookups(1);
      return <i32>(lo + <u32>load<u64>(e + FAST_ENTRY_ADDEND));
    }
  }
  const r = rvTranslateOne(va, acc);
  return r < 0 ? TRANSLATE_FAULT : <i32>r;
}

/** A walk outside the TLBs recording every step; `update`: write A/D (false: a peek). 0 or TRANSLATE_FAULT. */
export function rvWalkOnce(lo: u32, hi: u32, acc: u32, update: bool): i32 {
  const va = (<u64>hi << 32) | <u64>lo;
  if (!isAccess(acc)) return failBadAccess(va, acc);
  setRvTracing(true);
  const r = rvWalk(va, acc, update);
  setRvTracing(false);
  return r;
}
export function rvLastWalkPaLo(): u32 { return <u32>rvWalkPa; }
export function rvLastWalkPaHi(): u32 { return <u32>(rvWalkPa >> 32); }
/** The last successful walk's raw rights (RV_META_*, META_GLOBAL). */
export function rvLastWalkMeta(): u32 { return rvWalkMeta; }
/** log2 of the last successful walk's page size (16 for a Svnapot 64 KiB leaf). */
export function rvLastWalkShift(): u32 { return rvWalkShift; }

export function rvGetSatpLo(): u32 { return <u32>satp; }
export function rvGetSatpHi(): u32 { return <u32>(satp >> 32); }
export function rvGetAsid(): u32 { return asid; }
export function rvGetMenvcfgLo(): u32 { return <u32>menvcfg; }
export function rvGetMenvcfgHi(): u32 { return <u32>(menvcfg >> 32); }
/** SUM in bit 0, MXR in bit 1. */
export function rvGetStatus(): u32 { return (sum ? 1 : 0) | (mxr ? 2 : 0); }
