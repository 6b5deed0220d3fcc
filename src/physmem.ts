// Host access to guest physical memory. Every access is bounds-checked against the RAM
// image, guest-physical addresses [ramBase, ramBase + size), and every argument
// type-checked; an error names the offending value.
import { ArgumentRangeError, ArgumentTypeError, show, toBytes, toInt, toU64 } from "./config.js";

export class PhysicalMemory {
  /** The RAM image: byte i is physical address ramBase + i. */
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  /** `base`: where RAM lies in `memory`; `ramBase`: the guest-physical address of its first byte. */
  constructor(memory: WebAssembly.Memory, readonly base: number, readonly size: number, readonly ramBase = 0) {
    this.bytes = new Uint8Array(memory.buffer, base, size);
    this.view = new DataView(memory.buffer, base, size);
  }

  /** The offset of `length` bytes at `pa`, all inside RAM. */
  private check(pa: unknown, length: number): number {
    let a: bigint;
    if (typeof pa === "bigint") a = pa;
    else if (typeof pa === "number") {
      if (!Number.isSafeInteger(pa)) throw new ArgumentRangeError(`physical address ${pa} is not a safe integer`);
      a = BigInt(pa);
    } else throw new ArgumentTypeError(`physical address ${show(pa)} is not a number or a bigint`);
    if (a < 0n) throw new ArgumentRangeError(`physical address ${show(pa)} is negative`);
    const o = a - BigInt(this.ramBase);
    if (o < 0n || o + BigInt(length) > BigInt(this.size)) {
      const ram = this.ramBase === 0 ? `${this.size} bytes`
        : `${this.size} bytes at [0x${this.ramBase.toString(16)}, 0x${(this.ramBase + this.size).toString(16)})`;
      throw new ArgumentRangeError(`physical address 0x${a.toString(16)} (+${length} bytes) is outside RAM (${ram})`);
    }
    return Number(o);
  }

  private length(n: unknown): number { return toInt(n, "length", 0, this.size); }

  read(pa: number | bigint, length: number): Uint8Array { const a = this.check(pa, this.length(length)); return this.bytes.slice(a, a + length); }
  /** Write a Uint8Array or an array of bytes (0..255; anything else is refused, not truncated). */
  write(pa: number | bigint, data: ArrayLike<number>): void { const b = toBytes(data, "data"); this.bytes.set(b, this.check(pa, b.length)); }
  readU32(pa: number | bigint): number { return this.view.getUint32(this.check(pa, 4), true); }
  writeU32(pa: number | bigint, v: number): void { const x = toInt(v, "value", 0, 0xffffffff); this.view.setUint32(this.check(pa, 4), x, true); }
  readU64(pa: number | bigint): bigint { return this.view.getBigUint64(this.check(pa, 8), true); }
  /** `v`: any 64-bit value, unsigned or (two's complement) signed; wider ones are refused, not truncated. */
  writeU64(pa: number | bigint, v: bigint): void {
    const x = typeof v === "bigint" && v < 0n && v >= -(1n << 63n) ? BigInt.asUintN(64, v) : toU64(v, "value");
    this.view.setBigUint64(this.check(pa, 8), x, true);
  }
  /** Zero a range (e.g. a new page-table page). */
  zero(pa: number | bigint, length: number): void { const a = this.check(pa, this.length(length)); this.bytes.fill(0, a, a + length); }
}
