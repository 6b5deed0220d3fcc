// Batches: the host writes VAs (u64) and access bytes into the batch buffers, one call
// translates them all, results (PA, or ~(kind << 32 | error code) for a fault) come back
// in the out buffer. One boundary crossing per batch, none per access.
import { BATCH_ACC_OFFSET, BATCH_CAPACITY, BATCH_OUT_OFFSET, BATCH_REFUSED, BATCH_VA_OFFSET, FAST_ENTRY_ADDEND } from "./constants/layout";
import { FAULT_OFFSET } from "./constants/layout";
import { FAULT_ERROR_CODE, FAULT_KIND } from "./constants/fault";
import { fastEntryAddrByte } from "./tlb/fast";
import { TLB_KIND_FAST, addFastLookups, fastSlow, tlbKind, translateOne } from "./translate";

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
    // The fast path inlined: one load of the slot, one compare, one add.
    for (let i: u32 = start; i < count; i++) {
      const va = load<u64>(BATCH_VA_OFFSET + (<usize>i << 3));
      const acc = <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i);
      const e = fastEntryAddrByte(va, acc);
      let r: i64;
      if (load<u64>(e) == (va & ~(<u64>0xfff))) r = <i64>(va + load<u64>(e + FAST_ENTRY_ADDEND));
      else {
        r = fastSlow(va, acc);
        if (r < 0) {
          if (stopOnFault) { addFastLookups(<u64>(i - start) + 1); return i; }
          r = faultResult();
          faults++;
        }
      }
      store<i64>(BATCH_OUT_OFFSET + (<usize>i << 3), r);
    }
    addFastLookups(<u64>(count - start));
    return stopOnFault ? count : faults;
  }
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
