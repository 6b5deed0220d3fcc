// Physical memory for the RISC-V reference model: RAM of `size` bytes at guest-physical
// `base`, little-endian, nothing else. Addresses outside [base, base + size) are not memory
// (the PMA check of the model turns them into access faults); the model never asks these
// classes for them, and they refuse if asked.
//
// Two shapes: SparseMemory (4 KiB pages allocated on first write, for the conformance
// vectors' 1 GiB of RAM at 0x80000000 of which a few entries are used) and ArrayMemory
// (a Uint8Array, e.g. a copy of the core's RAM, for property tests).

/** What the model needs from physical memory. Addresses are bigint guest-physical. */
export interface PhysMemory {
  /** Guest-physical address of the first byte of RAM. */
  readonly base: bigint;
  /** RAM size in bytes. */
  readonly size: bigint;
  /** Little-endian load of 1..8 bytes; the range must be inside RAM. */
  load(pa: bigint, bytes: number): bigint;
  /** Little-endian store of the low `bytes` bytes of `value`; the range must be inside RAM. */
  store(pa: bigint, bytes: number, value: bigint): void;
}

/** Whether [pa, pa + bytes) lies inside the RAM of `m` (the model's PMA). */
export function inRam(m: PhysMemory, pa: bigint, bytes: number): boolean {
  return pa >= m.base && pa + BigInt(bytes) <= m.base + m.size;
}

function checkRange(m: PhysMemory, pa: bigint, bytes: number): void {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 8) throw new RangeError(`access of ${bytes} bytes (1..8)`);
  if (!inRam(m, pa, bytes)) throw new RangeError(`physical 0x${pa.toString(16)}+${bytes} outside RAM`);
}

/** RAM as 4 KiB pages created on first store; never-written bytes read as zero. */
export class SparseMemory implements PhysMemory {
  readonly base: bigint;
  readonly size: bigint;
  private readonly pages = new Map<bigint, Uint8Array>();

  constructor(base: bigint, size: bigint) {
    if (base < 0n || size <= 0n) throw new RangeError(`RAM base 0x${base.toString(16)} size ${size}`);
    this.base = base;
    this.size = size;
  }

  load(pa: bigint, bytes: number): bigint {
    checkRange(this, pa, bytes);
    let v = 0n;
    for (let i = bytes - 1; i >= 0; i--) {
      const a = pa + BigInt(i);
      const page = this.pages.get(a >> 12n);
      v = (v << 8n) | BigInt(page ? page[Number(a & 0xfffn)]! : 0);
    }
    return v;
  }

  store(pa: bigint, bytes: number, value: bigint): void {
    checkRange(this, pa, bytes);
    for (let i = 0; i < bytes; i++) {
      const a = pa + BigInt(i);
      let page = this.pages.get(a >> 12n);
      if (!page) { page = new Uint8Array(4096); this.pages.set(a >> 12n, page); }
      page[Number(a & 0xfffn)] = Number((value >> BigInt(8 * i)) & 0xffn);
    }
  }

  /** Forget every byte written (back to all zero). */
  clear(): void { this.pages.clear(); }
}

/** RAM backed by a byte array (shared, not copied) whose byte 0 is guest-physical `base`. */
export class ArrayMemory implements PhysMemory {
  readonly base: bigint;
  readonly size: bigint;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, base: bigint) {
    if (base < 0n) throw new RangeError(`RAM base 0x${base.toString(16)}`);
    this.bytes = bytes;
    this.base = base;
    this.size = BigInt(bytes.length);
  }

  load(pa: bigint, bytes: number): bigint {
    checkRange(this, pa, bytes);
    const off = Number(pa - this.base);
    let v = 0n;
    for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[off + i]!);
    return v;
  }

  store(pa: bigint, bytes: number, value: bigint): void {
    checkRange(this, pa, bytes);
    const off = Number(pa - this.base);
    for (let i = 0; i < bytes; i++) this.bytes[off + i] = Number((value >> BigInt(8 * i)) & 0xffn);
  }
}
