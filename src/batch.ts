// Zero-copy batches: typed views over the core's batch buffers. Fill `va` (or the
// lo/hi words in `vaWords`) and `acc`, call `run`, read `out`: a PA (>= 0) or, for a
// fault, ~(kind << 32 | errorCode). One boundary crossing per batch.
//
// An `acc` byte that is not an access (kind 3, bits above 3) is never translated: the
// core gives it a FAULT_BAD_ACCESS result and changes nothing, and `run` then throws an
// ArgumentRangeError naming the first such byte and its index. Checking the bytes before
// the run would cost a pass over the batch; after it, only a batch that had faults pays.
import type { CoreExports } from "./core/wasm.js";
import type { CoreConstants } from "./core/constants.js";
import { ArgumentRangeError, show } from "./config.js";

export class Batch {
  readonly capacity: number;
  readonly va: BigUint64Array;
  /** The same VA buffer as u32 words: [lo0, hi0, lo1, hi1, ...] — no BigInt needed to fill it. */
  readonly vaWords: Uint32Array;
  readonly acc: Uint8Array;
  readonly out: BigInt64Array;
  /** The same results as i32 words: [lo0, hi0, ...]; for RAM below 4 GiB, lo is the PA when hi is 0. */
  readonly outWords: Int32Array;

  private readonly faultWords: Uint32Array;
  private readonly kindWord: number;
  private readonly badAccess: number;

  constructor(private readonly core: CoreExports, memory: WebAssembly.Memory, k: CoreConstants) {
    const n = k.num;
    this.capacity = n.BATCH_CAPACITY;
    this.faultWords = new Uint32Array(memory.buffer, n.FAULT_OFFSET, n.FAULT_RECORD_SIZE / 4);
    this.kindWord = n.FAULT_KIND / 4;
    this.badAccess = n.FAULT_BAD_ACCESS;
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
   * Throws ArgumentRangeError for an `acc` byte that is not an access (see above).
   */
  run(count: number, stopOnFault = true, start = 0): number {
    if (!Number.isInteger(count) || count < 0 || count > this.capacity) throw new ArgumentRangeError(`batch count ${show(count)} is not 0..${this.capacity}`);
    if (!Number.isInteger(start) || start < 0 || start > count) throw new ArgumentRangeError(`batch start ${show(start)} is not 0..${count}`);
    if (typeof stopOnFault !== "boolean") throw new ArgumentRangeError(`batch stopOnFault: ${String(stopOnFault)} is not a boolean`);
    const r = this.core.translateBatch(count, stopOnFault ? 1 : 0, start) >>> 0;
    if (stopOnFault) {
      if (r < count && this.faultWords[this.kindWord] === this.badAccess) throw this.badAccessError(r, false);
    } else if (r > 0) {
      // A fault result's high word is ~kind.
      const hiBad = ~this.badAccess;
      for (let i = start; i < count; i++) if (this.outWords[2 * i + 1] === hiBad) throw this.badAccessError(i, true);
    }
    return r;
  }

  /**
   * Every item through the batch, `capacity` at a time, faults not stopping it (the
   * machines' translateBatch): a PA, or what `fault` makes of a fault result (its kind code
   * and error code, decodeFault) for that item and its VA as a bigint.
   */
  runAll<F>(items: readonly { va: readonly [number, number]; acc: number }[],
    fault: (kindCode: number, errorCode: number, address: bigint, acc: number) => F): ({ ok: true; pa: number } | { ok: false; fault: F })[] {
    const out: ({ ok: true; pa: number } | { ok: false; fault: F })[] = [];
    for (let start = 0; start < items.length; start += this.capacity) {
      const n = Math.min(this.capacity, items.length - start);
      for (let i = 0; i < n; i++) {
        const it = items[start + i]!;
        this.vaWords[2 * i] = it.va[0];
        this.vaWords[2 * i + 1] = it.va[1];
        this.acc[i] = it.acc;
      }
      this.run(n, false);
      for (let i = 0; i < n; i++) {
        const r = this.out[i]!;
        if (r >= 0n) { out.push({ ok: true, pa: Number(r) }); continue; }
        const { kind, errorCode } = Batch.decodeFault(r);
        const it = items[start + i]!;
        out.push({ ok: false, fault: fault(kind, errorCode, (BigInt(it.va[1]) << 32n) | BigInt(it.va[0]), it.acc) });
      }
    }
    return out;
  }

  private badAccessError(i: number, ranOn: boolean): ArgumentRangeError {
    const v = this.acc[i]!;
    return new ArgumentRangeError(`batch.acc[${i}] = ${v} (0x${v.toString(16)}) is not an access byte (kind 0-2 in bits 1:0, ` +
      `user bit 2 or implicit bit 3: Machine.access builds one); nothing was translated for it` +
      (ranOn ? ", the other items were (their results are in batch.out)" : ""));
  }

  /** Decode a fault result from `out`. */
  static decodeFault(r: bigint): { kind: number; errorCode: number } {
    if (typeof r !== "bigint" || r >= 0n) throw new ArgumentRangeError(`batch result ${show(r)} is not a fault (a negative bigint from batch.out)`);
    const v = ~r;
    return { kind: Number(v >> 32n), errorCode: Number(v & 0xffffffffn) };
  }
}
