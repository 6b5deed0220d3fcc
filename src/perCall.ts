// The per-call translation path for emulators' CPU loops. A fast-TLB hit is decided in
// JavaScript by reading the core's own TLB arrays (one slot-table load, two tag words,
// one addend word) and only a miss crosses into WASM: a call into WASM costs more on
// V8 than the whole hit (measured: an empty export call is ~3× a batched hit), so this
// is what keeps a per-call hit within 2× of a batched one. Nothing is duplicated: the
// arrays, their fill rules and their invalidations all belong to the core.
//
// `translate` is a closure over constant views, built once: V8 optimises it to a few
// loads and compares (3.0 ns a hit here), where the same code as a class method
// reading its views from `this` measured 5 ns.
import type { CoreExports } from "./core/wasm.js";
import type { CoreConstants } from "./core/constants.js";

export interface PerCallTranslator {
  /**
   * Translate the VA (lo, hi u32 halves) for the access byte `acc` (Machine.access):
   * the physical address, or -1 with the fault in `machine.lastFault()`.
   */
  readonly translate: (lo: number, hi: number, acc: number) => number;
  /** Hits decided on the JS side (the core counts its own); part of the fast TLB's hits. */
  hitCount(): number;
  resetHits(): void;
}

export function createPerCallTranslator(core: CoreExports, memory: WebAssembly.Memory, k: CoreConstants,
                                        fastEntries: number, fastTlb: boolean): PerCallTranslator {
  const words = new Int32Array(memory.buffer);
  const slots = new Int32Array(memory.buffer, k.num.ACC_SLOT_OFFSET, k.num.ACC_COUNT);
  const mask = fastEntries - 1;
  const coreTranslate = core.translate;
  let hits = 0;

  const viaCore = (lo: number, hi: number, acc: number): number => {
    const r = coreTranslate(lo, hi, acc);
    return r === -1 ? -1 : r >>> 0;
  };
  const probeFirst = (lo: number, hi: number, acc: number): number => {
    const w = (slots[acc]! + (((lo >>> 12) & mask) << 4)) >> 2;
    if (words[w] === (lo & -4096) && words[w + 1] === (hi | 0)) {
      hits++;
      return (lo + words[w + 2]!) >>> 0;      // PA < 4 GiB: low word of VA + addend
    }
    const r = coreTranslate(lo, hi, acc);
    return r === -1 ? -1 : r >>> 0;
  };
  return {
    translate: fastTlb ? probeFirst : viaCore,
    // A plain object of functions (no accessors) keeps `raw.translate` a constant-time load.
    hitCount: () => hits,
    resetHits: () => { hits = 0; },
  };
}
