// Host access to guest physical memory. Every access is bounds-checked against the RAM
// image and names the offending address when it is not.

export class PhysicalMemory {
  /** The RAM image: byte i is physical address i. */
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(memory: WebAssembly.Memory, readonly base: number, readonly size: number) {
    this.bytes = new Uint8Array(memory.buffer, base, size);
    this.view = new DataView(memory.buffer, base, size);
  }

  private check(pa: number | bigint, length: number): number {
    const a = typeof pa === "bigint" ? pa : BigInt(pa);
    if (typeof pa === "number" && !Number.isSafeInteger(pa)) throw new RangeError(`physical address ${pa} is not an integer`);
    if (a < 0n || a + BigInt(length) > BigInt(this.size)) {
      throw new RangeError(`physical address 0x${a.toString(16)} (+${length} bytes) is outside RAM (${this.size} bytes)`);
    }
    return Number(a);
  }

  read(pa: number | bigint, length: number): Uint8Array { const a = this.check(pa, length); return this.bytes.slice(a, a + length); }
  write(pa: number | bigint, data: ArrayLike<number>): void { const a = this.check(pa, data.length); this.bytes.set(data, a); }
  readU32(pa: number | bigint): number { return this.view.getUint32(this.check(pa, 4), true); }
  writeU32(pa: number | bigint, v: number): void { this.view.setUint32(this.check(pa, 4), v >>> 0, true); }
  readU64(pa: number | bigint): bigint { return this.view.getBigUint64(this.check(pa, 8), true); }
  writeU64(pa: number | bigint, v: bigint): void { this.view.setBigUint64(this.check(pa, 8), BigInt.asUintN(64, v), true); }
  /** Zero a range (e.g. a new page-table page). */
  zero(pa: number | bigint, length: number): void { const a = this.check(pa, length); this.bytes.fill(0, a, a + length); }
}
