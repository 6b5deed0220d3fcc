// The x86 page walk, all four paging modes (SDM Vol. 3A ch. 4; x86.md §7).
// One exit per fault kind (fault.ts); a successful walk leaves the translation in
// `walkPa` and `walkAttrs` for the TLB fill. With `walkTracing` on (walkOnce), every
// step is recorded in the walk-steps region so the host can show the walk.
//
// Hot-path shape: R/W and U/S are ANDed and XD ORed over the path as whole entries
// (one AND and one OR per level, decoded once at the leaf); the reserved-bit masks are
// precomputed per mode (state.ts); large leaves take a separate, colder function.
import {
  LEVEL_PD, LEVEL_PDPT, LEVEL_PML4, LEVEL_PML5, LEVEL_PT, MODE_5LEVEL, MODE_LEGACY32, MODE_NONE,
  MODE_PAE, PF_P, PF_RSVD, PTE_ACCESSED, PTE_DIRTY, PTE_GLOBAL, PTE_PRESENT, PTE_PS, PTE_USER,
  PTE_WRITE, PTE_PKEY_SHIFT, QUIRKS_QEMU, PSE36_HIGH_MASK, PSE36_HIGH_SHIFT,
} from "../constants/x86";
import { ACC_KIND_MASK, ACC_WRITE } from "../constants/access";
import {
  ATTR_DIRTY, ATTR_GLOBAL, ATTR_KEY_MASK, ATTR_KEY_SHIFT, ATTR_RW, ATTR_SHIFT_MASK, ATTR_SHIFT_SHIFT, ATTR_US, ATTR_XD,
} from "../constants/walk";
import {
  WALK_COUNT, WALK_OFFSET, WALK_STEPS, WALK_STEP_ADDR, WALK_STEP_AFTER, WALK_STEP_BEFORE,
  WALK_STEP_FLAGS, WALK_STEP_LEVEL, WALK_STEP_NARROW, WALK_STEP_REGISTER, WALK_STEP_SIZE,
  TOT_AD_WRITES, TOT_ENTRY_READS,
} from "../constants/layout";
import {
  addrMask, has1GPages, ia32e, maxPhyAddr, mode, nxActive, pdpteRegister, pge, pse, quirks, ramLast8,
  ramSize, rootBase, rsvdHigh, rsvdUpper,
} from "../state";
import { inRam, physLoad32, physLoad64, physStore32, physStore64 } from "../ram";
import { failBus, failGp, failPf } from "../fault";
import { rightsCheck } from "../rights";
import { countTotal } from "../counters";

// The translation found by the last successful walk.
export let walkPa: u64 = 0;
/** Its attributes, packed as constants/walk.ts draws them. */
export let walkAttrs: u32 = 0;
export { ATTR_RW, ATTR_US, ATTR_XD, ATTR_GLOBAL, ATTR_DIRTY, ATTR_KEY_SHIFT, ATTR_SHIFT_SHIFT };
@inline export function attrShift(a: u32): u32 { return (a >> ATTR_SHIFT_SHIFT) & ATTR_SHIFT_MASK; }
@inline export function attrKey(a: u32): u32 { return (a >> ATTR_KEY_SHIFT) & ATTR_KEY_MASK; }

/** Record each step in the walk-steps region (walkOnce); translations leave it off. */
export let walkTracing: bool = false;
export function setWalkTracing(on: bool): void { walkTracing = on; }

const LOW_2M: u64 = 0x1fe000;      // bits 20:13: reserved in a 2 MiB leaf
const LOW_1G: u64 = 0x3fffe000;    // bits 29:13: reserved in a 1 GiB leaf
const ALL_ONES: u64 = 0xffffffffffffffff;

/** Canonical: bits 63:47 (4-level) or 63:56 (5-level) all equal. */
@inline export function isCanonical(va: u64, la57: bool): bool {
  const shift: u64 = la57 ? 56 : 47;
  const top = <i64>va >> <i64>shift;
  return top == 0 || top == -1;
}

@inline function stepAddr(i: u32): usize { return WALK_OFFSET + WALK_STEPS + <usize>i * WALK_STEP_SIZE; }

@inline function recordStep(level: u32, flags: u32, ea: u64, e: u64): void {
  if (walkTracing) recordStepNow(level, flags, ea, e);
}
function recordStepNow(level: u32, flags: u32, ea: u64, e: u64): void {
  const n = load<u32>(WALK_OFFSET + WALK_COUNT);
  const p = stepAddr(n);
  store<u32>(p + WALK_STEP_LEVEL, level);
  store<u32>(p + WALK_STEP_FLAGS, flags);
  store<u64>(p + WALK_STEP_ADDR, ea);
  store<u64>(p + WALK_STEP_BEFORE, e);
  store<u64>(p + WALK_STEP_AFTER, e);
  store<u32>(WALK_OFFSET + WALK_COUNT, n + 1);
}
function recordAfter(v: u64): void {
  if (walkTracing) store<u64>(stepAddr(load<u32>(WALK_OFFSET + WALK_COUNT) - 1) + WALK_STEP_AFTER, v);
}

/** Write back an entry with bits set (A, D); the step record keeps the value after. */
function setBits64(ea: u64, e: u64, bits: u64): u64 {
  const v = e | bits;
  physStore64(ea, v);
  countTotal(TOT_AD_WRITES);
  recordAfter(v);
  return v;
}
function setBits32(ea: u64, e: u32, bits: u32): void {
  const v = e | bits;
  physStore32(ea, v);
  countTotal(TOT_AD_WRITES);
  recordAfter(<u64>v);
}

/**
 * Translate `va` for the access byte `acc`. `update`: set A/D bits as the hardware does
 * (false gives a side-effect-free peek for views and debuggers). Returns 0, or
 * TRANSLATE_FAULT with the fault record filled.
 */
export function walk(va: u64, acc: u32, update: bool): i32 {
  if (walkTracing) store<u32>(WALK_OFFSET + WALK_COUNT, 0);
  const m = mode;
  if (ia32e) {
    if (!isCanonical(va, m == MODE_5LEVEL)) return failGp(va, acc);
    return walkLong(va, acc, update, rootBase, m == MODE_5LEVEL ? LEVEL_PML5 : LEVEL_PML4);
  }
  if (m == MODE_PAE) return walkPae(va & 0xffffffff, acc, update);
  if (m == MODE_LEGACY32) return walkLegacy32(va & 0xffffffff, acc, update);
  return leaf(va & 0xffffffff, 12, va, acc, 0, 0, update, 0, ALL_ONES, 0, false);   // paging off
}

/** PAE: the PDPTE comes from the registers loaded at MOV to CR3 (silicon), or from memory on every walk (QEMU). */
function walkPae(va: u64, acc: u32, update: bool): i32 {
  const i = <u32>(va >> 30) & 3;
  let e: u64;
  if (quirks == QUIRKS_QEMU) {
    const ea = rootBase + (<u64>i << 3);
    if (!inRam(ea, 8)) return failBus(va, acc, ea, LEVEL_PDPT);
    e = physLoad64(ea);
    countTotal(TOT_ENTRY_READS);
    recordStep(LEVEL_PDPT, 0, ea, e);
    if ((e & PTE_PRESENT) == 0) return failPf(va, acc, 0, LEVEL_PDPT);
    // QEMU checks only bits 63:M here, and marks the PDPTE accessed like any table entry.
    if ((e & ~addrMask & ~(<u64>0xfff)) != 0) return failPf(va, acc, PF_P | PF_RSVD, LEVEL_PDPT);
    if (update && (e & PTE_ACCESSED) == 0) setBits64(ea, e, PTE_ACCESSED);
  } else {
    e = pdpteRegister(i);
    recordStep(LEVEL_PDPT, WALK_STEP_REGISTER, rootBase + (<u64>i << 3), e);
    if ((e & PTE_PRESENT) == 0) return failPf(va, acc, 0, LEVEL_PDPT);
  }
  return walkLong(va, acc, update, e & addrMask, LEVEL_PD);
}

/** The 8-byte-entry levels shared by PAE (PD, PT) and IA-32e (PML5..PT). */
function walkLong(va: u64, acc: u32, update: bool, base: u64, level: u32): i32 {
  let all = ALL_ONES;        // AND of the entries: R/W, U/S survive only if set at every level
  let any: u64 = 0;          // OR of the entries: XD if set at any level
  while (true) {
    const shift: u64 = <u64>(3 + 9 * level);
    const ea = base + (((va >> shift) & 511) << 3);
    if (ea > ramLast8) return failBus(va, acc, ea, level);
    const e = physLoad64(ea);
    countTotal(TOT_ENTRY_READS);
    recordStep(level, 0, ea, e);
    if ((e & PTE_PRESENT) == 0) return failPf(va, acc, 0, level);
    if (level >= LEVEL_PML4) {
      if ((e & rsvdUpper) != 0) return failPf(va, acc, PF_P | PF_RSVD, level);
    } else if (level != LEVEL_PT && (e & PTE_PS) != 0) {
      return largeLeaf(va, acc, update, ea, e, level, all & e, any | e);
    } else if ((e & rsvdHigh) != 0) {
      return failPf(va, acc, PF_P | PF_RSVD, level);
    }
    all &= e;
    any |= e;
    if (level == LEVEL_PT) {
      const key: u32 = ia32e ? <u32>(e >> PTE_PKEY_SHIFT) & 15 : 0;
      return leaf((e & addrMask) | (va & 0xfff), 12, va, acc, ea, e, update, level, all, any, true, key);
    }
    if ((e & PTE_ACCESSED) == 0 && update) setBits64(ea, e, PTE_ACCESSED);
    base = e & addrMask;
    level--;
  }
}

/** A PDPTE or PDE with PS=1: a 1 GiB or 2 MiB leaf (or, without 1 GiB pages, a reserved bit). */
function largeLeaf(va: u64, acc: u32, update: bool, ea: u64, e: u64, level: u32, all: u64, any: u64): i32 {
  let rsvd = rsvdHigh;
  if (level == LEVEL_PDPT) {
    if (!has1GPages()) return failPf(va, acc, PF_P | PF_RSVD, level);
    // QEMU marks a 1 GiB leaf accessed before its low reserved bits and its rights are
    // checked; reproduced in both quirk modes (the SDM leaves A undefined on a faulting walk).
    if ((e & rsvd) != 0) return failPf(va, acc, PF_P | PF_RSVD, level);
    if (update && (e & PTE_ACCESSED) == 0) e = setBits64(ea, e, PTE_ACCESSED);
    rsvd |= LOW_1G;
  } else {
    rsvd |= LOW_2M;
  }
  if ((e & rsvd) != 0) return failPf(va, acc, PF_P | PF_RSVD, level);
  const shift: u64 = level == LEVEL_PDPT ? 30 : 21;
  const pageMask: u64 = (<u64>1 << shift) - 1;
  const key: u32 = ia32e ? <u32>(e >> PTE_PKEY_SHIFT) & 15 : 0;
  return leaf((e & addrMask & ~pageMask) | (va & pageMask), <u32>shift, va, acc, ea, e, update, level, all, any, true, key);
}

/** 32-bit paging: 4-byte entries, 4 MiB pages with CR4.PSE (PSE-36 high bits). */
function walkLegacy32(va: u64, acc: u32, update: bool): i32 {
  const pdeAddr = rootBase + ((va >> 22) << 2);
  if (!inRam(pdeAddr, 4)) return failBus(va, acc, pdeAddr, LEVEL_PD);
  const pde = physLoad32(pdeAddr);
  countTotal(TOT_ENTRY_READS);
  recordStep(LEVEL_PD, WALK_STEP_NARROW, pdeAddr, <u64>pde);
  if ((pde & <u32>PTE_PRESENT) == 0) return failPf(va, acc, 0, LEVEL_PD);
  if ((pde & <u32>PTE_PS) != 0 && pse) {
    // Bits 21:(M'-19) are reserved, M' = min(MAXPHYADDR, 40).
    const width = maxPhyAddr < 40 ? maxPhyAddr : 40;
    const rsvd: u32 = ((<u32>1 << 22) - 1) & ~((<u32>1 << (width - 19)) - 1);
    if ((pde & rsvd) != 0) return failPf(va, acc, PF_P | PF_RSVD, LEVEL_PD);
    const high = <u64>((pde >> PSE36_HIGH_SHIFT) & PSE36_HIGH_MASK) << 32;
    const pa = high | <u64>(pde & 0xffc00000) | (va & 0x3fffff);
    return leaf(pa, 22, va, acc, pdeAddr, <u64>pde, update, LEVEL_PD, <u64>pde, 0, true);
  }
  if (update && (pde & <u32>PTE_ACCESSED) == 0) setBits32(pdeAddr, pde, <u32>PTE_ACCESSED);
  const pteAddr = <u64>(pde & 0xfffff000) + (((va >> 12) & 1023) << 2);
  if (!inRam(pteAddr, 4)) return failBus(va, acc, pteAddr, LEVEL_PT);
  const pte = physLoad32(pteAddr);
  countTotal(TOT_ENTRY_READS);
  recordStep(LEVEL_PT, WALK_STEP_NARROW, pteAddr, <u64>pte);
  if ((pte & <u32>PTE_PRESENT) == 0) return failPf(va, acc, 0, LEVEL_PT);
  const pa = <u64>(pte & 0xfffff000) | (va & 0xfff);
  return leaf(pa, 12, va, acc, pteAddr, <u64>pte, update, LEVEL_PT, <u64>(pde & pte), 0, true);
}

/**
 * The leaf: rights from the accumulated entries, then the bus check of the final
 * address, then A (and D for a write). A faulting access leaves the leaf untouched.
 */
@inline function leaf(pa: u64, shift: u32, va: u64, acc: u32, ea: u64, e: u64, update: bool,
                      level: u32, all: u64, any: u64, paged: bool, key: u32 = 0): i32 {
  const rw = (all & PTE_WRITE) != 0;
  const us = (all & PTE_USER) != 0;
  const xd = nxActive && <i64>any < 0;
  const isWrite = (acc & ACC_KIND_MASK) == ACC_WRITE;
  if (paged) {
    const r = rightsCheck(acc, rw, us, xd, key);
    if (r != 0) return failPf(va, acc, r, level);
  }
  if (pa >= ramSize) return failBus(va, acc, pa, level);
  let attrs: u32 = (rw ? ATTR_RW : 0) | (us ? ATTR_US : 0) | (xd ? ATTR_XD : 0) | (key << ATTR_KEY_SHIFT)
    | (shift << ATTR_SHIFT_SHIFT);
  if (paged) {
    const want: u64 = isWrite ? PTE_ACCESSED | PTE_DIRTY : PTE_ACCESSED;
    if ((e & want) != want && update) {
      if (mode == MODE_LEGACY32) setBits32(ea, <u32>e, <u32>want);
      else setBits64(ea, e, want);
    }
    if (isWrite || (e & PTE_DIRTY) != 0) attrs |= ATTR_DIRTY;
    if (pge && (e & PTE_GLOBAL) != 0) attrs |= ATTR_GLOBAL;
  } else {
    attrs |= ATTR_DIRTY;
  }
  walkPa = pa;
  walkAttrs = attrs;
  return 0;
}
