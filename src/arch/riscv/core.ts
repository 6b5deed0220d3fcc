// The core's RISC-V exports (assembly/arch/riscv/exports.ts), typed, and the binding that
// makes a RISC-V machine's shared helpers (Batch, the per-call translator, TLB stats) call
// them: the arch is chosen once, here, at create time; no shared path tests it per access.
import type { CoreExports } from "../../core/wasm.js";

export interface RiscvCoreExports {
  rvConfigure(rv32: number, features: number): void;
  rvFlushAll(): void;
  rvWriteSatp(v: bigint): number;
  rvSetStatus(sum: number, mxr: number): void;
  rvWriteMenvcfg(v: bigint): bigint;
  rvSetPmpEntry(i: number, cfg: number, addr: bigint): number;
  rvSetPmpCount(n: number): number;
  rvSfenceVma(hasVa: number, va: bigint, hasAsid: number, asid: number): void;
  rvTranslate(lo: number, hi: number, acc: number): number;
  rvTranslateBatch(count: number, stopOnFault: number, start: number): number;
  rvWalkOnce(lo: number, hi: number, acc: number, update: number): number;
  rvLastWalkPaLo(): number;
  rvLastWalkPaHi(): number;
  rvLastWalkMeta(): number;
  rvLastWalkShift(): number;
  rvGetSatpLo(): number;
  rvGetSatpHi(): number;
  rvGetAsid(): number;
  rvGetMenvcfgLo(): number;
  rvGetMenvcfgHi(): number;
  rvGetStatus(): number;
}

/** The shared exports with x86's translate, translateBatch and walkOnce replaced by RISC-V's. */
export function bindRiscv(core: CoreExports): CoreExports & RiscvCoreExports {
  const rv = core as unknown as CoreExports & RiscvCoreExports;
  return { ...rv, translate: rv.rvTranslate, translateBatch: rv.rvTranslateBatch, walkOnce: rv.rvWalkOnce };
}
