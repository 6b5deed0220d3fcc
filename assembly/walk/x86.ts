// The x86 page walk, all four paging modes (SDM Vol. 3A ch. 4; x86.md §7).
// One exit per fault kind (fault.ts); a successful walk leaves the translation in the
// `walk*` globals for the TLB fill. Every step is recorded in the walk-steps region so
// the host can show the walk without walking again.
import {
  LEVEL_PD, LEVEL_PDPT, LEVEL_PML4, LEVEL_PML5, LEVEL_PT, MODE_5LEVEL, MODE_LEGACY32, MODE_NONE,
  MODE_PAE, PF_P, PF_RSVD, PTE_ACCESSED, PTE_DIRTY, PTE_GLOBAL, PTE_PRESENT, PTE_PS, PTE_USER,
  PTE_WRITE, PTE_PKEY_SHIFT, QUIRKS_QEMU, PSE36_HIGH_MASK, PSE36_HIGH_SHIFT,
} from "../constants/x86";
import { ACC_KIND_MASK, ACC_WRITE } from "../constants/access";
import {
  WALK_COUNT, WALK_OFFSET, WALK_STEPS, WALK_STEP_ADDR, WALK_STEP_AFTER, WALK_STEP_BEFORE,
  WALK_STEP_FLAGS, WALK_STEP_LEVEL, WALK_STEP_NARROW, WALK_STEP_REGISTER, WALK_STEP_SIZE,
  TOT_AD_WRITES, TOT_ENTRY_READS,
} from "../constants/layout";
import {
  addrMask, has1GPages, ia32e, maxPhyAddr, mode, nxActive, pdpteRegister, pge, pse, quirks, rootBase,
  rsvdHigh,
} from "../state";
import { inRam, physLoad32, physLoad64, physStore32, physStore64 } from "../ram";
import { failBus, failGp, failPf } from "../fault";
import { rightsCheck } from "../rights";
import { countTotal } from "../counters";

// The translation found by the last successful walk.
export let walkPa: u64 = 0;
export let walkPageShift: u32 = 12;
export let walkRw: bool = true;
export let walkUs: bool = true;
export let walkXd: bool = false;
export let walkKey: u32 = 0;
export let walkGlobal: bool = false;
export let walkDirty: bool = false;

// Accumulators over the path.
let accRw: bool = true;
let accUs: bool = true;
let accXd: bool = false;

const LOW_2M: u64 = 0x1fe000;      // bits 20:13: reserved in a 2 MiB leaf
const LOW_1G: u64 = 0x3fffe000;    // bits 29:13: reserved in a 1 GiB leaf

/** Canonical: bits 63:47 (4-level) or 63:56 (5-level) all equal. */
@inline export function isCanonical(va: u64, la57: bool): bool {
  const shift: u64 = la57 ? 56 : 47;
  const top = <i64>va >> <i64>shift;
  return top == 0 || top == -1;
}

@inline function stepAddr(i: u32): usize { return WALK_OFFSET + WALK_STEPS + <usize>i * WALK_STEP_SIZE; }

function recordStep(level: u32, flags: u32, ea: u64, e: u64): void {
  const n = load<u32>(WALK_OFFSET + WALK_COUNT);
  const p = stepAddr(n);
  store<u32>(p + WALK_STEP_LEVEL, level);
  store<u32>(p + WALK_STEP_FLAGS, flags);
  store<u64>(p + WALK_STEP_ADDR, ea);
  store<u64>(p + WALK_STEP_BEFORE, e);
  store<u64>(p + WALK_STEP_AFTER, e);
  store<u32>(WALK_OFFSET + WALK_COUNT, n + 1);
}

/** Write back an entry with bits set; the step record keeps the value after. */
function setBits64(ea: u64, e: u64, bits: u64): u64 {
  const v = e | bits;
  physStore64(ea, v);
  countTotal(TOT_AD_WRITES);
  store<u64>(stepAddr(load<u32>(WALK_OFFSET + WALK_COUNT) - 1) + WALK_STEP_AFTER, v);
  return v;
}
function setBits32(ea: u64, e: u32, bits: u32): void {
  const v = e | bits;
  physStore32(ea, v);
  countTotal(TOT_AD_WRITES);
  store<u64>(stepAddr(load<u32>(WALK_OFFSET + WALK_COUNT) - 1) + WALK_STEP_AFTER, <u64>v);
}

/**
 * Translate `va` for the access byte `acc`. `update`: set A/D bits as the hardware does
 * (false gives a side-effect-free peek for views and debuggers). Returns 0, or
 * TRANSLATE_FAULT with the fault record filled.
 */
export function walk(va: u64, acc: u32, update: bool): i32 {
  store<u32>(WALK_OFFSET + WALK_COUNT, 0);
  accRw = true; accUs = true; accXd = false;
  const m = mode;
  if (m == MODE_NONE) return finish(va & 0xffffffff, 12, va, acc, 0, 0, 0, false, update);
  if (m == MODE_LEGACY32) return walkLegacy32(va & 0xffffffff, acc, update);
  if (m == MODE_PAE) return walkPae(va & 0xffffffff, acc, update);
  if (!isCanonical(va, m == MODE_5LEVEL)) return failGp(va, acc);
  return walkLong(va, acc, update, rootBase, m == MODE_5LEVEL ? LEVEL_PML5 : LEVEL_PML4);
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
  while (true) {
    const shift: u64 = 12 + 9 * (<u64>level - 1);
    const ea = base + (((va >> shift) & 511) << 3);
    if (!inRam(ea, 8)) return failBus(va, acc, ea, level);
    let e = physLoad64(ea);
    countTotal(TOT_ENTRY_READS);
    recordStep(level, 0, ea, e);
    if ((e & PTE_PRESENT) == 0) return failPf(va, acc, 0, level);
    let rsvd = rsvdHigh;
    let leaf = level == LEVEL_PT;
    if (level >= LEVEL_PML4) {
      rsvd |= PTE_PS;                               // no PS in PML4E/PML5E
    } else if (level != LEVEL_PT && (e & PTE_PS) != 0) {
      if (level == LEVEL_PDPT) {
        if (!has1GPages()) rsvd |= PTE_PS;
        else {
          leaf = true;
          // QEMU marks a 1 GiB leaf accessed before its low reserved bits and its
          // rights are checked; reproduced in both quirk modes (the SDM leaves A
          // undefined on a faulting walk).
          if ((e & rsvd) != 0) return failPf(va, acc, PF_P | PF_RSVD, level);
          if (update && (e & PTE_ACCESSED) == 0) e = setBits64(ea, e, PTE_ACCESSED);
          rsvd |= LOW_1G;
        }
      } else {
        leaf = true;                                // PD: a 2 MiB leaf
        rsvd |= LOW_2M;
      }
    }
    if ((e & rsvd) != 0) return failPf(va, acc, PF_P | PF_RSVD, level);
    accRw = accRw && (e & PTE_WRITE) != 0;
    accUs = accUs && (e & PTE_USER) != 0;
    if (nxActive && <i64>e < 0) accXd = true;
    if (!leaf) {
      if (update && (e & PTE_ACCESSED) == 0) setBits64(ea, e, PTE_ACCESSED);
      base = e & addrMask;
      level--;
      continue;
    }
    const key: u32 = ia32e ? <u32>(e >> PTE_PKEY_SHIFT) & 15 : 0;
    const pageMask: u64 = (<u64>1 << shift) - 1;
    const pa = (e & addrMask & ~pageMask) | (va & pageMask);
    return finish(pa, <u32>shift, va, acc, ea, e, key, true, update, level);
  }
}

/** 32-bit paging: 4-byte entries, 4 MiB pages with CR4.PSE (PSE-36 high bits). */
function walkLegacy32(va: u64, acc: u32, update: bool): i32 {
  const pdeAddr = rootBase + ((va >> 22) << 2);
  if (!inRam(pdeAddr, 4)) return failBus(va, acc, pdeAddr, LEVEL_PD);
  const pde = physLoad32(pdeAddr);
  countTotal(TOT_ENTRY_READS);
  recordStep(LEVEL_PD, WALK_STEP_NARROW, pdeAddr, <u64>pde);
  if ((pde & <u32>PTE_PRESENT) == 0) return failPf(va, acc, 0, LEVEL_PD);
  accRw = (pde & <u32>PTE_WRITE) != 0;
  accUs = (pde & <u32>PTE_USER) != 0;
  if ((pde & <u32>PTE_PS) != 0 && pse) {
    // Bits 21:(M'-19) are reserved, M' = min(MAXPHYADDR, 40).
    const width = maxPhyAddr < 40 ? maxPhyAddr : 40;
    const rsvd: u32 = ((<u32>1 << 22) - 1) & ~((<u32>1 << (width - 19)) - 1);
    if ((pde & rsvd) != 0) return failPf(va, acc, PF_P | PF_RSVD, LEVEL_PD);
    const high = <u64>((pde >> PSE36_HIGH_SHIFT) & PSE36_HIGH_MASK) << 32;
    const pa = high | <u64>(pde & 0xffc00000) | (va & 0x3fffff);
    return finish(pa, 22, va, acc, pdeAddr, <u64>pde, 0, true, update, LEVEL_PD);
  }
  if (update && (pde & <u32>PTE_ACCESSED) == 0) setBits32(pdeAddr, pde, <u32>PTE_ACCESSED);
  const pteAddr = <u64>(pde & 0xfffff000) + (((va >> 12) & 1023) << 2);
  if (!inRam(pteAddr, 4)) return failBus(va, acc, pteAddr, LEVEL_PT);
  const pte = physLoad32(pteAddr);
  countTotal(TOT_ENTRY_READS);
  recordStep(LEVEL_PT, WALK_STEP_NARROW, pteAddr, <u64>pte);
  if ((pte & <u32>PTE_PRESENT) == 0) return failPf(va, acc, 0, LEVEL_PT);
  accRw = accRw && (pte & <u32>PTE_WRITE) != 0;
  accUs = accUs && (pte & <u32>PTE_USER) != 0;
  const pa = <u64>(pte & 0xfffff000) | (va & 0xfff);
  return finish(pa, 12, va, acc, pteAddr, <u64>pte, 0, true, update, LEVEL_PT);
}

/**
 * The leaf: rights, then the bus check of the final address, then A (and D for a
 * write). A faulting access leaves the leaf untouched.
 */
function finish(pa: u64, shift: u32, va: u64, acc: u32, ea: u64, e: u64, key: u32,
                paged: bool, update: bool, level: u32 = 0): i32 {
  const isWrite = (acc & ACC_KIND_MASK) == ACC_WRITE;
  if (paged) {
    const r = rightsCheck(acc, accRw, accUs, accXd, key);
    if (r != 0) return failPf(va, acc, r, level);
  }
  if (!inRam(pa, 1)) return failBus(va, acc, pa, level);
  let dirty = true;
  if (paged) {
    const want: u64 = isWrite ? PTE_ACCESSED | PTE_DIRTY : PTE_ACCESSED;
    if (update && (e & want) != want) {
      if (mode == MODE_LEGACY32) setBits32(ea, <u32>e, <u32>want);
      else setBits64(ea, e, want);
    }
    dirty = isWrite || (e & PTE_DIRTY) != 0;
  }
  walkPa = pa;
  walkPageShift = shift;
  walkRw = accRw;
  walkUs = accUs;
  walkXd = accXd;
  walkKey = key;
  walkGlobal = paged && pge && (e & PTE_GLOBAL) != 0;
  walkDirty = dirty;
  return 0;
}
