// translateBatch for AArch64 machines (the host binds it instead of x86's): the same
// buffers and result encoding as assembly/batch.ts; runs of fast-TLB hits in a call-free
// loop, runs of architectural L1 hits likewise (as assembly/batch.ts archRun), walks
// without a TLB in a loop of their own, everything else through a64TranslateOne. The
// fast-TLB hit is arch-neutral, but it is repeated here rather than shared so that x86's
// batch loop keeps its own inlining.
import {
  ACC_SLOT_OFFSET, BATCH_ACC_OFFSET, BATCH_CAPACITY, BATCH_OUT_OFFSET, BATCH_REFUSED, BATCH_VA_OFFSET, CNT_HITS,
  FAST_ENTRY_ADDEND, FAST_NEVER_OFFSET, FAULT_OFFSET, TLB_DTLB, TLB_ITLB, TOT_FAULTS, TOT_TRANSLATIONS, TOT_WALKS, TOTALS_BLOCK,
} from "../../constants/layout";
import { ACC_FETCH, ACC_KIND_MASK } from "../../constants/access";
import { FAULT_ERROR_CODE, FAULT_KIND } from "../../constants/fault";
import { counterAddr } from "../../counters";
import { isAccess } from "../../access";
import { failBadAccess } from "../../fault";
import { ramBase, ramSize } from "../../ram";
import { fastEntryAddrByte } from "../../tlb/fast";
import { ARCH_DTLB, ARCH_ITLB, archClasses, archFindHit, frameAddr, lruClock, metaAddr, setLruClock, stampAddr } from "../../tlb/arch";
import { TLB_KIND_ARCH, TLB_KIND_FAST, addFastLookups, tlbKind } from "../../translate";
import { asid, direct0, e0pd0, e0pd1, tbiData0, tbiData1, tbiFetch0, tbiFetch1 } from "./state";
import { a64ArchTranslateAny, a64FastSlow } from "./translate";
import { a64RightsOk, a64Tracing, a64Walk, a64WalkPa, walk4k0 } from "./walk";
import { FastBased } from "../../walk/steps";

function a64FastRun(i: u32, count: u32): u32 {
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
 * The PA of an L1 hit of a 4 KiB page in level `l` (a constant: one copy per L1) that needs
 * nothing but a stamp, or −1 (a miss, a large page, refused rights, a PA past RAM): what
 * a64ArchTranslate does for such a hit, without its calls. Only used when no TBI and no
 * E0PD apply (the TLB key is the VA; no EL0 check before the lookup).
 */
@inline function a64L1Hit(l: u32, va: u64, acc: u32): i64 {
  if ((archClasses(l) & 1) == 0) return -1;
  const e = archFindHit(l, va >> 12, asid);
  if (e < 0) return -1;
  const pa = load<u64>(frameAddr(l, <u32>e)) | (va & 0xfff);
  if (!a64RightsOk(load<u32>(metaAddr(l, <u32>e)), acc) || pa - ramBase >= ramSize) return -1;
  store<u64>(stampAddr(l, <u32>e), setLruClock(lruClock + 1));
  return <i64>pa;
}

/** iTLB hits of the last a64ArchRun (its dTLB hits are the rest of the items it ran). */
let runFetchHits: u64 = 0;

/** Items [i, count) while each is such an L1 hit; returns the first that is not. No call inside (registers stay). */
function a64ArchRun(i: u32, count: u32): u32 {
  let hitsI: u64 = 0;
  for (; i < count; i++) {
    const va = load<u64>(BATCH_VA_OFFSET + (<usize>i << 3));
    const acc = <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i);
    if (load<u32>(ACC_SLOT_OFFSET + (acc << 2)) == <u32>FAST_NEVER_OFFSET) break;   // not an access byte (fast.ts)
    let r: i64;
    if ((acc & ACC_KIND_MASK) == ACC_FETCH) {
      r = a64L1Hit(ARCH_ITLB, va, acc);
      if (r < 0) break;
      hitsI++;
    } else {
      r = a64L1Hit(ARCH_DTLB, va, acc);
      if (r < 0) break;
    }
    store<i64>(BATCH_OUT_OFFSET + (<usize>i << 3), r);
  }
  runFetchHits = hitsI;
  return i;
}

@inline function addCount(block: u32, field: u32, n: u64): void {
  const p = counterAddr(block, field);
  store<u64>(p, load<u64>(p) + n);
}

/** The batch with the architectural TLB: runs of L1 hits in a64ArchRun, the item ending a run from the start (as archBatch). */
function a64ArchBatch(count: u32, stopOnFault: bool, start: u32): u32 {
  let hits: u64 = 0, hitsI: u64 = 0;
  let faults: u32 = 0;
  let i: u32 = start;
  // TBI (the key differs from the VA) and E0PD (an EL0 check before the lookup): every item the full way.
  const runs = !(e0pd0 || e0pd1 || tbiData0 || tbiData1 || tbiFetch0 || tbiFetch1);
  while (true) {
    if (runs) {
      const end = a64ArchRun(i, count);
      hits += <u64>(end - i);
      hitsI += runFetchHits;
      i = end;
    }
    if (i >= count) break;
    let r = a64ArchTranslateAny(load<u64>(BATCH_VA_OFFSET + (<usize>i << 3)), <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i));
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

/**
 * The batch without a TLB: one walk per item, as a64TranslateOne does for TLB kind none;
 * the translations, walks and faults counted in locals and added once at the end.
 */
function a64WalkBatch(count: u32, stopOnFault: bool, start: u32): u32 {
  let faults: u32 = 0, walks: u64 = 0, walkFaults: u64 = 0;
  let i: u32 = start;
  for (; i < count; i++) {
    const va = load<u64>(BATCH_VA_OFFSET + (<usize>i << 3));
    const acc = <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i);
    let r: i64;
    if (!isAccess(acc)) r = <i64>failBadAccess(va, acc);
    else {
      walks++;
      // The unrolled 4K walk called straight from here when it applies (as walkA64 would): one call per item.
      const rc = !a64Tracing && (va >> 48) == 0 && direct0 ? walk4k0<FastBased>(va, acc, true) : a64Walk(va, acc, true);
      if (rc != 0) { walkFaults++; r = -1; }
      else r = <i64>a64WalkPa;
    }
    if (r < 0) {
      if (stopOnFault) break;
      r = faultResult();
      faults++;
    }
    store<i64>(BATCH_OUT_OFFSET + (<usize>i << 3), r);
  }
  addCount(TOTALS_BLOCK, TOT_TRANSLATIONS, walks);
  addCount(TOTALS_BLOCK, TOT_WALKS, walks);
  addCount(TOTALS_BLOCK, TOT_FAULTS, walkFaults);
  return stopOnFault ? i : faults;
}

/** As translateBatch (assembly/batch.ts), for the AArch64 walker. */
export function a64TranslateBatch(count: u32, stopOnFault: bool, start: u32): u32 {
  if (count > BATCH_CAPACITY || start > count) return BATCH_REFUSED;
  let faults: u32 = 0;
  if (tlbKind == TLB_KIND_FAST) {
    let i = start;
    while (true) {
      i = a64FastRun(i, count);
      if (i >= count) break;
      let r = a64FastSlow(load<u64>(BATCH_VA_OFFSET + (<usize>i << 3)), <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i));
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
  // Two call sites each, as in assembly/batch.ts: each loop stays a function of its own.
  if (tlbKind == TLB_KIND_ARCH) return stopOnFault ? a64ArchBatch(count, true, start) : a64ArchBatch(count, false, start);
  return stopOnFault ? a64WalkBatch(count, true, start) : a64WalkBatch(count, false, start);
}
