// The walkers with 8-byte entries (SDM Vol. 3A §4.4-4.5; x86.md §7): IA-32e 4-level and
// 5-level, and PAE. Unrolled per level: each level's index shift and checks are
// constants, the reserved-bit masks precomputed globals (state.ts), R/W and U/S ANDed and
// XD ORed over the path as whole entries (decoded once, at the leaf). Inlined into walk's
// mode switch (x86.ts): a walk costs one call from the TLB or batch loop.
import {
  LEVEL_PD, LEVEL_PDPT, LEVEL_PML4, LEVEL_PML5, LEVEL_PT, PF_P, PF_RSVD, PTE_ACCESSED, PTE_PRESENT, PTE_PS,
  QUIRKS_QEMU,
} from "./constants";
import { WALK_STEP_REGISTER } from "../../constants/layout";
import {
  addrMask, leafCheck, pdpteRegister, quirks, rootBase, rsvdHigh, rsvdUpper, tableCheck, upperCheck,
} from "./state";
import { physLoad64 } from "../../ram";
import { failGp } from "./fault";
import { inside, outside8, setBits64, step } from "../../walk/steps";
import { busAt, leaf, leaf1G, leaf2M, pfAt } from "./leaf";

const ALL_ONES: u64 = 0xffffffffffffffff;
const PRESENT_ACCESSED: u64 = PTE_PRESENT | PTE_ACCESSED;

/** IA-32e with 4 levels: canonical when bits 63:47 are all equal. */
@inline export function walk4Level<T>(va: u64, acc: u32, update: bool): i32 {
  if (<u64>((<i64>va >> 47) + 1) > 1) return failGp(va, acc);
  return fromPml4<T>(va, acc, update, rootBase, ALL_ONES, 0, 0);
}

/** IA-32e with 5 levels (CR4.LA57): canonical when bits 63:56 are all equal. */
@inline export function walk5Level<T>(va: u64, acc: u32, update: bool): i32 {
  if (<u64>((<i64>va >> 56) + 1) > 1) return failGp(va, acc);
  const ea = rootBase + ((va >> 45) & 0xff8);
  if (outside8<T>(ea)) return busAt(va, acc, ea, LEVEL_PML5, 0);
  const e = physLoad64(ea);
  step<T>(LEVEL_PML5, 0, ea, e);
  if ((e & upperCheck) != PRESENT_ACCESSED) {
    if ((e & PTE_PRESENT) == 0) return pfAt(va, acc, 0, LEVEL_PML5, 1);
    if ((e & rsvdUpper) != 0) return pfAt(va, acc, PF_P | PF_RSVD, LEVEL_PML5, 1);
    if (update) setBits64<T>(ea, e, PTE_ACCESSED);
  }
  return fromPml4<T>(va, acc, update, e & addrMask, e, e, 1);
}

/** PAE: the PDPTE comes from the registers loaded at MOV to CR3 (silicon), or from memory on every walk (QEMU). */
@inline export function walkPae<T>(va: u64, acc: u32, update: bool): i32 {
  va &= 0xffffffff;
  const i = <u32>(va >> 30);
  let e: u64;
  let reads: u32 = 0;
  if (quirks == QUIRKS_QEMU) {
    const ea = rootBase + (<u64>i << 3);
    if (!inside<T>(ea, 8)) return busAt(va, acc, ea, LEVEL_PDPT, 0);
    e = physLoad64(ea);
    reads = 1;
    step<T>(LEVEL_PDPT, 0, ea, e);
    if ((e & PTE_PRESENT) == 0) return pfAt(va, acc, 0, LEVEL_PDPT, 1);
    // QEMU checks only bits 63:M here, and marks the PDPTE accessed like any table entry.
    if ((e & ~addrMask & ~(<u64>0xfff)) != 0) return pfAt(va, acc, PF_P | PF_RSVD, LEVEL_PDPT, 1);
    if (update && (e & PTE_ACCESSED) == 0) setBits64<T>(ea, e, PTE_ACCESSED);
  } else {
    e = pdpteRegister(i);
    step<T>(LEVEL_PDPT, WALK_STEP_REGISTER, rootBase + (<u64>i << 3), e);
    if ((e & PTE_PRESENT) == 0) return pfAt(va, acc, 0, LEVEL_PDPT, 0);
  }
  // A PDPTE has no R/W, U/S or XD: the rights start from the PDE.
  return fromPd<T>(va, acc, update, e & addrMask, ALL_ONES, 0, reads, false);
}

/** PML4 → PDPT: `base` is the PML4's address; `all`/`any` and `reads` carry what the walk saw above. */
@inline function fromPml4<T>(va: u64, acc: u32, update: bool, base: u64, all: u64, any: u64, reads: u32): i32 {
  const ea = base + ((va >> 36) & 0xff8);
  if (outside8<T>(ea)) return busAt(va, acc, ea, LEVEL_PML4, reads);
  const e = physLoad64(ea);
  step<T>(LEVEL_PML4, 0, ea, e);
  if ((e & upperCheck) != PRESENT_ACCESSED) {
    if ((e & PTE_PRESENT) == 0) return pfAt(va, acc, 0, LEVEL_PML4, reads + 1);
    if ((e & rsvdUpper) != 0) return pfAt(va, acc, PF_P | PF_RSVD, LEVEL_PML4, reads + 1);
    if (update) setBits64<T>(ea, e, PTE_ACCESSED);
  }
  return fromPdpt<T>(va, acc, update, e & addrMask, all & e, any | e, reads + 1);
}

@inline function fromPdpt<T>(va: u64, acc: u32, update: bool, base: u64, all: u64, any: u64, reads: u32): i32 {
  const ea = base + ((va >> 27) & 0xff8);
  if (outside8<T>(ea)) return busAt(va, acc, ea, LEVEL_PDPT, reads);
  const e = physLoad64(ea);
  step<T>(LEVEL_PDPT, 0, ea, e);
  if ((e & tableCheck) != PRESENT_ACCESSED) {
    if ((e & PTE_PRESENT) == 0) return pfAt(va, acc, 0, LEVEL_PDPT, reads + 1);
    if ((e & PTE_PS) != 0) return leaf1G<T>(va, acc, update, ea, e, all & e, any | e, reads + 1);
    if ((e & rsvdHigh) != 0) return pfAt(va, acc, PF_P | PF_RSVD, LEVEL_PDPT, reads + 1);
    if (update) setBits64<T>(ea, e, PTE_ACCESSED);
  }
  return fromPd<T>(va, acc, update, e & addrMask, all & e, any | e, reads + 1, true);
}

/** PD → PT → leaf, shared by PAE and IA-32e (`keyed`: leaves carry protection keys). */
@inline function fromPd<T>(va: u64, acc: u32, update: bool, base: u64, all: u64, any: u64, reads: u32, keyed: bool): i32 {
  const ea = base + ((va >> 18) & 0xff8);
  if (outside8<T>(ea)) return busAt(va, acc, ea, LEVEL_PD, reads);
  const e = physLoad64(ea);
  step<T>(LEVEL_PD, 0, ea, e);
  if ((e & tableCheck) != PRESENT_ACCESSED) {
    if ((e & PTE_PRESENT) == 0) return pfAt(va, acc, 0, LEVEL_PD, reads + 1);
    if ((e & PTE_PS) != 0) return leaf2M<T>(va, acc, update, ea, e, all & e, any | e, reads + 1, keyed);
    if ((e & rsvdHigh) != 0) return pfAt(va, acc, PF_P | PF_RSVD, LEVEL_PD, reads + 1);
    if (update) setBits64<T>(ea, e, PTE_ACCESSED);
  }
  const ptBase = e & addrMask;
  const pdAll = all & e, pdAny = any | e;
  const pea = ptBase + ((va >> 9) & 0xff8);
  if (outside8<T>(pea)) return busAt(va, acc, pea, LEVEL_PT, reads + 1);
  const pte = physLoad64(pea);
  step<T>(LEVEL_PT, 0, pea, pte);
  if ((pte & leafCheck) != PTE_PRESENT) {
    if ((pte & PTE_PRESENT) == 0) return pfAt(va, acc, 0, LEVEL_PT, reads + 2);
    return pfAt(va, acc, PF_P | PF_RSVD, LEVEL_PT, reads + 2);
  }
  return leaf<T>((pte & addrMask) | (va & 0xfff), 12, va, acc, update, pea, pte, pdAll & pte, pdAny | pte, LEVEL_PT, reads + 2, keyed, false);
}
