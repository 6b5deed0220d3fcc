// The TLB kinds `configure(…, tlbKind, …)` takes: exported, so hosts (src/machine.ts,
// src/trace/engine.ts) pass the core's own codes instead of retyping 0, 1, 2.
export const TLB_KIND_NONE: u32 = 0;
export const TLB_KIND_FAST: u32 = 1;
export const TLB_KIND_ARCH: u32 = 2;
