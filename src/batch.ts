// Zero-copy batches: typed views over the core's batch buffers. Fill `va` (or the
// lo/hi words in `vaWords`) and `acc`, call `run`, read `out`: a PA (>= 0) or, for a
// fault, ~(kind << 32 | errorCode). One boundary crossing per batch.
import type { CoreExports } from "./core/wasm.js";
import type { CoreConstants } from "./core/constants.js";

export class Batch {
  readonly capacity: number;
  readonly va: BigUint64Array;
  /** The same VA buffer as u32 words: [lo0, hi0, lo1, hi1, ...] — no BigInt needed to fill it. */
  readonly vaWords: Uint32Array;
  readonly acc: Uint8Array;
  readonly out: BigInt64Array;
  /** The same results as i32 words: [lo0, hi0, ...]; for RAM below 4 GiB, lo is the PA when hi is 0. */
  readonly outWords: Int32Array;

  constructor(private readonly core: CoreExports, memory: WebAssembly.Memory, k: CoreConstants) {
    const n = k.num;
    this.capacity = n.BATCH_CAPACITY;
    this.va = new BigUint64Array(memory.buffer, n.BATCH_VA_OFFSET, this.capacity);
    this.vaWords = new Uint32Array(memory.buffer, n.BATCH_VA_OFFSET, this.capacity * 2);
    this.acc = new Uint8Array(memory.buffer, n.BATCH_ACC_OFFSET, this.capacity);
    this.out = new BigInt64Array(memory.buffer, n.BATCH_OUT_OFFSET, this.capacity);
    this.outWords = new Int32Array(memory.buffer, n.BATCH_OUT_OFFSET, this.capacity * 2);
  }

  /**
   * Translate items [start, count). `stopOnFault` (default): stop at the first fault and
   * return its index (its record is in `machine.lastFault()`; resume with start = index + 1
   * once it is handled), or `count`. Otherwise translate everything and return the number of faults.
   */
  run(count: number, stopOnFault = true, start = 0): number {
    if (!Number.isInteger(count) || count < 0 || count > this.capacity) {
      throw new RangeError(`batch count ${count} is not 0..${this.capacity}`);
    }
    if (!Number.isInteger(start) || start < 0 || start > count) throw new RangeError(`batch start ${start} is not 0..${count}`);
    return this.core.translateBatch(count, stopOnFault ? 1 : 0, start) >>> 0;
  }

  /** Decode a fault result from `out`. */
  static decodeFault(r: bigint): { kind: number; errorCode: number } {
    const v = ~r;
    return { kind: Number(v >> 32n), errorCode: Number(v & 0xffffffffn) };
  }
}
