// RISC-V translation through the shared TLBs (tlb/fast.ts, tlb/arch.ts), the arch's own
// entry points: index.ts exports rvTranslate/rvTranslateBatch/rvWalkOnce beside x86's, and
// the host binds the set of its arch once, when the machine is created. Nothing here is
// reached from an x86 path and no shared loop tests the arch.
//
// Fast TLB: filled only with what the current SUM, MXR and PMP allow for the whole 4 KiB
// piece (a hit checks nothing), so control.ts flushes it when any of them, or satp,
// changes (flushing more than required is always allowed; the fast TLB has no ASID tag).
// Architectural TLB: entries keep the leaf's raw R/W/X/U/D, G and the ASID (satp's at the
// fill); a hit is judged at access time with the current SUM/MXR (rvRightsOk) and PMP, so
// those changes need no flush, and a satp write keeps every entry (the spec requires
// SFENCE.VMA to drop them). A hit that the rights refuse, or a store through an entry
// with D = 0, drops the entry and walks memory again (dropping is always allowed), so
// the fault or A/D update is exactly what a walk decides.
import { ACC_FETCH, ACC_KIND_MASK, ACC_WRITE } from "../../constants/access";
import {
  CNT_FAULTS, CNT_HITS, CNT_MISSES, CNT_WALKS, FAST_ENTRY_ADDEND, TLB_DTLB, TLB_FAST, TLB_ITLB, TLB_STLB, TOT_FAULTS,
  TOT_TRANSLATIONS, TOT_WALKS,
} from "../../constants/layout";
import { count, countTotal } from "../../counters";
import { failBadAccess } from "../../fault";
import { isAccess } from "../../access";
import { inRam } from "../../ram";
import { fastEntryAddr, fastInstall, fastMarkLarge } from "../../tlb/fast";
import {
  ARCH_DTLB, ARCH_ITLB, ARCH_STLB, CLASS_1G, CLASS_2M, CLASS_4K, CLASS_4M, META_CLASS_SHIFT, ONLY_ASID,
  archFlushPage, archInsert, archLookup, archTouch, classShift, frameAddr, metaAddr,
} from "../../tlb/arch";
import { TLB_KIND_ARCH, TLB_KIND_FAST, addFastLookups, tlbKind } from "../../translate";
import { RV_META_D } from "./constants";
import { asid, xlen32 } from "./state";
import { pmpAllows, pmpPerm } from "./pmp";
import { accessFault } from "./fault";
import { rvRightsOk, rvWalk, rvWalkMeta, rvWalkPa, rvWalkShift } from "./walk";

const FAULT: i64 = -1;

/** A page larger than its TLB piece was installed (a 512 GiB leaf as 1 GiB pieces, Svnapot as 4 KiB): fences by address then flush wider. */
export let rvSplitInstalled: bool = false;
export function clearRvSplit(): void { rvSplitInstalled = false; }

/** Whole translation of one access, whatever the TLB kind (the fast hit is inline in index.ts's rvTranslate). */
export function rvTranslateOne(va0: u64, acc: u32): i64 {
  if (tlbKind == TLB_KIND_FAST) {
    addFastLookups(1);
    const e = fastEntryAddr(va0, acc);
    if (load<u64>(e) == (va0 & ~(<u64>0xfff))) return <i64>(va0 + load<u64>(e + FAST_ENTRY_ADDEND));
    return rvFastSlow(va0, acc);
  }
  if (!isAccess(acc)) return <i64>failBadAccess(va0, acc);
  if (tlbKind == TLB_KIND_ARCH) return rvArchTranslate(xlen32 ? va0 & 0xffffffff : va0, acc);
  countTotal(TOT_TRANSLATIONS);
  countTotal(TOT_WALKS);
  if (rvWalk(va0, acc, true) != 0) { countTotal(TOT_FAULTS); return FAULT; }
  return <i64>rvWalkPa;
}

/** Fast-TLB miss (its lookup was counted by the caller): walk and fill, or the fault. */
export function rvFastSlow(va: u64, acc: u32): i64 {
  if (!isAccess(acc)) { addFastLookups(<u64>-1); return <i64>failBadAccess(va, acc); }
  count(TLB_FAST, CNT_MISSES);
  count(TLB_FAST, CNT_WALKS);
  countTotal(TOT_WALKS);
  if (rvWalk(va, acc, true) != 0) {
    count(TLB_FAST, CNT_FAULTS);
    countTotal(TOT_FAULTS);
    return FAULT;
  }
  rvFastFill(va, acc);
  return <i64>rvWalkPa;
}

/** Install the 4 KiB piece for every kind of this privilege that the rights, D and PMP (over the whole piece) allow. */
function rvFastFill(va: u64, acc: u32): void {
  const meta = rvWalkMeta;
  if (rvWalkShift > 12) fastMarkLarge();
  const page = va & ~(<u64>0xfff);
  const framePa = rvWalkPa & ~(<u64>0xfff);
  if (!inRam(framePa, 4096)) return;
  const addend = framePa - page;
  for (let kind: u32 = 0; kind < 3; kind++) {
    const ak = (acc & ~ACC_KIND_MASK) | kind;
    if (kind == ACC_WRITE && (meta & RV_META_D) == 0) continue;
    if (!rvRightsOk(meta, ak) || !pmpAllows(framePa, 4096, pmpPerm(kind))) continue;
    fastInstall(fastEntryAddr(va, ak), page, addend, kind == (acc & ACC_KIND_MASK));
  }
}

// ── architectural TLB ────────────────────────────────────────────────────────────

/** The architectural-TLB translation of any access value. */
export function rvArchTranslateAny(va: u64, acc: u32): i64 {
  if (!isAccess(acc)) return <i64>failBadAccess(va, acc);
  return rvArchTranslate(xlen32 ? va & 0xffffffff : va, acc);
}

function rvArchTranslate(va: u64, acc: u32): i64 {
  countTotal(TOT_TRANSLATIONS);
  const fetch = (acc & ACC_KIND_MASK) == ACC_FETCH;
  const l1 = fetch ? ARCH_ITLB : ARCH_DTLB;
  const block = fetch ? TLB_ITLB : TLB_DTLB;
  const id = asid;
  const i = archLookup(l1, va, id);
  if (i >= 0) {
    count(block, CNT_HITS);
    archTouch(l1, <u32>i);
    return useEntry(l1, <u32>i, va, acc, block);
  }
  count(block, CNT_MISSES);
  const j = archLookup(ARCH_STLB, va, id);
  if (j >= 0) {
    count(TLB_STLB, CNT_HITS);
    archTouch(ARCH_STLB, <u32>j);
    const meta = load<u32>(metaAddr(ARCH_STLB, <u32>j));
    const k = archInsert(l1, va, meta >> META_CLASS_SHIFT, load<u64>(frameAddr(ARCH_STLB, <u32>j)), meta & ~(3 << META_CLASS_SHIFT));
    return useEntry(l1, k, va, acc, block);
  }
  count(TLB_STLB, CNT_MISSES);
  return rvWalkAndFill(va, acc, block, true);
}

function useEntry(l: u32, i: u32, va: u64, acc: u32, block: u32): i64 {
  const meta = load<u32>(metaAddr(l, i));
  if (!rvRightsOk(meta, acc) || ((acc & ACC_KIND_MASK) == ACC_WRITE && (meta & RV_META_D) == 0)) {
    archFlushPage(va, ONLY_ASID, asid);   // this address space's entries for the page, globals included
    return rvWalkAndFill(va, acc, block, false);
  }
  const shift = classShift(meta >> META_CLASS_SHIFT);
  const pa = load<u64>(frameAddr(l, i)) | (va & ((<u64>1 << shift) - 1));
  if (!inRam(pa, 1) || !pmpAllows(pa, 1, pmpPerm(acc & ACC_KIND_MASK))) {
    count(block, CNT_FAULTS);
    countTotal(TOT_FAULTS);
    return <i64>accessFault(va, acc, pa, 0);
  }
  return <i64>pa;
}

/** The arch TLB's size class for a leaf of 2^shift bytes: the largest class no larger than it. */
@inline function classFor(shift: u32): u32 {
  return shift >= 30 ? CLASS_1G : shift == 22 ? CLASS_4M : shift >= 21 ? CLASS_2M : CLASS_4K;
}

function rvWalkAndFill(va: u64, acc: u32, block: u32, stlbMiss: bool): i64 {
  count(block, CNT_WALKS);
  if (stlbMiss) count(TLB_STLB, CNT_WALKS);
  countTotal(TOT_WALKS);
  if (rvWalk(va, acc, true) != 0) {
    count(block, CNT_FAULTS);
    if (stlbMiss) count(TLB_STLB, CNT_FAULTS);
    countTotal(TOT_FAULTS);
    return FAULT;
  }
  const cls = classFor(rvWalkShift);
  const cshift = <u32>classShift(cls);
  if (cshift != rvWalkShift) rvSplitInstalled = true;
  const frame = rvWalkPa & ~((<u64>1 << cshift) - 1);
  const meta = rvWalkMeta | (asid & 0xffff);
  archInsert(ARCH_STLB, va, cls, frame, meta);
  archInsert((acc & ACC_KIND_MASK) == ACC_FETCH ? ARCH_ITLB : ARCH_DTLB, va, cls, frame, meta);
  return <i64>rvWalkPa;
}
