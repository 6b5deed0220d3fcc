// RISC-V control writes: satp, SUM/MXR, menvcfg, PMP, SFENCE.VMA (riscv.md §2, §10). The
// architectural TLB follows the spec's rules (a satp write flushes nothing; SFENCE.VMA
// scopes by address and ASID); the fast TLB, which has no ASID tag and folds SUM, MXR and
// PMP into its fills, is flushed by every change of those (always allowed: it is a cache
// the guest cannot see except through what a re-walk finds).
import { fastFlushAll, fastFlushPage } from "../../tlb/fast";
import { ONLY_ASID, KEEP_GLOBALS, archFlushAll, archFlushPage, archFlushWhere } from "../../tlb/arch";
import { TRANSLATE_FAULT } from "../../constants/fault";
import { PMP_ENTRIES } from "./constants";
import { modeOf, modeSupported, mxr, satp, setFeatures, setMenvcfg, setSatp, setStatus, sum, xlen32 } from "./state";
import { setPmpCount, setPmpEntry } from "./pmp";
import { clearRvSplit, rvSplitInstalled } from "./translate";

/** Make the machine a RISC-V hart (RV32 for Sv32, else RV64) with `features` (RV_EXT_*, RV_QUIRKS_QEMU); satp Bare, no PMP. */
export function rvConfigure(rv32: bool, features: u32): void {
  setFeatures(rv32, features);
  setSatp(0);
  setStatus(false, false);
  setMenvcfg(0);
  setPmpCount(0);
  rvFlushAll();
}

/** Every TLB entry, every ASID, globals too (SFENCE.VMA x0, x0). */
export function rvFlushAll(): void {
  fastFlushAll();
  archFlushAll();
  clearRvSplit();
}

/**
 * CSR write to satp: a MODE the hart does not implement makes the whole write ignored
 * (returns TRANSLATE_FAULT, nothing changed); else 0. Flushes no architectural entry.
 */
export function rvWriteSatp(v: u64): i32 {
  if (!modeSupported(modeOf(v))) return TRANSLATE_FAULT;
  const old = satp;
  setSatp(v);
  if (satp != old) fastFlushAll();
  return 0;
}

/** mstatus.SUM and MXR: take effect at once. */
export function rvSetStatus(s: bool, m: bool): void {
  if (s != sum || m != mxr) fastFlushAll();
  setStatus(s, m);
}

/** menvcfg: returns the value kept (PBMTE, ADUE read 0 without their extensions). */
export function rvWriteMenvcfg(v: u64): u64 {
  fastFlushAll();
  return setMenvcfg(v);
}

/** PMP entry `i`: pmpcfg byte and pmpaddr; refused (TRANSLATE_FAULT) for i ≥ PMP_ENTRIES. */
export function rvSetPmpEntry(i: u32, cfg: u32, addr: u64): i32 {
  if (i >= PMP_ENTRIES || cfg > 0xff) return TRANSLATE_FAULT;
  setPmpEntry(i, cfg, xlen32 ? addr & 0xffffffff : addr & ((<u64>1 << 54) - 1));
  fastFlushAll();
  return 0;
}
/** How many PMP entries are implemented (0: no PMP). */
export function rvSetPmpCount(n: u32): i32 {
  if (n > PMP_ENTRIES) return TRANSLATE_FAULT;
  setPmpCount(n);
  fastFlushAll();
  return 0;
}

/**
 * SFENCE.VMA rs1, rs2 (privileged spec "Supervisor Memory-Management Fence Instruction"):
 *  - rs1 = x0, rs2 = x0: every entry, every address space, globals too;
 *  - rs1 = x0, rs2 = asid: every non-global entry of `asid`;
 *  - rs1 = va, rs2 = x0: the entries for `va`'s page in every address space, globals too;
 *  - rs1 = va, rs2 = asid: the non-global entries of `asid` for `va`'s page.
 * An entry that holds a piece of a larger leaf (rvSplitInstalled) is flushed as if rs1 were
 * x0 within the same ASID rule: every piece of the leaf goes.
 */
export function rvSfenceVma(hasVa: bool, va: u64, hasAsid: bool, id: u32): void {
  if (xlen32) va &= 0xffffffff;
  if (hasVa) fastFlushPage(va); else fastFlushAll();
  const rule = hasAsid ? KEEP_GLOBALS | ONLY_ASID : 0;
  if (!hasVa || rvSplitInstalled) {
    if (hasAsid) archFlushWhere(rule, id); else { archFlushAll(); clearRvSplit(); }
  } else {
    archFlushPage(va, rule, id);
  }
}
