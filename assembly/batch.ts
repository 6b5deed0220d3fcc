// Batches: the host writes VAs (u64) and access bytes into the batch buffers, one call
// translates them all, results (PA, or ~(kind << 32 | error code) for a fault) come back
// in the out buffer. One boundary crossing per batch, none per access.
import { BATCH_ACC_OFFSET, BATCH_CAPACITY, BATCH_OUT_OFFSET, BATCH_REFUSED, BATCH_VA_OFFSET, FAST_ENTRY_ADDEND } from "./constants/layout";
import { FAULT_OFFSET } from "./constants/layout";
import { FAULT_ERROR_CODE, FAULT_KIND } from "./constants/fault";
import { fastEntryAddrByte } from "./tlb/fast";
import { TLB_KIND_ARCH, TLB_KIND_FAST, addFastLookups, archTranslateAny, fastSlow, tlbKind, translateOne } from "./translate";
import { ACC_KIND_MASK, ACC_FETCH, ACC_WRITE } from "./constants/access";
import { ACC_SLOT_OFFSET, CNT_HITS, FAST_NEVER_OFFSET, RIGHTS_TABLE_OFFSET, TLB_DTLB, TLB_ITLB, TOT_TRANSLATIONS, TOTALS_BLOCK } from "./constants/layout";
import { counterAddr } from "./counters";
import { RIGHTS_RW, RIGHTS_US, RIGHTS_XD } from "./arch/x86/rights";
import { currentPcid, ia32e, nxActive, pkeysActive } from "./arch/x86/state";
import { ramEnd } from "./ram";
import {
  ARCH_DTLB, ARCH_ITLB, CLASS_4K, META_DIRTY, META_KEY_SHIFT, META_RW, META_US, META_XD, archClasses, archFindHit,
  frameAddr, lruClock, metaAddr, setLruClock, stampAddr,
} from "./tlb/arch";

/**
 * Items [i, count) while each is a fast-TLB hit (one load of the slot, one compare, one
 * add): their results written; returns the index of the first miss, or count.
 */
function fastRun(i: u32, count: u32): u32 {
  for (; i < count; i++) {
    const va = load<u64>(BATCH_VA_OFFSET + (<usize>i << 3));
    const e = fastEntryAddrByte(va, <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i));
    if (load<u64>(e) != (va & ~(<u64>0xfff))) break;
    store<i64>(BATCH_OUT_OFFSET + (<usize>i << 3), <i64>(va + load<u64>(e + FAST_ENTRY_ADDEND)));
  }
  return i;
}

@inline function faultResult(): i64 {
  const kind = <u64>load<u32>(FAULT_OFFSET + FAULT_KIND);
  const ec = <u64>load<u32>(FAULT_OFFSET + FAULT_ERROR_CODE);
  return ~<i64>((kind << 32) | ec);
}

/**
 * Translate items [start, count). With `stopOnFault` it returns the index of the first
 * fault (its record left for the host, who resumes at the next index) or `count`;
 * otherwise faults are written as results and it returns how many items faulted.
 * A count beyond BATCH_CAPACITY or a start beyond the count (the host checks both) would
 * run past the buffers: refused, nothing done, BATCH_REFUSED returned.
 */
export function translateBatch(count: u32, stopOnFault: bool, start: u32): u32 {
  if (count > BATCH_CAPACITY || start > count) return BATCH_REFUSED;
  let faults: u32 = 0;
  if (tlbKind == TLB_KIND_FAST) {
    // Runs of hits in fastRun (call-free: its values stay in registers); each miss here.
    let i = start;
    while (true) {
      i = fastRun(i, count);
      if (i >= count) break;
      let r = fastSlow(load<u64>(BATCH_VA_OFFSET + (<usize>i << 3)), <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i));
      if (r < 0) {
        if (stopOnFault) { addFastLookups(<u64>(i - start) + 1); return i; }
        r = faultResult();
        faults++;
      }
      store<i64>(BATCH_OUT_OFFSET + (<usize>i << 3), r);
      i++;
    }
    addFastLookups(<u64>(count - start));
    return stopOnFault ? count : faults;
  }
  // Two call sites keep archBatch a function of its own (binaryen inlines a function called
  // once): inlined here, it made V8 allocate the fast loop's registers worse (+0.15 ns a hit).
  if (tlbKind == TLB_KIND_ARCH) return stopOnFault ? archBatch(count, true, start) : archBatch(count, false, start);
  for (let i: u32 = start; i < count; i++) {
    const va = load<u64>(BATCH_VA_OFFSET + (<usize>i << 3));
    const acc = <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i);
    let r = translateOne(va, acc);
    if (r < 0) {
      if (stopOnFault) return i;
      r = faultResult();
      faults++;
    }
    store<i64>(BATCH_OUT_OFFSET + (<usize>i << 3), r);
  }
  return stopOnFault ? count : faults;
}

// The inline rights lookup shifts the entry's R/W, U/S and XD bits into the table index's places.
const META_TO_RIGHTS: u32 = 12;
if (META_RW >> META_TO_RIGHTS != RIGHTS_RW || META_US >> META_TO_RIGHTS != RIGHTS_US || META_XD >> META_TO_RIGHTS != RIGHTS_XD) {
  ERROR("tlb meta R/W, U/S, XD are not the rights index bits shifted by META_TO_RIGHTS");
}

@inline function addCount(block: u32, field: u32, n: u64): void {
  const p = counterAddr(block, field);
  store<u64>(p, load<u64>(p) + n);
}

/**
 * The PA of an L1 hit of a 4 KiB page in level `l` (a constant: two copies, iTLB and dTLB,
 * each with its geometry and addresses built in) that needs nothing but a stamp, or −1:
 * a miss, a large page, a fault, a store through a clean entry or a PA past RAM (a 4 KiB
 * entry was filled by a walk that found its frame inside RAM, above ramBase: one compare
 * with the end suffices).
 */
@inline function l1Hit(l: u32, va: u64, acc: u32): i64 {
  if ((archClasses(l) & 1) == 0) return -1;
  const e = archFindHit(l, va >> 12, currentPcid);
  if (e < 0) return -1;
  const meta = load<u32>(metaAddr(l, <u32>e));
  // The rights table without keys (arch/x86/rights.ts); an entry keys may deny (user page, CR4.PKE) goes to rightsCheck.
  const xd = nxActive ? meta & META_XD : 0;
  const denied = load<u8>(RIGHTS_TABLE_OFFSET + (acc | ((meta & (META_RW | META_US)) >> META_TO_RIGHTS) | (xd >> META_TO_RIGHTS)));
  const keyed = pkeysActive && (meta & META_US) != 0;
  const clean = (acc & ACC_KIND_MASK) == ACC_WRITE && (meta & META_DIRTY) == 0;
  const pa = load<u64>(frameAddr(l, <u32>e)) | (va & 0xfff);
  if (denied != 0 || keyed || clean || pa >= ramEnd) return -1;
  store<u64>(stampAddr(l, <u32>e), setLruClock(lruClock + 1));
  return <i64>pa;
}

/** iTLB hits of the last archRun (its dTLB hits are the rest of the items it ran). */
let runFetchHits: u64 = 0;

/**
 * Items [i, count) while each is an L1 hit that needs nothing but a stamp (l1Hit): their
 * results written; returns the index of the first item that is anything else, or count.
 * A function of its own with no call in it: V8 keeps its values in registers (the loop
 * with a call in it spilled them on every item).
 */
function archRun(i: u32, count: u32): u32 {
  let hitsI: u64 = 0;
  for (; i < count; i++) {
    const va = load<u64>(BATCH_VA_OFFSET + (<usize>i << 3));
    const acc = <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i);
    if (load<u32>(ACC_SLOT_OFFSET + (acc << 2)) == <u32>FAST_NEVER_OFFSET) break;   // not an access byte (fast.ts)
    const v = ia32e ? va : va & 0xffffffff;
    let r: i64;
    if ((acc & ACC_KIND_MASK) == ACC_FETCH) {
      r = l1Hit(ARCH_ITLB, v, acc);
      if (r < 0) break;
      hitsI++;
    } else {
      r = l1Hit(ARCH_DTLB, v, acc);
      if (r < 0) break;
    }
    store<i64>(BATCH_OUT_OFFSET + (<usize>i << 3), r);
  }
  runFetchHits = hitsI;
  return i;
}

/**
 * translateBatch for the architectural TLB: runs of L1 hits go through archRun; the item
 * that ends a run (an invalid access byte, an L1 miss, a large page, a fault...) goes to
 * archTranslateAny from the start, which repeats the side-effect-free lookup: every count
 * and stamp as per call. The runs' counts are stored when the batch ends.
 */
function archBatch(count: u32, stopOnFault: bool, start: u32): u32 {
  let hits: u64 = 0, hitsI: u64 = 0;
  let faults: u32 = 0;
  let i: u32 = start;
  while (true) {
    const end = archRun(i, count);
    hits += <u64>(end - i);
    hitsI += runFetchHits;
    i = end;
    if (i >= count) break;
    let r = archTranslateAny(load<u64>(BATCH_VA_OFFSET + (<usize>i << 3)), <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i));
    if (r < 0) {
      if (stopOnFault) break;
      r = faultResult();
      faults++;
    }
    store<i64>(BATCH_OUT_OFFSET + (<usize>i << 3), r);
    i++;
  }
  addCount(TOTALS_BLOCK, TOT_TRANSLATIONS, hits);
  addCount(TLB_ITLB, CNT_HITS, hitsI);
  addCount(TLB_DTLB, CNT_HITS, hits - hitsI);
  return stopOnFault ? i : faults;
}
