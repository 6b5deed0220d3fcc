// translateBatch for RISC-V machines (the host binds it instead of x86's): the same
// buffers and result encoding as assembly/batch.ts; runs of fast-TLB hits, and of plain
// architectural-TLB L1 hits, in call-free loops; everything else through the full path. The fast-TLB hit is arch-neutral, but it
// is repeated here rather than shared so that x86's batch loop keeps its own inlining.
import { BATCH_ACC_OFFSET, BATCH_CAPACITY, BATCH_OUT_OFFSET, BATCH_REFUSED, BATCH_VA_OFFSET, FAST_ENTRY_ADDEND, FAULT_OFFSET } from "../../constants/layout";
import { FAULT_ERROR_CODE, FAULT_KIND } from "../../constants/fault";
import { fastEntryAddrByte } from "../../tlb/fast";
import { TLB_KIND_FAST, addFastLookups, tlbKind } from "../../translate";
import { TLB_KIND_ARCH } from "../../translate";
import { rvArchTranslateAny, rvFastSlow } from "./translate";
import { rvTracing, rvWalk, rvWalkPa } from "./walk";
import { sv39Common } from "./sv39";
import { SATP_MODE_SV39 } from "./constants";
import { isAccess } from "../../access";
import { failBadAccess } from "../../fault";
import { countTotal } from "../../counters";
import { ACC_FETCH, ACC_KIND_MASK, ACC_WRITE } from "../../constants/access";
import {
  ACC_SLOT_OFFSET, CNT_HITS, FAST_NEVER_OFFSET, TLB_DTLB, TLB_ITLB, TOT_FAULTS, TOT_TRANSLATIONS, TOT_WALKS, TOTALS_BLOCK,
} from "../../constants/layout";
import { counterAddr } from "../../counters";
import { ramEnd } from "../../ram";
import { ARCH_DTLB, ARCH_ITLB, archClasses, archFindHit, frameAddr, lruClock, metaAddr, setLruClock, stampAddr } from "../../tlb/arch";
import { asid, satpMode, xlen32 } from "./state";
import { pmpCount, pmpOpenBelow56 } from "./pmp";
import { rvRightsOk } from "./walk";
import { RV_META_D } from "./constants";

function rvFastRun(i: u32, count: u32): u32 {
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

/** As translateBatch (assembly/batch.ts), for the RISC-V walker. */
export function rvTranslateBatch(count: u32, stopOnFault: bool, start: u32): u32 {
  if (count > BATCH_CAPACITY || start > count) return BATCH_REFUSED;
  let faults: u32 = 0;
  if (tlbKind == TLB_KIND_FAST) {
    let i = start;
    while (true) {
      i = rvFastRun(i, count);
      if (i >= count) break;
      let r = rvFastSlow(load<u64>(BATCH_VA_OFFSET + (<usize>i << 3)), <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i));
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
  if (tlbKind == TLB_KIND_ARCH) return stopOnFault ? rvArchBatch(count, true, start) : rvArchBatch(count, false, start);
  return stopOnFault ? rvWalkBatch(count, true, start) : rvWalkBatch(count, false, start);
}

/**
 * No TLB: each item walked, as rvTranslateOne does it, the translation and walk counters
 * (one each per valid item) added once. Sv39 with PMP open (tested once per batch: no
 * control changes inside one) takes the common walk inline; an item it declines goes
 * through rvWalk, whose second try of it writes nothing before the full rules decide.
 */
function rvWalkBatch(count: u32, stopOnFault: bool, start: u32): u32 {
  let faults: u32 = 0, walks: u64 = 0;
  let i: u32 = start;
  const common = satpMode == SATP_MODE_SV39 && pmpOpenBelow56 && !rvTracing;
  for (; i < count; i++) {
    const va = load<u64>(BATCH_VA_OFFSET + (<usize>i << 3));
    const acc = <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i);
    let r: i64;
    if (!isAccess(acc)) r = <i64>failBadAccess(va, acc);
    else {
      walks++;
      if (common && sv39Common(va, acc)) r = <i64>rvWalkPa;
      else if (rvWalk(va, acc, true) == 0) r = <i64>rvWalkPa;
      else { countTotal(TOT_FAULTS); r = -1; }
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
  return stopOnFault ? i : faults;
}

// ── the architectural TLB's batch: runs of L1 hits inline, as assembly/batch.ts does for x86 ──

@inline function addCount(block: u32, field: u32, n: u64): void {
  const p = counterAddr(block, field);
  store<u64>(p, load<u64>(p) + n);
}

/**
 * The PA of an L1 hit of a 4 KiB page in level `l` that needs nothing but a stamp, or −1: a
 * miss, a large page, rights refused (SUM/MXR now), a store through a clean entry, PMP
 * entries present (their check is left to the full path) or a PA past RAM.
 */
@inline function rvL1Hit(l: u32, va: u64, acc: u32): i64 {
  if ((archClasses(l) & 1) == 0 || pmpCount != 0) return -1;
  const e = archFindHit(l, va >> 12, asid);
  if (e < 0) return -1;
  const meta = load<u32>(metaAddr(l, <u32>e));
  const clean = (acc & ACC_KIND_MASK) == ACC_WRITE && (meta & RV_META_D) == 0;
  const pa = load<u64>(frameAddr(l, <u32>e)) | (va & 0xfff);
  if (!rvRightsOk(meta, acc) || clean || pa >= ramEnd) return -1;
  store<u64>(stampAddr(l, <u32>e), setLruClock(lruClock + 1));
  return <i64>pa;
}

let runFetchHits: u64 = 0;

/** Items [i, count) while each is a plain L1 hit; returns the index of the first other item. */
function rvArchRun(i: u32, count: u32): u32 {
  let hitsI: u64 = 0;
  for (; i < count; i++) {
    const va0 = load<u64>(BATCH_VA_OFFSET + (<usize>i << 3));
    const acc = <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i);
    if (load<u32>(ACC_SLOT_OFFSET + (acc << 2)) == <u32>FAST_NEVER_OFFSET) break;   // not an access byte
    const va = xlen32 ? va0 & 0xffffffff : va0;
    let r: i64;
    if ((acc & ACC_KIND_MASK) == ACC_FETCH) {
      r = rvL1Hit(ARCH_ITLB, va, acc);
      if (r < 0) break;
      hitsI++;
    } else {
      r = rvL1Hit(ARCH_DTLB, va, acc);
      if (r < 0) break;
    }
    store<i64>(BATCH_OUT_OFFSET + (<usize>i << 3), r);
  }
  runFetchHits = hitsI;
  return i;
}

/** rvTranslateBatch for the architectural TLB: L1-hit runs inline, every other item through the full path. */
function rvArchBatch(count: u32, stopOnFault: bool, start: u32): u32 {
  let hits: u64 = 0, hitsI: u64 = 0;
  let faults: u32 = 0;
  let i: u32 = start;
  while (true) {
    const end = rvArchRun(i, count);
    hits += <u64>(end - i);
    hitsI += runFetchHits;
    i = end;
    if (i >= count) break;
    let r = rvArchTranslateAny(load<u64>(BATCH_VA_OFFSET + (<usize>i << 3)), <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i));
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
