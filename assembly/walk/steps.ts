// What the walkers share besides the leaf: the two builds of each walker (Fast for
// translations, Traced for walkOnce, which records every step in the walk-steps region
// so the host can show the walk), the step record, and the A/D write-back.
//
// A walker is written once as a generic function and instantiated twice, `<Fast>` and
// `<Traced>` (TinyEMU builds its walker per XLEN from one template the same way): the
// Traced build is the Fast one plus the recording, so the two cannot disagree on PA,
// fault or A/D bits (test/core/walkTraced.test.ts checks that they do not).
import {
  WALK_COUNT, WALK_OFFSET, WALK_STEPS, WALK_STEP_ADDR, WALK_STEP_AFTER, WALK_STEP_BEFORE,
  WALK_STEP_FLAGS, WALK_STEP_LEVEL, WALK_STEP_SIZE, TOT_AD_WRITES,
} from "../constants/layout";
import { inRam, inRamAt0, physStore32, physStore64, ramBase, ramLast8, ramSize } from "../ram";
import { countTotal } from "../counters";

/**
 * Type arguments that pick a walker's build: only their size differs (a compile-time
 * constant). The Based builds are the same walkers for RAM at a non-zero physical base
 * (ram.ts): their bounds checks subtract the base, which the builds for RAM at 0 never do.
 */
export type Fast = u8;
export type Traced = u16;
export type FastBased = u32;
export type TracedBased = u64;
@inline export function isTraced<T>(): bool { return sizeof<T>() == 2 || sizeof<T>() == 8; }
@inline export function isBased<T>(): bool { return sizeof<T>() >= 4; }

/** The 8-byte entry at physical address `ea` does not lie wholly inside RAM. */
@inline export function outside8<T>(ea: u64): bool {
  return isBased<T>() ? ea - ramBase > ramLast8 : ea > ramLast8;
}
/** The byte at physical address `pa` lies outside RAM. */
@inline export function outside<T>(pa: u64): bool {
  return isBased<T>() ? pa - ramBase >= ramSize : pa >= ramSize;
}
/** The `size` bytes at `pa` all lie inside RAM. */
@inline export function inside<T>(pa: u64, size: u64): bool {
  return isBased<T>() ? inRam(pa, size) : inRamAt0(pa, size);
}

@inline function stepAddr(i: u32): usize { return WALK_OFFSET + WALK_STEPS + <usize>i * WALK_STEP_SIZE; }

/** A new traced walk starts with no steps. */
export function clearSteps(): void { store<u32>(WALK_OFFSET + WALK_COUNT, 0); }

/** An entry read (or a PDPTE register used): recorded by the Traced build only. */
@inline export function step<T>(level: u32, flags: u32, ea: u64, e: u64): void {
  if (isTraced<T>()) recordStep(level, flags, ea, e);
}
function recordStep(level: u32, flags: u32, ea: u64, e: u64): void {
  const n = load<u32>(WALK_OFFSET + WALK_COUNT);
  const p = stepAddr(n);
  store<u32>(p + WALK_STEP_LEVEL, level);
  store<u32>(p + WALK_STEP_FLAGS, flags);
  store<u64>(p + WALK_STEP_ADDR, ea);
  store<u64>(p + WALK_STEP_BEFORE, e);
  store<u64>(p + WALK_STEP_AFTER, e);
  store<u32>(WALK_OFFSET + WALK_COUNT, n + 1);
}
/** The last step's entry after a write-back. */
function recordAfter(v: u64): void {
  store<u64>(stepAddr(load<u32>(WALK_OFFSET + WALK_COUNT) - 1) + WALK_STEP_AFTER, v);
}

/** Write back an 8-byte entry with bits set (A, D); returns the value written. */
export function setBits64<T>(ea: u64, e: u64, bits: u64): u64 {
  const v = e | bits;
  physStore64(ea, v);
  countTotal(TOT_AD_WRITES);
  if (isTraced<T>()) recordAfter(v);
  return v;
}
/** The same for a 4-byte entry (32-bit paging). */
export function setBits32<T>(ea: u64, e: u32, bits: u32): void {
  const v = e | bits;
  physStore32(ea, v);
  countTotal(TOT_AD_WRITES);
  if (isTraced<T>()) recordAfter(<u64>v);
}
/** Write back an 8-byte entry whole (AArch64's dirty state clears AP[2] as AF is set); counted as an A/D write. */
export function storeEntry64<T>(ea: u64, v: u64): void {
  physStore64(ea, v);
  countTotal(TOT_AD_WRITES);
  if (isTraced<T>()) recordAfter(v);
}
