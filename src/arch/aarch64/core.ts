// The core's AArch64 exports (assembly/arch/aarch64/exports.ts), typed, and the binding
// that makes an AArch64 machine's shared helpers (Batch, the per-call translator, TLB
// stats) call them: the arch is chosen once, at create time; no shared path tests it.
import type { CoreExports } from "../../core/wasm.js";

export interface AArch64CoreExports {
  a64Configure(paRange: number, features: number): number;
  a64FlushAll(): void;
  a64SetControl(tcr: bigint, ttbr0: bigint, ttbr1: bigint, wxn: number, pan: number, uao: number): void;
  a64Tlbi(op: number, xt: bigint): number;
  a64Translate(lo: number, hi: number, acc: number): number;
  a64TranslateBatch(count: number, stopOnFault: number, start: number): number;
  a64WalkOnce(lo: number, hi: number, acc: number, update: number): number;
  a64LastWalkPaLo(): number;
  a64LastWalkPaHi(): number;
  a64LastWalkMeta(): number;
  a64LastWalkShift(): number;
  a64LastWalkLevel(): number;
  a64GetTcrLo(): number;
  a64GetTcrHi(): number;
  a64GetTtbr0Lo(): number;
  a64GetTtbr0Hi(): number;
  a64GetTtbr1Lo(): number;
  a64GetTtbr1Hi(): number;
  a64GetAsid(): number;
  a64GetFlags(): number;
}

/** The shared exports with x86's translate, translateBatch and walkOnce replaced by AArch64's. */
export function bindAArch64(core: CoreExports): CoreExports & AArch64CoreExports {
  const a = core as unknown as CoreExports & AArch64CoreExports;
  return { ...a, translate: a.a64Translate, translateBatch: a.a64TranslateBatch, walkOnce: a.a64WalkOnce };
}
