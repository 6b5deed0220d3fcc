// The RAM image and bounds-checked physical memory, shared by every arch. Guest RAM is
// `ramSize` bytes of guest-physical addresses [ramBase, ramEnd) (x86 0 by default; RISC-V
// `virt` puts it at 0x8000_0000, Arm `virt` at 0x4000_0000), held at `ramOffset` in the
// WebAssembly memory. Every guest-controlled physical address is checked before the core
// touches it: one outside RAM is the arch's access fault (x86: a bus-fault record) for the
// caller to report, never a read of other bytes of linear memory, never a trap.
//
// The walkers check against `ramBase` only in their Based builds (walk/steps.ts), chosen
// once when RAM is configured: with RAM at 0 the bound is one compare, as before.
import { CORE_END } from "./constants/layout";

/** Where RAM's first byte lies in linear memory. */
export let ramOffset: usize = CORE_END;
/** Guest-physical address of RAM's first byte (page-aligned). */
export let ramBase: u64 = 0;
export let ramSize: u64 = 0;
/** ramBase + ramSize: the first guest-physical address past RAM. */
export let ramEnd: u64 = 0;
/** Largest offset into RAM at which an 8-byte entry still lies inside it. */
export let ramLast8: u64 = 0;
/** ramOffset − ramBase (wrapping): the linear address of physical address `pa` is ramBias + pa. */
export let ramBias: usize = CORE_END;

export function setRam(offset: usize, base: u64, size: u64): void {
  ramOffset = offset; ramBase = base;
  setRamSize(size);
}
/** RAM grew (trace replay's demand paging): bounds follow. */
export function setRamSize(size: u64): void {
  ramSize = size;
  ramEnd = ramBase + size;
  ramLast8 = size >= 8 ? size - 8 : 0;
  ramBias = ramOffset - <usize>ramBase;
}

/** True when the `size` bytes at physical address `pa` all lie inside RAM. */
@inline export function inRam(pa: u64, size: u64): bool {
  const o = pa - ramBase;   // below the base: wraps above ramSize
  return o < ramSize && size <= ramSize - o;
}
/** inRam for RAM at physical address 0 (ramBase == 0: the Fast and Traced walker builds). */
@inline export function inRamAt0(pa: u64, size: u64): bool {
  return pa < ramSize && size <= ramSize - pa;
}
@inline export function physLoad64(pa: u64): u64 { return load<u64>(ramBias + <usize>pa); }
@inline export function physLoad32(pa: u64): u32 { return load<u32>(ramBias + <usize>pa); }
@inline export function physStore64(pa: u64, v: u64): void { store<u64>(ramBias + <usize>pa, v); }
@inline export function physStore32(pa: u64, v: u32): void { store<u32>(ramBias + <usize>pa, v); }
