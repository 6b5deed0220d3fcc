// The end of every walk: the leaf (rights, bus check of the final address, A/D, the
// attributes word), the large leaves, and the fault exits. Entry reads are counted once
// per walk: each exit adds the number of entries its walk read (a compile-time constant
// at most call sites) instead of one counter update per level.
import {
  LEVEL_PD, LEVEL_PDPT, PF_P, PF_RSVD, PTE_ACCESSED, PTE_DIRTY, PTE_PKEY_SHIFT, PTE_USER, PTE_WRITE,
  PSE36_HIGH_MASK, PSE36_HIGH_SHIFT,
} from "./constants";
import { ACC_KIND_MASK, ACC_WRITE } from "../../constants/access";
import { ATTR_DIRTY, ATTR_KEY_SHIFT, ATTR_SHIFT_SHIFT } from "./attributes";
import { TOT_ENTRY_READS } from "../../constants/layout";
import { addrMask, globalMask, has1GPages, maxPhyAddr, rsvdHigh, xdRightsMask } from "./state";
import { failBus } from "../../fault";
import { failPf } from "./fault";
import { rightsAt } from "./rights";
import { addTotal } from "../../counters";
import { outside, setBits32, setBits64 } from "../../walk/steps";

// The translation found by the last successful walk.
export let walkPa: u64 = 0;
/** Its attributes, packed as attributes.ts draws them. */
export let walkAttrs: u32 = 0;
export function setWalkResult(pa: u64, attrs: u32): void { walkPa = pa; walkAttrs = attrs; }

const LOW_2M: u64 = 0x1fe000;      // bits 20:13: reserved in a 2 MiB leaf
const LOW_1G: u64 = 0x3fffe000;    // bits 29:13: reserved in a 1 GiB leaf

// Bit moves of the leaf (rights.ts RIGHTS_*, attributes.ts ATTR_*, constants.ts PTE_*):
/** PTE_WRITE (bit 1), PTE_USER (bit 2) → RIGHTS_RW (bit 4), RIGHTS_US (bit 5). */
const PTE_TO_RIGHTS: u32 = 3;
/** Entry bit 63 (XD) → RIGHTS_XD (bit 6), kept only under xdRightsMask. */
const XD_TO_RIGHTS: u64 = 57;
/** RIGHTS_RW, RIGHTS_US, RIGHTS_XD → ATTR_RW (bit 0), ATTR_US (bit 1), ATTR_XD (bit 2); the access byte shifts out. */
const RIGHTS_TO_ATTR: u32 = 4;
/** PTE_DIRTY (bit 6) → ATTR_DIRTY (bit 4). */
const DIRTY_TO_ATTR: u64 = 2;
/** PTE_GLOBAL (bit 8) → ATTR_GLOBAL (bit 3). */
const GLOBAL_TO_ATTR: u64 = 5;

/** A #PF after `reads` entry reads. */
export function pfAt(va: u64, acc: u32, bits: u32, level: u32, reads: u32): i32 {
  addTotal(TOT_ENTRY_READS, reads);
  return failPf(va, acc, bits, level);
}
/** A bus fault (an entry or the final address outside RAM) after `reads` entry reads. */
export function busAt(va: u64, acc: u32, pa: u64, level: u32, reads: u32): i32 {
  addTotal(TOT_ENTRY_READS, reads);
  return failBus(va, acc, pa, level);
}

/**
 * The leaf: rights from the accumulated entries (`all`: their AND, for R/W and U/S;
 * `any`: their OR, for XD), then the bus check of the final address, then A (and D
 * for a write). A faulting access leaves the leaf untouched. `keyed`: the leaf carries
 * a protection key (IA-32e); `narrow`: a 4-byte entry (32-bit paging).
 */
@inline export function leaf<T>(pa: u64, shift: u32, va: u64, acc: u32, update: bool, ea: u64, e: u64,
                                all: u64, any: u64, level: u32, reads: u32, keyed: bool, narrow: bool): i32 {
  const key: u32 = keyed ? <u32>(e >> PTE_PKEY_SHIFT) & 15 : 0;
  const index = acc | ((<u32>all & <u32>(PTE_WRITE | PTE_USER)) << PTE_TO_RIGHTS) | (<u32>(any >> XD_TO_RIGHTS) & xdRightsMask);
  const r = rightsAt(index, acc, key);
  if (r != 0) return pfAt(va, acc, r, level, reads);
  if (outside<T>(pa)) return busAt(va, acc, pa, level, reads);
  const want: u64 = (acc & ACC_KIND_MASK) == ACC_WRITE ? PTE_ACCESSED | PTE_DIRTY : PTE_ACCESSED;
  if ((e & want) != want && update) {
    if (narrow) setBits32<T>(ea, <u32>e, <u32>want);
    else setBits64<T>(ea, e, want);
  }
  walkPa = pa;
  walkAttrs = (index >> RIGHTS_TO_ATTR) | (key << ATTR_KEY_SHIFT) | (shift << ATTR_SHIFT_SHIFT)
    | (<u32>((e | want) >> DIRTY_TO_ATTR) & ATTR_DIRTY) | <u32>((e & globalMask) >> GLOBAL_TO_ATTR);
  addTotal(TOT_ENTRY_READS, reads);
  return 0;
}

/** A PDPTE with PS=1: a 1 GiB leaf (IA-32e), or without 1 GiB pages a reserved bit. */
export function leaf1G<T>(va: u64, acc: u32, update: bool, ea: u64, e: u64, all: u64, any: u64, reads: u32): i32 {
  if (!has1GPages()) return pfAt(va, acc, PF_P | PF_RSVD, LEVEL_PDPT, reads);
  // QEMU marks a 1 GiB leaf accessed before its low reserved bits and its rights are
  // checked; reproduced in both quirk modes (the SDM leaves A undefined on a faulting walk).
  if ((e & rsvdHigh) != 0) return pfAt(va, acc, PF_P | PF_RSVD, LEVEL_PDPT, reads);
  if (update && (e & PTE_ACCESSED) == 0) e = setBits64<T>(ea, e, PTE_ACCESSED);
  if ((e & LOW_1G) != 0) return pfAt(va, acc, PF_P | PF_RSVD, LEVEL_PDPT, reads);
  const mask: u64 = (<u64>1 << 30) - 1;
  return leaf<T>((e & addrMask & ~mask) | (va & mask), 30, va, acc, update, ea, e, all, any, LEVEL_PDPT, reads, true, false);
}

/** A PDE with PS=1 in PAE or IA-32e paging: a 2 MiB leaf. */
export function leaf2M<T>(va: u64, acc: u32, update: bool, ea: u64, e: u64, all: u64, any: u64, reads: u32, keyed: bool): i32 {
  if ((e & (rsvdHigh | LOW_2M)) != 0) return pfAt(va, acc, PF_P | PF_RSVD, LEVEL_PD, reads);
  const mask: u64 = (<u64>1 << 21) - 1;
  return leaf<T>((e & addrMask & ~mask) | (va & mask), 21, va, acc, update, ea, e, all, any, LEVEL_PD, reads, keyed, false);
}

/** A 32-bit PDE with PS=1 under CR4.PSE: a 4 MiB leaf, PSE-36 high address bits. */
export function leaf4M<T>(va: u64, acc: u32, update: bool, ea: u64, pde: u32): i32 {
  // Bits 21:(M'-19) are reserved, M' = min(MAXPHYADDR, 40).
  const width = maxPhyAddr < 40 ? maxPhyAddr : 40;
  const rsvd: u32 = ((<u32>1 << 22) - 1) & ~((<u32>1 << (width - 19)) - 1);
  if ((pde & rsvd) != 0) return pfAt(va, acc, PF_P | PF_RSVD, LEVEL_PD, 1);
  const high = <u64>((pde >> PSE36_HIGH_SHIFT) & PSE36_HIGH_MASK) << 32;
  const pa = high | <u64>(pde & 0xffc00000) | (va & 0x3fffff);
  return leaf<T>(pa, 22, va, acc, update, ea, <u64>pde, <u64>pde, 0, LEVEL_PD, 1, false, true);
}
