// Writes to control state with the invalidations the architecture requires
// (x86.md §11). Each returns 0, or TRANSLATE_FAULT with a #GP(0) (or bus fault) record
// and the register unchanged, as the MOV instruction would leave it.
import {
  CR0_CD, CR0_NW, CR0_PE, CR0_PG, CR0_RESERVED, CR3_NOFLUSH, CR3_PCID_MASK, CR4_LA57, CR4_PAE, CR4_PCIDE, CR4_PGE,
  CR4_PSE, CR4_RESERVED, CR4_SMEP, EFER_LMA, EFER_RESERVED, MODE_PAE, PTE_PRESENT, QUIRKS_SDM,
} from "./constants";
import { TRANSLATE_FAULT } from "../../constants/fault";
import {
  cr0, cr3, cr4, efer, ia32e, maxPhyAddr, mode, modeOf, pcide, quirks, setCr3Raw, setPdptes,
  setRegisters, currentPcid, setAc, setPkru,
} from "./state";
import { inRam, physLoad64 } from "../../ram";
import { failBus, clearFault } from "../../fault";
import { failGp } from "./fault";
import { isCanonical } from "./walk";
import { fastFlushAll, fastFlushPage, rebuildSlotTable } from "../../tlb/fast";
import { KEEP_GLOBALS, ONLY_ASID, archFlushAll, archFlushPage, archFlushWhere } from "../../tlb/arch";
import { MODE_5LEVEL } from "./constants";

const PDPTE_RSVD_LOW: u64 = 0x1e6; // bits 8:5 and 2:1

/** Everything, globals and all PCIDs included. */
export function flushAll(): void { fastFlushAll(); archFlushAll(); }

/** SDM mode: load the four PAE PDPTE registers from the PDPT at `pdptBase`; #GP(0) on a reserved bit. */
function loadPdptes(pdptBase: u64): i32 {
  if (quirks != QUIRKS_SDM) return 0;          // QEMU re-reads PDPTEs on every walk
  const base = pdptBase & 0xffffffe0;
  if (!inRam(base, 32)) return failBus(0, 0, base, 3);
  const rsvd = PDPTE_RSVD_LOW | ~((<u64>1 << maxPhyAddr) - 1);
  for (let i: u64 = 0; i < 4; i++) {
    const e = physLoad64(base + (i << 3));
    if ((e & PTE_PRESENT) != 0 && (e & rsvd) != 0) return failGp(0, 0);
  }
  setPdptes(physLoad64(base), physLoad64(base + 8), physLoad64(base + 16), physLoad64(base + 24));
  return 0;
}

/** MOV to CR3. */
export function writeCr3(value: u64): i32 {
  clearFault();
  let v = value;
  let noFlush = false;
  if (ia32e) {
    if (pcide) { noFlush = (v & CR3_NOFLUSH) != 0; v &= ~CR3_NOFLUSH; }
    if ((v & ~((<u64>1 << maxPhyAddr) - 1)) != 0) return failGp(0, 0);   // bits 63:M
  } else {
    v &= 0xffffffff;
    if (mode == MODE_PAE && loadPdptes(v) != 0) return TRANSLATE_FAULT;
  }
  setCr3Raw(v);
  // The fast TLB has no PCID tags: any CR3 write flushes it (flushing more is always
  // allowed). The architectural TLB keeps other PCIDs' entries and honours the bit-63 hint.
  fastFlushAll();
  if (!noFlush) archFlushWhere(KEEP_GLOBALS | ONLY_ASID, currentPcid);
  return 0;
}

/**
 * The #GP(0) rules on the values themselves, for MOV and for a whole-state load alike:
 * a reserved bit in CR0, CR4 or EFER; CR0.PG without PE; CR0.NW without CD.
 */
function invalidRegisters(c0: u64, c4: u64, ef: u64): bool {
  if ((c0 & CR0_RESERVED) != 0 || (c4 & CR4_RESERVED) != 0 || (ef & EFER_RESERVED) != 0) return true;
  if ((c0 & CR0_PG) != 0 && (c0 & CR0_PE) == 0) return true;
  return (c0 & CR0_NW) != 0 && (c0 & CR0_CD) == 0;
}

/** MOV to CR0, CR4 or EFER (given together; unchanged ones passed as they are). */
export function writeControl(newCr0: u64, newCr4: u64, newEfer: u64): i32 {
  clearFault();
  if (invalidRegisters(newCr0, newCr4, newEfer)) return failGp(0, 0);
  // In IA-32e mode CR4.LA57 cannot change and CR4.PAE cannot be cleared (SDM, MOV to CR4).
  if ((efer & EFER_LMA) != 0 && (newEfer & EFER_LMA) != 0
      && (((newCr4 ^ cr4) & CR4_LA57) != 0 || (newCr4 & CR4_PAE) == 0)) return failGp(0, 0);
  const oldMode = mode;
  const newMode = modeOf(newCr0, newCr4, newEfer);
  const newIa32e = newMode >= 3;
  // CR4.PCIDE: only in IA-32e mode, and only while CR3[11:0] = 0 when it is set.
  if ((newCr4 & CR4_PCIDE) != 0) {
    if (!newIa32e) return failGp(0, 0);
    if ((cr4 & CR4_PCIDE) == 0 && (cr3 & CR3_PCID_MASK) != 0) return failGp(0, 0);
  }
  // Entering PAE paging loads the PDPTE registers (SDM §4.4.1).
  const paeRelevant = CR0_PG | CR4_PAE | CR4_PSE | CR4_SMEP;
  if (newMode == MODE_PAE && (oldMode != MODE_PAE || ((newCr0 ^ cr0) | (newCr4 ^ cr4)) & paeRelevant)) {
    if (loadPdptes(cr3) != 0) return TRANSLATE_FAULT;
  }
  const c0 = cr0, c4 = cr4, ef = efer;
  setRegisters(newCr0, cr3, newCr4, newEfer);
  // Flushing more than the SDM requires is always allowed; mode-level changes flush
  // everything, rights-only changes (WP, SMAP, PKE, NXE) need nothing in the
  // architectural TLB but do flush the fast TLB, whose tags have the rights folded in.
  const everything = CR4_PGE | CR4_PAE | CR4_PSE | CR4_LA57 | CR4_SMEP;
  const cr4Changed = c4 ^ newCr4;
  const pcideCleared = (c4 & CR4_PCIDE) != 0 && (newCr4 & CR4_PCIDE) == 0;
  if ((cr4Changed & everything) != 0 || pcideCleared || ((c0 ^ newCr0) & CR0_PG) != 0
      || ((ef ^ newEfer) & EFER_LMA) != 0 || oldMode != newMode) {
    flushAll();
  } else if (c0 != newCr0 || c4 != newCr4 || ef != newEfer) {
    fastFlushAll();
  }
  return 0;
}

export function writePkru(v: u32): void { setPkru(v); fastFlushAll(); }
export function writeAc(v: bool): void { setAc(v); rebuildSlotTable(); }

/** INVLPG: the page in the current PCID and its global entries; a no-op for a non-canonical address. */
export function invlpg(va: u64): void {
  if (ia32e && !isCanonical(va, mode == MODE_5LEVEL)) return;
  const a = ia32e ? va : va & 0xffffffff;
  fastFlushPage(a);
  archFlushPage(a, ONLY_ASID, currentPcid);
}

/** INVPCID types 0-3. #GP(0) for a bad type, a non-canonical type-0 address, or a PCID ≠ 0 without PCIDE (types 0, 1). */
export function invpcid(type: u32, pcid: u32, va: u64): i32 {
  clearFault();
  if (type > 3 || pcid > 0xfff) return failGp(va, 0);
  if (type <= 1 && !pcide && pcid != 0) return failGp(va, 0);
  if (type == 0) {
    if (ia32e && !isCanonical(va, mode == MODE_5LEVEL)) return failGp(va, 0);
    fastFlushPage(va);
    archFlushPage(va, KEEP_GLOBALS | ONLY_ASID, pcid);
  } else if (type == 1) {
    fastFlushAll();
    archFlushWhere(KEEP_GLOBALS | ONLY_ASID, pcid);
  } else if (type == 2) {
    flushAll();
  } else {
    fastFlushAll();
    archFlushWhere(KEEP_GLOBALS, 0);
  }
  return 0;
}

/**
 * Load the whole control state at once, as a VM entry or a machine reset does: no MOV
 * ordering rules, everything flushed, PAE PDPTE registers loaded. #GP(0) on a reserved
 * bit of CR0/CR4/EFER or of a PDPTE, and nothing changes.
 */
export function loadState(newCr0: u64, newCr3: u64, newCr4: u64, newEfer: u64): i32 {
  clearFault();
  if (invalidRegisters(newCr0, newCr4, newEfer)) return failGp(0, 0);
  const m = modeOf(newCr0, newCr4, newEfer);
  if (m == MODE_PAE && loadPdptes(newCr3 & 0xffffffff) != 0) return TRANSLATE_FAULT;
  setRegisters(newCr0, newCr3, newCr4, newEfer);
  flushAll();
  return 0;
}
