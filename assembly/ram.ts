// Bounds-checked physical memory. Every guest-controlled physical address goes
// through `inRam` before the core touches it: an address outside the RAM image is a
// bus fault for the caller to report, never a read of other bytes of linear memory.
import { ramBase, ramSize } from "./arch/x86/state";

/** True when the `size` bytes at physical address `pa` all lie inside RAM. */
@inline export function inRam(pa: u64, size: u64): bool {
  return pa < ramSize && size <= ramSize - pa;
}
@inline export function physLoad64(pa: u64): u64 { return load<u64>(ramBase + <usize>pa); }
@inline export function physLoad32(pa: u64): u32 { return load<u32>(ramBase + <usize>pa); }
@inline export function physStore64(pa: u64, v: u64): void { store<u64>(ramBase + <usize>pa, v); }
@inline export function physStore32(pa: u64, v: u32): void { store<u32>(ramBase + <usize>pa, v); }
