// Hit/miss/walk/fault/eviction counters: u64 fields in linear memory so the host reads
// them without a call.
import { COUNTERS_OFFSET, COUNTER_FIELDS, TOTALS_BLOCK } from "./constants/layout";

@inline export function counterAddr(block: u32, field: u32): usize {
  return COUNTERS_OFFSET + (<usize>(block * COUNTER_FIELDS + field) << 3);
}
@inline export function count(block: u32, field: u32): void {
  const p = counterAddr(block, field);
  store<u64>(p, load<u64>(p) + 1);
}
@inline export function countTotal(field: u32): void { count(TOTALS_BLOCK, field); }
/** Add `n` at once (the walkers count their entry reads once per walk). */
@inline export function addTotal(field: u32, n: u64): void {
  const p = counterAddr(TOTALS_BLOCK, field);
  store<u64>(p, load<u64>(p) + n);
}
export function resetCounters(): void {
  memory.fill(COUNTERS_OFFSET, 0, (TOTALS_BLOCK + 1) * COUNTER_FIELDS * 8);
}
