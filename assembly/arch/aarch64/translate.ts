// AArch64 translation through the shared TLBs (tlb/fast.ts, tlb/arch.ts): the arch's own
// entry points (exports.ts), bound by the host when an AArch64 machine is created, so no
// shared loop tests the arch.
//
// TLB keys: with TBI the top byte is not part of the address, so a VA is looked up and
// filled under its canonical form (bits 63:56 = copies of bit 55) when TBI applies to the
// access; a tagged VA misses the inline fast hit and is looked up again here under its
// key, so TLBI by address finds every alias.
//
// Fast TLB: filled only with what the current PAN, UAO and WXN allow for the 4 KiB piece
// (a hit checks nothing), so control.ts flushes it when any of them, TCR or a TTBR changes.
// Its three contexts (tlb/fast.ts) are EL0, LDTR/STTR at EL1 (bit 3) and EL1.
// Architectural TLB: entries keep the leaf's folded AP[2:1], PXN, UXN, the ASID of the
// fill and !nG as the global bit; a hit is judged at access time with the current PAN,
// UAO and WXN (a64RightsOk). A hit the rights refuse (a write to a writable-clean page
// included) drops the page and walks memory again, so the fault, AF and dirty update are
// exactly what a walk decides (dropping an entry is always allowed). Translations that
// fault are never cached.
import { ACC_FETCH, ACC_KIND_MASK } from "../../constants/access";
import {
  CNT_FAULTS, CNT_HITS, CNT_MISSES, CNT_WALKS, FAST_ENTRY_ADDEND, TLB_DTLB, TLB_FAST, TLB_ITLB, TLB_STLB, TOT_FAULTS,
  TOT_TRANSLATIONS, TOT_WALKS,
} from "../../constants/layout";
import { count, countTotal } from "../../counters";
import { failBadAccess } from "../../fault";
import { isAccess } from "../../access";
import { inRam } from "../../ram";
import { fastEntryAddr, fastFlushPage, fastInstall, fastMarkLarge } from "../../tlb/fast";
import {
  ARCH_DTLB, ARCH_ITLB, ARCH_STLB, CLASS_1G, CLASS_2M, CLASS_4K, CLASS_4M, META_CLASS_SHIFT, ONLY_ASID,
  archFlushPage, archFlushWhere, archInsert, archLookup, archTouch, classShift, frameAddr, metaAddr,
} from "../../tlb/arch";
import { TLB_KIND_ARCH, TLB_KIND_FAST, addFastLookups, tlbKind } from "../../translate";
import { asid, e0pd0, e0pd1, tbiData0, tbiData1, tbiFetch0, tbiFetch1 } from "./state";
import { a64Abort } from "./fault";
import { A64_LEVEL_NONE, FSC_EXTERNAL, FSC_TRANSLATION } from "./constants";
import { a64Far, a64RightsOk, a64Walk, a64WalkDirtied, a64WalkMeta, a64WalkPa, a64WalkShift, asEl0 } from "./walk";

const FAULT: i64 = -1;

/** A page larger than its TLB piece was installed (16K/64K pages and 32M/512M/4T blocks): TLBI by address then flushes wider. */
export let a64SplitInstalled: bool = false;
export function clearA64Split(): void { a64SplitInstalled = false; }

/** The TLB key of `va` for `acc`: the canonical VA when TBI applies (bits 63:56 = bit 55), else `va`. */
@inline export function a64Key(va: u64, acc: u32): u64 {
  const r1 = (va >> 55) & 1;
  const fetch = (acc & ACC_KIND_MASK) == ACC_FETCH;
  const tbi = fetch ? (r1 != 0 ? tbiFetch1 : tbiFetch0) : (r1 != 0 ? tbiData1 : tbiData0);
  if (!tbi) return va;
  return (va & 0x00ffffffffffffff) | (r1 != 0 ? 0xff00000000000000 : 0);
}

/** Whole translation of one access, whatever the TLB kind (the fast hit on the raw VA is inline in a64Translate). */
export function a64TranslateOne(va: u64, acc: u32): i64 {
  if (tlbKind == TLB_KIND_FAST) {
    addFastLookups(1);
    const e = fastEntryAddr(va, acc);
    if (load<u64>(e) == (va & ~(<u64>0xfff))) return <i64>(va + load<u64>(e + FAST_ENTRY_ADDEND));
    return a64FastSlow(va, acc);
  }
  if (!isAccess(acc)) return <i64>failBadAccess(va, acc);
  if (tlbKind == TLB_KIND_ARCH) return a64ArchTranslate(va, acc);
  countTotal(TOT_TRANSLATIONS);
  countTotal(TOT_WALKS);
  if (a64Walk(va, acc, true) != 0) { countTotal(TOT_FAULTS); return FAULT; }
  return <i64>a64WalkPa;
}

/** Fast-TLB miss on the raw VA (its lookup was counted by the caller): a tagged VA's key, else walk and fill. */
export function a64FastSlow(va: u64, acc: u32): i64 {
  if (!isAccess(acc)) { addFastLookups(<u64>-1); return <i64>failBadAccess(va, acc); }
  const key = a64Key(va, acc);
  if (key != va) {
    const e = fastEntryAddr(key, acc);
    if (load<u64>(e) == (key & ~(<u64>0xfff))) return <i64>(key + load<u64>(e + FAST_ENTRY_ADDEND));
  }
  count(TLB_FAST, CNT_MISSES);
  count(TLB_FAST, CNT_WALKS);
  countTotal(TOT_WALKS);
  if (a64Walk(va, acc, true) != 0) {
    count(TLB_FAST, CNT_FAULTS);
    countTotal(TOT_FAULTS);
    return FAULT;
  }
  a64FastFill(key, acc);
  return <i64>a64WalkPa;
}

/** Install the 4 KiB piece for every kind of this context that the rights allow (a write only once AP[2] = 0). */
function a64FastFill(key: u64, acc: u32): void {
  const meta = a64WalkMeta;
  // The walk made the page dirty (writable): under WXN, or EL0-writable implying PXN, a
  // fetch that an earlier fill allowed while it was clean is refused now, so the page's
  // entries in every context go first (found by the AArch64 walk property). A page larger
  // than 4 KiB has marked the fast TLB large, and then this flushes it whole.
  if (a64WalkDirtied) fastFlushPage(key);
  if (a64WalkShift > 12) fastMarkLarge();
  const page = key & ~(<u64>0xfff);
  const framePa = a64WalkPa & ~(<u64>0xfff);
  if (!inRam(framePa, 4096)) return;
  const addend = framePa - page;
  for (let kind: u32 = 0; kind < 3; kind++) {
    const ak = (acc & ~ACC_KIND_MASK) | kind;
    if (!a64RightsOk(meta, ak)) continue;
    fastInstall(fastEntryAddr(key, ak), page, addend, kind == (acc & ACC_KIND_MASK));
  }
}

// ── architectural TLB ────────────────────────────────────────────────────────────

/** The architectural-TLB translation of any access value. */
export function a64ArchTranslateAny(va: u64, acc: u32): i64 {
  if (!isAccess(acc)) return <i64>failBadAccess(va, acc);
  return a64ArchTranslate(va, acc);
}

function a64ArchTranslate(va: u64, acc: u32): i64 {
  countTotal(TOT_TRANSLATIONS);
  // E0PDn faults an EL0 access even when the TLB holds the translation (an EL1 access
  // filled it): checked before the lookup. (The fast TLB's EL0 contexts are never filled
  // for such a range: their walks fault.)
  if (((va >> 55) & 1 ? e0pd1 : e0pd0) && asEl0(acc)) {
    countTotal(TOT_FAULTS);
    return <i64>a64Abort(a64Far(va, acc), acc, FSC_TRANSLATION, 0, 0);
  }
  const key = a64Key(va, acc);
  const fetch = (acc & ACC_KIND_MASK) == ACC_FETCH;
  const l1 = fetch ? ARCH_ITLB : ARCH_DTLB;
  const block = fetch ? TLB_ITLB : TLB_DTLB;
  const id = asid;
  const i = archLookup(l1, key, id);
  if (i >= 0) {
    count(block, CNT_HITS);
    archTouch(l1, <u32>i);
    return useEntry(l1, <u32>i, va, key, acc, block);
  }
  count(block, CNT_MISSES);
  const j = archLookup(ARCH_STLB, key, id);
  if (j >= 0) {
    count(TLB_STLB, CNT_HITS);
    archTouch(ARCH_STLB, <u32>j);
    const meta = load<u32>(metaAddr(ARCH_STLB, <u32>j));
    const k = archInsert(l1, key, meta >> META_CLASS_SHIFT, load<u64>(frameAddr(ARCH_STLB, <u32>j)), meta & ~(3 << META_CLASS_SHIFT));
    return useEntry(l1, k, va, key, acc, block);
  }
  count(TLB_STLB, CNT_MISSES);
  return a64WalkAndFill(va, key, acc, block, true);
}

function useEntry(l: u32, i: u32, va: u64, key: u64, acc: u32, block: u32): i64 {
  const meta = load<u32>(metaAddr(l, i));
  if (!a64RightsOk(meta, acc)) {
    archFlushPage(key, ONLY_ASID, asid);   // this ASID's entries for the page, globals included
    return a64WalkAndFill(va, key, acc, block, false);
  }
  const shift = classShift(meta >> META_CLASS_SHIFT);
  const pa = load<u64>(frameAddr(l, i)) | (key & ((<u64>1 << shift) - 1));
  if (!inRam(pa, 1)) {
    count(block, CNT_FAULTS);
    countTotal(TOT_FAULTS);
    return <i64>a64Abort(a64Far(va, acc), acc, FSC_EXTERNAL, A64_LEVEL_NONE, pa);
  }
  return <i64>pa;
}

/** The arch TLB's size class for a leaf of 2^shift bytes: the largest class no larger than it. */
@inline function classFor(shift: u32): u32 {
  return shift >= 30 ? CLASS_1G : shift >= 22 ? CLASS_4M : shift >= 21 ? CLASS_2M : CLASS_4K;
}

function a64WalkAndFill(va: u64, key: u64, acc: u32, block: u32, stlbMiss: bool): i64 {
  count(block, CNT_WALKS);
  if (stlbMiss) count(TLB_STLB, CNT_WALKS);
  countTotal(TOT_WALKS);
  if (a64Walk(va, acc, true) != 0) {
    count(block, CNT_FAULTS);
    if (stlbMiss) count(TLB_STLB, CNT_FAULTS);
    countTotal(TOT_FAULTS);
    return FAULT;
  }
  const cls = classFor(a64WalkShift);
  const cshift = <u32>classShift(cls);
  if (cshift != a64WalkShift) {
    a64SplitInstalled = true;
    // The walk made a leaf larger than its pieces dirty: its other pieces still hold the
    // clean rights (a fetch WXN or EL0-writable-implies-PXN now refuses), so they go, as a
    // TLBI VAE1 of a split page does (this ASID's entries and the global ones).
    if (a64WalkDirtied) archFlushWhere(ONLY_ASID, asid);
  }
  const frame = a64WalkPa & ~((<u64>1 << cshift) - 1);
  const meta = a64WalkMeta | (asid & 0xffff);
  archInsert(ARCH_STLB, key, cls, frame, meta);
  archInsert((acc & ACC_KIND_MASK) == ACC_FETCH ? ARCH_ITLB : ARCH_DTLB, key, cls, frame, meta);
  return <i64>a64WalkPa;
}
