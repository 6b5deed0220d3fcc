// translate: the TLB first, else the walk and a fill; or the fault record and
// TRANSLATE_FAULT. Three TLB kinds, chosen at configuration: none (walk every access),
// fast (emulators) and arch (the study model). Results are i64: a physical address, or
// TRANSLATE_FAULT.
import { ACC_FETCH, ACC_KIND_MASK, ACC_WRITE } from "./constants/access";
import { FAULT_PF } from "./constants/fault";
import {
  CNT_FAULTS, CNT_HITS, CNT_MISSES, CNT_WALKS, FAST_ENTRY_ADDEND, TLB_DTLB, TLB_FAST, TLB_ITLB, TLB_STLB, TOT_FAULTS,
  TOT_TRANSLATIONS, TOT_WALKS,
} from "./constants/layout";
import { PF_P } from "./arch/x86/constants";
import { count, countTotal, counterAddr } from "./counters";
import { currentPcid, ia32e, nxActive } from "./arch/x86/state";
import { ramBase, ramSize } from "./ram";
import { ATTR_DIRTY, ATTR_GLOBAL, ATTR_RW, ATTR_US, ATTR_XD, attrKey, attrShift, walk, walkAttrs, walkPa } from "./arch/x86/walk";
import { failBadAccess, failBus, faultKind } from "./fault";
import { failPf } from "./arch/x86/fault";
import { isAccess } from "./access";
import { rightsCheck } from "./arch/x86/rights";
import { fastEntryAddr, fastFill, fastFlushPage } from "./tlb/fast";
import {
  ARCH_DTLB, ARCH_ITLB, ARCH_STLB, META_DIRTY, META_GLOBAL, META_KEY_SHIFT, META_ASID_MASK, META_RW,
  META_US, META_XD, archFlushPage, archInsert, archLookup, archTouch, classOfShift, classShift,
  frameAddr, metaAddr, META_CLASS_SHIFT, ONLY_ASID,
} from "./tlb/arch";

import { TLB_KIND_ARCH, TLB_KIND_FAST } from "./constants/tlbKind";
export { TLB_KIND_NONE, TLB_KIND_FAST, TLB_KIND_ARCH } from "./constants/tlbKind";
export let tlbKind: u32 = TLB_KIND_FAST;
export function setTlbKind(k: u32): void { tlbKind = k; }

/** Lookups made through the fast TLB's hit path (misses are counted in memory); hits = lookups − misses. */
export let fastLookups: u64 = 0;
@inline export function addFastLookups(n: u64): void { fastLookups += n; }
export function resetFastLookups(): void { fastLookups = 0; }

const FAULT: i64 = -1;

/**
 * Whole translation of one access, whatever the TLB kind. `acc` is any u32: an invalid
 * one (access.ts) is not a translation; it stops with FAULT_BAD_ACCESS and changes no
 * counter, entry or bit (the fast TLB finds it in its never-hit array first).
 */
export function translateOne(va: u64, acc: u32): i64 {
  if (tlbKind == TLB_KIND_FAST) {
    fastLookups++;
    const e = fastEntryAddr(va, acc);
    if (load<u64>(e) == (va & ~(<u64>0xfff))) return <i64>(va + load<u64>(e + FAST_ENTRY_ADDEND));
    return fastSlow(va, acc);
  }
  if (!isAccess(acc)) return <i64>failBadAccess(va, acc);
  if (tlbKind == TLB_KIND_ARCH) return archTranslate(va, acc);
  countTotal(TOT_TRANSLATIONS);
  countTotal(TOT_WALKS);
  if (walk(va, acc, true) != 0) { countTotal(TOT_FAULTS); return FAULT; }
  return <i64>walkPa;
}

/**
 * Fast-TLB miss: walk, fill, or deliver the fault (which drops the page's entries, x86.md §11).
 * An invalid access byte lands here from the never-hit array: its lookup is taken back.
 */
export function fastSlow(va: u64, acc: u32): i64 {
  if (!isAccess(acc)) {
    fastLookups--;
    return <i64>failBadAccess(va, acc);
  }
  count(TLB_FAST, CNT_MISSES);
  count(TLB_FAST, CNT_WALKS);
  countTotal(TOT_WALKS);
  if (walk(va, acc, true) != 0) {
    count(TLB_FAST, CNT_FAULTS);
    countTotal(TOT_FAULTS);
    if (faultKind() == FAULT_PF) fastFlushPage(va);
    return FAULT;
  }
  fastFill(va, acc);
  return <i64>walkPa;
}

// ── architectural TLB ────────────────────────────────────────────────────────────

/**
 * The whole architectural-TLB translation of any access value: the batch loop's slow path
 * (batch.ts runs the L1 hit inline and calls this for everything else, from the start).
 */
export function archTranslateAny(va: u64, acc: u32): i64 {
  if (!isAccess(acc)) return <i64>failBadAccess(va, acc);
  return archTranslate(va, acc);
}

// The lookups are @inline (tlb/arch.ts: one probe per class present, the level's ways count
// built in); the batch loop has its own inline L1 hit (batch.ts).
function archTranslate(va0: u64, acc: u32): i64 {
  countTotal(TOT_TRANSLATIONS);
  const va = ia32e ? va0 : va0 & 0xffffffff;
  const kind = acc & ACC_KIND_MASK;
  const l1 = kind == ACC_FETCH ? ARCH_ITLB : ARCH_DTLB;
  const block = kind == ACC_FETCH ? TLB_ITLB : TLB_DTLB;
  const pcid = currentPcid;
  const i = archLookup(l1, va, pcid);
  if (i >= 0) {
    count(block, CNT_HITS);
    archTouch(l1, <u32>i);
    return useEntry(l1, <u32>i, va, acc, block);
  }
  count(block, CNT_MISSES);
  const j = archLookup(ARCH_STLB, va, pcid);
  if (j >= 0) {
    count(TLB_STLB, CNT_HITS);
    archTouch(ARCH_STLB, <u32>j);
    const meta = load<u32>(metaAddr(ARCH_STLB, <u32>j));
    const cls = meta >> META_CLASS_SHIFT;
    const k = archInsert(l1, va, cls, load<u64>(frameAddr(ARCH_STLB, <u32>j)), meta & ~(3 << META_CLASS_SHIFT));
    return useEntry(l1, k, va, acc, block);
  }
  count(TLB_STLB, CNT_MISSES);
  return archWalkAndFill(va, acc, block, true);
}

/** A hit: rights from the cached raw bits; a store through a clean entry walks again to set D. */
function useEntry(l: u32, i: u32, va: u64, acc: u32, block: u32): i64 {
  const meta = load<u32>(metaAddr(l, i));
  const xd = (meta & META_XD) != 0 && nxActive;
  const r = rightsCheck(acc, (meta & META_RW) != 0, (meta & META_US) != 0, xd, (meta >> META_KEY_SHIFT) & 15);
  if (r != 0) {
    // A fault from a cached entry (possibly stale: a spurious #PF); its delivery drops the page.
    count(block, CNT_FAULTS);
    countTotal(TOT_FAULTS);
    archFlushPage(va, ONLY_ASID, currentPcid);
    return <i64>failPf(va, acc, r | PF_P, 0);
  }
  if ((acc & ACC_KIND_MASK) == ACC_WRITE && (meta & META_DIRTY) == 0) {
    archFlushPage(va, ONLY_ASID, currentPcid);
    return archWalkAndFill(va, acc, block, false);
  }
  const shift = classShift(meta >> META_CLASS_SHIFT);
  const pa = load<u64>(frameAddr(l, i)) | (va & ((<u64>1 << shift) - 1));
  // A large page may run past either end of RAM: only the bytes inside it are backed.
  if (pa - ramBase >= ramSize) {
    count(block, CNT_FAULTS);
    countTotal(TOT_FAULTS);
    return <i64>failBus(va, acc, pa, 0);
  }
  return <i64>pa;
}

function archWalkAndFill(va: u64, acc: u32, block: u32, stlbMiss: bool): i64 {
  count(block, CNT_WALKS);
  if (stlbMiss) count(TLB_STLB, CNT_WALKS);
  countTotal(TOT_WALKS);
  if (walk(va, acc, true) != 0) {
    count(block, CNT_FAULTS);
    if (stlbMiss) count(TLB_STLB, CNT_FAULTS);
    countTotal(TOT_FAULTS);
    if (faultKind() == FAULT_PF) archFlushPage(va, ONLY_ASID, currentPcid);
    return FAULT;
  }
  const a = walkAttrs;
  const cls = classOfShift(attrShift(a));
  const frame = walkPa & ~((<u64>1 << classShift(cls)) - 1);
  let meta: u32 = currentPcid & META_ASID_MASK;
  if (a & ATTR_RW) meta |= META_RW;
  if (a & ATTR_US) meta |= META_US;
  if (a & ATTR_XD) meta |= META_XD;
  if (a & ATTR_DIRTY) meta |= META_DIRTY;
  if (a & ATTR_GLOBAL) meta |= META_GLOBAL;
  meta |= attrKey(a) << META_KEY_SHIFT;
  archInsert(ARCH_STLB, va, cls, frame, meta);
  const l1 = (acc & ACC_KIND_MASK) == ACC_FETCH ? ARCH_ITLB : ARCH_DTLB;
  archInsert(l1, va, cls, frame, meta);
  return <i64>walkPa;
}

/** Fast-TLB hit count for the host: lookups − misses. */
export function fastHits(): u64 {
  return fastLookups - load<u64>(counterAddr(TLB_FAST, CNT_MISSES));
}
