// The RISC-V page walk (privileged spec "Virtual Address Translation Process"; riscv.md
// §4): Sv32, Sv39, Sv48 and Sv57 through one loop driven by the mode table's row
// (levels, index bits, PTE size: state.ts), as Spike's mmu_t::walk, one `if` per rule.
// Every failure inside the walk is a page fault of the access type; a PMA/PMP failure on
// a PTE read, on the A/D write or on the final address is an access fault. A physical
// address outside [ramBase, ramBase + size) is the PMA's "no memory there": an access
// fault, never a read. With quirks "qemu" the documented deviations of QEMU 7.2 apply
// (shared/oracle/riscv/README.md), each at the one place it changes.
//
// Built twice, like the x86 walkers (walk/steps.ts): <FastBased> for translations and
// <TracedBased> for walkOnce, which records each PTE read and write-back.
import { ACC_FETCH, ACC_KIND_MASK, ACC_USER, ACC_WRITE } from "../../constants/access";
import { TOT_ENTRY_READS, WALK_STEP_NARROW } from "../../constants/layout";
import { addTotal } from "../../counters";
import { inRam, physLoad32, physLoad64, ramBase, ramLast8 } from "../../ram";
import { FastBased, TracedBased, clearSteps, setBits32, setBits64, step } from "../../walk/steps";
import {
  PTE_A, PTE_D, PTE_G, PTE_N, PTE_PBMT_MASK, PTE_PBMT_SHIFT, PTE_R, PTE_RSVD_MASK, PTE_U, PTE_V, PTE_W, PTE_X,
  RV_META_D, RV_META_R, RV_META_U, RV_META_W, RV_META_X, SATP_MODE_SV32, SATP_MODE_SV39, SATP_MODE_SV48, SATP_MODE_SV57,
} from "./constants";
import { adUpdate, mxr, pbmte, quirksQemu, rootBase, satpMode, sum, svnapot, svpbmt, xlen32 } from "./state";
import { pmpAllows, pmpOpenBelow56, pmpPerm } from "./pmp";
import { sv39Common } from "./sv39";
import { PMP_R, PMP_W } from "./constants";
import { accessFault, pageFault } from "./fault";
import { META_GLOBAL } from "../../constants/tlb";

/** What a pointer PTE has clear, and V set, on the common path (the rest of the bits are PPN, RSW and G). */
const POINTER_MASK: u64 = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D | PTE_N | PTE_PBMT_MASK | PTE_RSVD_MASK;

/** The last successful walk: the physical address, the leaf's raw rights (RV_META_*, META_GLOBAL) and log2 of its page size. */
export let rvWalkPa: u64 = 0;
export let rvWalkMeta: u32 = 0;
export let rvWalkShift: u32 = 12;

/** Record each step (walkOnce); translations leave it off. */
export let rvTracing: bool = false;
export function setRvTracing(on: bool): void { rvTracing = on; }

/**
 * Translate `va` for the access byte `acc` (kind, and ACC_USER for U-mode; anything else
 * is S-mode). `update`: write A/D as the hardware would (false: a side-effect-free peek).
 * Returns 0, or TRANSLATE_FAULT with the fault record filled.
 */
export function rvWalk(va: u64, acc: u32, update: bool): i32 {
  if (!rvTracing) {
    // Sv39 with PMP open (none, or a catch-all): the common walk first (sv39.ts), the full rules when it declines.
    if (satpMode == SATP_MODE_SV39 && pmpOpenBelow56 && sv39Common(va, acc)) return 0;
    return walkRv<FastBased>(va, acc, update);
  }
  clearSteps();
  return walkRv<TracedBased>(va, acc, update);
}

/** A successful walk's result (sv39.ts's common walk ends here too). */
@inline export function setRvWalkResult(pa: u64, meta: u32, shift: u32): void {
  rvWalkPa = pa;
  rvWalkMeta = meta;
  rvWalkShift = shift;
}

/** A leaf's raw rights as the TLBs keep them (RV_META_*, META_GLOBAL). */
@inline export function leafMeta(pte: u64, global: bool): u32 {
  let m: u32 = 0;
  if (pte & PTE_R) m |= RV_META_R;
  if (pte & PTE_W) m |= RV_META_W;
  if (pte & PTE_X) m |= RV_META_X;
  if (pte & PTE_U) m |= RV_META_U;
  if (pte & PTE_D) m |= RV_META_D;
  if (global) m |= META_GLOBAL;
  return m;
}

/**
 * The U-bit and R/W/X rules for an access (riscv.md §5), on raw bits (RV_META_*), with
 * the current SUM and MXR: true when allowed. Shared by the walk and the TLB hits, so a
 * cached entry is judged exactly as a fresh walk would judge it.
 */
@inline export function rvRightsOk(meta: u32, acc: u32): bool {
  const kind = acc & ACC_KIND_MASK;
  const u = (meta & RV_META_U) != 0;
  if ((acc & ACC_USER) != 0) {
    if (!u) return false;
  } else if (u && (kind == ACC_FETCH || !sum)) return false;
  if (kind == ACC_FETCH) return (meta & RV_META_X) != 0;
  if (kind == ACC_WRITE) return (meta & RV_META_W) != 0;
  return (meta & RV_META_R) != 0 || (mxr && (meta & RV_META_X) != 0);
}

/**
 * One build of the walker per mode: the mode row (levels, index bits, PTE size, XLEN) is
 * passed as constants into the inlined loop, so each copy has its shifts and masks built in
 * and the mode is tested once per walk, not per level (Spike's loop, specialized).
 */
function walkRv<T>(va0: u64, acc: u32, update: bool): i32 {
  const m = satpMode;
  if (m == SATP_MODE_SV39) return walkMode<T>(va0, acc, update, 3, 9, 8, false);
  if (m == SATP_MODE_SV48) return walkMode<T>(va0, acc, update, 4, 9, 8, false);
  if (m == SATP_MODE_SV57) return walkMode<T>(va0, acc, update, 5, 9, 8, false);
  if (m == SATP_MODE_SV32) return walkMode<T>(va0, acc, update, 2, 10, 4, true);
  // Bare: VA = PA (zero-extended to the PA width), no page-based protection.
  const va = xlen32 ? va0 & 0xffffffff : va0;
  return finish(va, acc, va, 12, RV_META_R | RV_META_W | RV_META_X | RV_META_U | RV_META_D, 0);
}

@inline function walkMode<T>(va0: u64, acc: u32, update: bool, levels: u32, idxBits: u32, size: u64, rv32: bool): i32 {
  const va = rv32 ? va0 & 0xffffffff : va0;
  const kind = acc & ACC_KIND_MASK;
  // Sv39+: bits 63:VA-width must equal bit VA-width − 1, else a page fault with no PTE read.
  if (!rv32) {
    const sh = <i64>(64 - (12 + levels * idxBits));
    if ((<i64>va << sh) >> sh != <i64>va) return pageFault(va, acc, levels);
  }
  let a = rootBase;
  let global = false;
  let reads: u32 = 0;
  for (let i: i32 = <i32>levels - 1; i >= 0; i--) {
    const idx = (va >> <u64>(12 + <u32>i * idxBits)) & ((<u64>1 << <u64>idxBits) - 1);
    const ea = a + idx * size;
    // PMP before the read, then the read itself (PMA: no memory there).
    if (!pmpAllows(ea, size, PMP_R)) { addTotal(TOT_ENTRY_READS, reads); return accessFault(va, acc, ea, <u32>i); }
    if (size == 8 ? ea - ramBase > ramLast8 : !inRam(ea, size)) {
      addTotal(TOT_ENTRY_READS, reads);
      // QEMU 7.2 (pte_bus_error_is_page_fault): a PTE read from no memory is a page fault.
      return quirksQemu ? pageFault(va, acc, <u32>i) : accessFault(va, acc, ea, <u32>i);
    }
    const pte: u64 = size == 4 ? <u64>physLoad32(ea) : physLoad64(ea);
    reads++;
    step<T>(<u32>i, size == 4 ? WALK_STEP_NARROW : 0, ea, pte);
    // The common pointer in one test: V and nothing of R/W/X/U/A/D, N, PBMT or bits 60:54 (G may be
    // set). Anything else takes the rules one by one below, which decide the same way for it.
    if (i > 0 && (pte & POINTER_MASK) == PTE_V) {
      if (pte & PTE_G) global = true;
      a = (size == 4 ? (pte >> 10) & 0x3fffff : (pte >> 10) & 0xfffffffffff) << 12;
      continue;
    }
    if ((pte & PTE_V) == 0) return pfAt(va, acc, i, reads);
    if ((pte & (PTE_R | PTE_W)) == PTE_W) return pfAt(va, acc, i, reads);    // W without R: reserved
    if (!rv32) {
      // Bits 60:54 reserved (QEMU ignores them with Svnapot/Svpbmt on); N needs Svnapot; PBMT needs
      // Svpbmt and menvcfg.PBMTE (QEMU checks neither PBMTE nor the reserved value 3).
      const ext = svnapot || svpbmt;
      if ((pte & PTE_RSVD_MASK) != 0 && !(quirksQemu && ext)) return pfAt(va, acc, i, reads);
      if ((pte & PTE_N) != 0 && !svnapot) return pfAt(va, acc, i, reads);
      const pbmt = <u32>((pte & PTE_PBMT_MASK) >> PTE_PBMT_SHIFT);
      if (pbmt != 0) {
        if (!svpbmt || (!pbmte && !quirksQemu)) return pfAt(va, acc, i, reads);
        if (pbmt == 3 && !quirksQemu) return pfAt(va, acc, i, reads);
      }
    }
    const ppn: u64 = size == 4 ? (pte >> 10) & 0x3fffff : (pte >> 10) & 0xfffffffffff;
    if ((pte & (PTE_R | PTE_X)) == 0) {
      // A pointer: D, A, U, N and PBMT are reserved in it; none below the last level.
      if ((pte & (PTE_D | PTE_A | PTE_U | PTE_N | PTE_PBMT_MASK)) != 0 || i == 0) return pfAt(va, acc, i, reads);
      if (pte & PTE_G) global = true;     // G on a pointer makes every mapping below it global
      a = ppn << 12;
      continue;
    }
    // A leaf at level i.
    const napot = (pte & PTE_N) != 0;
    const napotOk = i == 0 && (ppn & 0xf) == 8;   // Svnapot: only 64 KiB (PPN[0][3:0] = 1000) is defined
    if (napot && !napotOk && !quirksQemu) return pfAt(va, acc, i, reads);
    const lowBits = <u64>(<u32>i * idxBits);
    if (i > 0 && (ppn & ((<u64>1 << lowBits) - 1)) != 0) return pfAt(va, acc, i, reads);   // misaligned superpage
    if (pte & PTE_G) global = true;
    const meta = leafMeta(pte, global);
    if (!rvRightsOk(meta, acc)) return pfAt(va, acc, i, reads);
    let m = meta;
    if ((pte & PTE_A) == 0 || (kind == ACC_WRITE && (pte & PTE_D) == 0)) {
      if (!adUpdate) return pfAt(va, acc, i, reads);                  // Svade
      // Svadu: the write must pass PMP (QEMU 7.2 writes regardless: ad_update_ignores_pmp).
      if (!quirksQemu && !pmpAllows(ea, size, PMP_W)) { addTotal(TOT_ENTRY_READS, reads); return accessFault(va, acc, ea, <u32>i); }
      const bits: u64 = PTE_A | (kind == ACC_WRITE ? PTE_D : 0);
      if (update) {
        if (size == 4) setBits32<T>(ea, <u32>pte, <u32>bits); else setBits64<T>(ea, pte, bits);
      }
      if (kind == ACC_WRITE) m |= RV_META_D;
    }
    // QEMU 7.2 (napot_checked_after_ad_update): a bad N=1 leaf faults only after A/D were written.
    if (napot && !napotOk) return pfAt(va, acc, i, reads);
    addTotal(TOT_ENTRY_READS, reads);
    const shift: u32 = 12 + <u32>i * idxBits;
    let pa = (ppn << 12) | (va & ((<u64>1 << <u64>shift) - 1));
    let pshift = shift;
    if (napot) { pa = (pa & ~(<u64>0xffff)) | (va & 0xffff); pshift = 16; }
    // QEMU 7.2 (sv32_pa_truncated_to_32_bits): an Sv32 PA of 4 GiB or more wraps.
    if (rv32 && quirksQemu) pa &= 0xffffffff;
    return finish(va, acc, pa, pshift, m, <u32>i);
  }
  return 0;   // unreachable: level 0 is a leaf or faults
}

@inline function pfAt(va: u64, acc: u32, i: i32, reads: u32): i32 {
  addTotal(TOT_ENTRY_READS, reads);
  return pageFault(va, acc, <u32>i);
}

/** The final physical address: memory there (PMA) and PMP for the access kind, else an access fault. */
function finish(va: u64, acc: u32, pa: u64, shift: u32, meta: u32, level: u32): i32 {
  if (!inRam(pa, 1)) return accessFault(va, acc, pa, level);
  if (!pmpAllows(pa, 1, pmpPerm(acc & ACC_KIND_MASK))) return accessFault(va, acc, pa, level);
  setRvWalkResult(pa, meta, shift);
  return 0;
}
