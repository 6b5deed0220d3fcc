// Sv39's common walk, unrolled (as x86's walk4Level): the path nearly every translation
// takes, one test per level. It accepts only a walk the full walker (walk.ts walkMode)
// would finish with no fault, no A/D write and no rule that depends on an extension,
// quirk or PMP entry: every pointer clean (V and nothing of R/W/X/U/A/D, N, PBMT, bits
// 60:54), a leaf with V and A set, no N, PBMT or reserved bit, R or X and not
// W-without-R, aligned, allowed by the rights (SUM, MXR), D set for a store, the entries
// and the final address in RAM, PMP open below 2^56 (pmp.ts pmpOpenBelow56: no entry, or
// a catch-all first). For such a walk the full rules decide exactly this (each of them
// tests a bit the accept test pinned). Anything else returns false having written nothing
// (no counter, no record, no PTE), and the caller runs the full walker from the start:
// faults, A/D updates, PMP and quirks take the long way.
import { ACC_KIND_MASK, ACC_WRITE } from "../../constants/access";
import { TOT_ENTRY_READS } from "../../constants/layout";
import { addTotal } from "../../counters";
import { physLoad64, ramBase, ramLast8, ramSize } from "../../ram";
import { PTE_A, PTE_D, PTE_G, PTE_N, PTE_PBMT_MASK, PTE_R, PTE_RSVD_MASK, PTE_U, PTE_V, PTE_W, PTE_X } from "./constants";
import { rootBase } from "./state";
import { leafMeta, rvRightsOk, setRvWalkResult } from "./walk";

/** What a clean pointer has clear, and V set (the rest: PPN, RSW, G). */
const POINTER_MASK: u64 = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D | PTE_N | PTE_PBMT_MASK | PTE_RSVD_MASK;
/** What a plain leaf has: V and A set, none of N, PBMT, bits 60:54. */
const LEAF_MASK: u64 = PTE_V | PTE_A | PTE_N | PTE_PBMT_MASK | PTE_RSVD_MASK;
const LEAF_WANT: u64 = PTE_V | PTE_A;
const PPN: u64 = 0xfffffffffff;

/** The next table's address from a pointer: its PPN × 4096. */
@inline function next(pte: u64): u64 { return ((pte >> 10) & PPN) << 12; }

/**
 * The Sv39 walk of `va` for `acc` when it is the common one (above): true with the result
 * in rvWalkPa/rvWalkMeta/rvWalkShift and the three entry reads counted; else false, nothing
 * written. The caller checked satp.MODE = Sv39 and pmpOpenBelow56.
 */
@inline export function sv39Common(va: u64, acc: u32): bool {
  // Bits 63:39 equal to bit 38 (else a page fault: the full walker's).
  if ((<i64>va << 25) >> 25 != <i64>va) return false;
  const ea2 = rootBase + ((va >> 27) & 0xff8);
  if (ea2 - ramBase > ramLast8) return false;
  const e2 = physLoad64(ea2);
  if ((e2 & POINTER_MASK) != PTE_V) return leafAt(va, acc, e2, 0, 30, 1);
  const ea1 = next(e2) + ((va >> 18) & 0xff8);
  if (ea1 - ramBase > ramLast8) return false;
  const e1 = physLoad64(ea1);
  if ((e1 & POINTER_MASK) != PTE_V) return leafAt(va, acc, e1, e2 & PTE_G, 21, 2);
  const ea0 = next(e1) + ((va >> 9) & 0xff8);
  if (ea0 - ramBase > ramLast8) return false;
  return leafAt(va, acc, physLoad64(ea0), (e2 | e1) & PTE_G, 12, 3);
}

/**
 * A plain leaf (above) met after `reads` entry reads, mapping 2^shift bytes; `g`: G of the
 * pointers above it. A leaf of level > 0 with PPN bits below its size set is misaligned.
 */
@inline function leafAt(va: u64, acc: u32, pte: u64, g: u64, shift: u32, reads: u32): bool {
  if ((pte & LEAF_MASK) != LEAF_WANT) return false;
  if ((pte & (PTE_R | PTE_X)) == 0 || (pte & (PTE_R | PTE_W)) == PTE_W) return false;
  const low = (<u64>1 << <u64>shift) - 1;
  const frame = next(pte);
  if (frame & low) return false;
  const meta = leafMeta(pte, ((pte | g) & PTE_G) != 0);
  if (!rvRightsOk(meta, acc)) return false;
  if ((acc & ACC_KIND_MASK) == ACC_WRITE && (pte & PTE_D) == 0) return false;
  const pa = frame | (va & low);
  if (pa - ramBase >= ramSize) return false;
  addTotal(TOT_ENTRY_READS, reads);
  setRvWalkResult(pa, meta, shift);
  return true;
}
