// translateBatch for AArch64 machines (the host binds it instead of x86's): the same
// buffers and result encoding as assembly/batch.ts; runs of fast-TLB hits in a call-free
// loop, everything else through a64TranslateOne. The fast-TLB hit is arch-neutral, but it
// is repeated here rather than shared so that x86's batch loop keeps its own inlining.
import { BATCH_ACC_OFFSET, BATCH_CAPACITY, BATCH_OUT_OFFSET, BATCH_REFUSED, BATCH_VA_OFFSET, FAST_ENTRY_ADDEND, FAULT_OFFSET } from "../../constants/layout";
import { FAULT_ERROR_CODE, FAULT_KIND } from "../../constants/fault";
import { fastEntryAddrByte } from "../../tlb/fast";
import { TLB_KIND_FAST, addFastLookups, tlbKind } from "../../translate";
import { a64FastSlow, a64TranslateOne } from "./translate";

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
  for (let i: u32 = start; i < count; i++) {
    let r = a64TranslateOne(load<u64>(BATCH_VA_OFFSET + (<usize>i << 3)), <u32>load<u8>(BATCH_ACC_OFFSET + <usize>i));
    if (r < 0) {
      if (stopOnFault) return i;
      r = faultResult();
      faults++;
    }
    store<i64>(BATCH_OUT_OFFSET + (<usize>i << 3), r);
  }
  return stopOnFault ? count : faults;
}
