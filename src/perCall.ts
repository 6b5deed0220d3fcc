// The per-call translation path for emulators' CPU loops. A fast-TLB hit is decided in
// JavaScript by reading the core's own TLB arrays (one slot-table load, two tag words,
// one addend word) and only a miss crosses into WASM: a call into WASM costs more on
// V8 than the whole hit (measured: an empty export call is ~3× a batched hit), so this
// is what keeps a per-call hit within 2× of a batched one. Nothing is duplicated: the
// arrays, their layout, their fill rules and their invalidations all belong to the core.
//
// `translate` is a closure over constant views, built once: inlined at a monomorphic
// call site, V8 folds the views into constant addresses, where the same code as a class
// method reading its views from `this` measured 5 ns. Its hit count lives in a
// Float64Array cell, not in a captured `let`: a `let` costs a hole (TDZ) check on every
// hit (~0.4 ns, 10 %), and once past 2^31 hits a captured number is a heap number that
// every `++` re-allocates (measured 9.5 ns a hit). The cell is exact to 2^53.
//
// An adopted memory that the embedder grows detaches these views: every probe then
// misses (a detached view reads `undefined`) and the core answers, still exact but at
// the core-call price; a Machine's own memory never grows.
//
// The access value is never trusted. The slot table has a row for every byte 0..255
// (an invalid byte's row points at an array that never hits), the probe only reads it
// for an integer 0..255, and every other value goes to the miss path, which refuses an
// access that is not a u32 number (WebAssembly would wrap it) and lets the core report
// the rest (FAULT_BAD_ACCESS). lo and hi are 32-bit halves, as u32 or i32 numbers (an
// emulator's Int32Array words): the miss path refuses anything else; the hit path reads
// their low 32 bits, as WebAssembly would, because checking them there measured +5 %
// per hit (0.2 ns) and they cannot make the probe read outside the TLB arrays.
import type { CoreExports } from "./core/wasm.js";
import type { CoreConstants } from "./core/constants.js";
import { ArgumentRangeError, ArgumentTypeError, show } from "./config.js";

export interface PerCallTranslator {
  /**
   * Translate the VA (lo, hi: u32 numbers) for the access byte `acc` (Machine.access):
   * the physical address, or -1 with the fault in `machine.lastFault()` (kind BAD_ACCESS
   * for a u32 that is not an access byte). Throws ArgumentTypeError/ArgumentRangeError
   * when acc is not a u32 number, or (on a TLB miss) lo or hi is not a 32-bit integer.
   */
  readonly translate: (lo: number, hi: number, acc: number) => number;
  /** Hits decided on the JS side (the core counts its own); part of the fast TLB's hits. */
  hitCount(): number;
  resetHits(): void;
}

const isU32 = (v: number) => typeof v === "number" && v >>> 0 === v;
/** A 32-bit pattern as a u32 or an i32. */
const is32 = (v: number) => isU32(v) || (typeof v === "number" && (v | 0) === v);

/** The miss path's check: what the core would receive wrapped is refused here, named. */
function refuse(lo: number, hi: number, acc: number): never {
  for (const [name, v, ok, range] of [["lo", lo, is32, "a 32-bit integer"], ["hi", hi, is32, "a 32-bit integer"],
    ["access", acc, isU32, "a u32 (0 to 0xffffffff)"]] as const) {
    if (typeof v !== "number") throw new ArgumentTypeError(`raw.translate: ${name} ${show(v)} is not a number`);
    if (!ok(v)) throw new ArgumentRangeError(`raw.translate: ${name} ${v} is not ${range}`);
  }
  throw new Error("unreachable");
}

export function createPerCallTranslator(core: CoreExports, memory: WebAssembly.Memory, k: CoreConstants,
                                        fastEntries: number, fastTlb: boolean): PerCallTranslator {
  const n = k.num;
  const words = new Int32Array(memory.buffer);
  const slots = new Int32Array(memory.buffer, n.ACC_SLOT_OFFSET, n.ACC_SLOT_ENTRIES);
  const rowMask = n.ACC_SLOT_ENTRIES - 1;
  const mask = fastEntries - 1;
  const entryShift = Math.log2(n.FAST_ENTRY_SIZE);
  const tagWord = n.FAST_ENTRY_TAG / 4, addendWord = n.FAST_ENTRY_ADDEND / 4;
  if (!Number.isInteger(entryShift) || n.ACC_SLOT_ENTRIES !== 256) throw new Error("core layout: unexpected fast-TLB entry size or slot table (build error)");
  const coreTranslate = core.translate;
  const hits = new Float64Array(1);

  const viaCore = (lo: number, hi: number, acc: number): number => {
    if (!is32(lo) || !is32(hi) || !isU32(acc)) refuse(lo, hi, acc);
    const r = coreTranslate(lo, hi, acc);
    return r === -1 ? -1 : r >>> 0;
  };
  const probeFirst = (lo: number, hi: number, acc: number): number => {
    if ((acc & rowMask) === acc) {                // an integer 0..255: it has a row
      const w = (slots[acc]! + (((lo >>> 12) & mask) << entryShift)) >> 2;
      if (words[w + tagWord] === (lo & -4096) && words[w + tagWord + 1] === (hi | 0)) {
        hits[0]++;
        return (lo + words[w + addendWord]!) >>> 0;      // PA < 4 GiB: low word of VA + addend
      }
    }
    return viaCore(lo, hi, acc);
  };
  return {
    translate: fastTlb ? probeFirst : viaCore,
    // A plain object of functions (no accessors) keeps `raw.translate` a constant-time load.
    hitCount: () => hits[0]!,
    resetHits: () => { hits[0] = 0; },
  };
}
