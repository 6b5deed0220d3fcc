// The x86 page walk, all four paging modes and paging off (SDM Vol. 3A ch. 4; x86.md §7).
// One walker per mode (long.ts, legacy.ts), picked by one switch on the mode that
// deriveState (state.ts) sets at each control-register change. One exit per fault kind
// (leaf.ts, fault.ts); a successful walk leaves the translation in `walkPa` and
// `walkAttrs` for the TLB fill. With `walkTracing` on (walkOnce), the Traced build of
// the same walkers records every step in the walk-steps region (steps.ts).
import { MODE_4LEVEL, MODE_5LEVEL, MODE_LEGACY32, MODE_PAE } from "./constants";
import {
  ATTR_DIRTY, ATTR_GLOBAL, ATTR_KEY_MASK, ATTR_KEY_SHIFT, ATTR_RW, ATTR_SHIFT_MASK, ATTR_SHIFT_SHIFT, ATTR_US, ATTR_XD,
} from "./attributes";
import { mode } from "./state";
import { Fast, FastBased, Traced, TracedBased, clearSteps } from "../../walk/steps";
import { walk4Level, walk5Level, walkPae } from "./long";
import { walkLegacy32, walkPagingOff } from "./legacy";

export { walkPa, walkAttrs } from "./leaf";
export { ATTR_RW, ATTR_US, ATTR_XD, ATTR_GLOBAL, ATTR_DIRTY, ATTR_KEY_SHIFT, ATTR_SHIFT_SHIFT };
@inline export function attrShift(a: u32): u32 { return (a >> ATTR_SHIFT_SHIFT) & ATTR_SHIFT_MASK; }
@inline export function attrKey(a: u32): u32 { return (a >> ATTR_KEY_SHIFT) & ATTR_KEY_MASK; }

/** Record each step in the walk-steps region (walkOnce); translations leave it off. */
export let walkTracing: bool = false;
/** RAM starts at a non-zero physical address (ram.ts): the Based builds check against it. */
let walkBased: bool = false;
/** Either of the two: walk leaves its common case (Fast, RAM at 0) through one test. */
let walkOther: bool = false;
export function setWalkTracing(on: bool): void { walkTracing = on; walkOther = walkTracing || walkBased; }
/** Chosen once, when RAM is configured (index.ts configure, setRamBase): never per access. */
export function setWalkBased(on: bool): void { walkBased = on; walkOther = walkTracing || walkBased; }

/** Canonical: bits 63:47 (4-level) or 63:56 (5-level) all equal. */
@inline export function isCanonical(va: u64, la57: bool): bool {
  const shift: u64 = la57 ? 56 : 47;
  const top = <i64>va >> <i64>shift;
  return top == 0 || top == -1;
}

/**
 * Translate `va` for the access byte `acc`. `update`: set A/D bits as the hardware does
 * (false gives a side-effect-free peek for views and debuggers). Returns 0, or
 * TRANSLATE_FAULT with the fault record filled.
 */
export function walk(va: u64, acc: u32, update: bool): i32 {
  if (walkOther) return walkVariant(va, acc, update);
  const m = mode;
  if (m == MODE_4LEVEL) return walk4Level<Fast>(va, acc, update);
  if (m == MODE_5LEVEL) return walk5Level<Fast>(va, acc, update);
  if (m == MODE_PAE) return walkPae<Fast>(va, acc, update);
  if (m == MODE_LEGACY32) return walkLegacy32<Fast>(va, acc, update);
  return walkPagingOff<Fast>(va, acc);
}

/** The Traced build (walkOnce), and the Based builds of both (RAM at a non-zero base). */
function walkVariant(va: u64, acc: u32, update: bool): i32 {
  if (!walkTracing) return walkModes<FastBased>(va, acc, update);
  clearSteps();
  return walkBased ? walkModes<TracedBased>(va, acc, update) : walkModes<Traced>(va, acc, update);
}

@inline function walkModes<T>(va: u64, acc: u32, update: bool): i32 {
  const m = mode;
  if (m == MODE_4LEVEL) return walk4Level<T>(va, acc, update);
  if (m == MODE_5LEVEL) return walk5Level<T>(va, acc, update);
  if (m == MODE_PAE) return walkPae<T>(va, acc, update);
  if (m == MODE_LEGACY32) return walkLegacy32<T>(va, acc, update);
  return walkPagingOff<T>(va, acc);
}
