// A page-table builder for AArch64 stage-1 tables (VMSAv8-64, DS = 0): allocates tables
// of one granule from a range of guest RAM and writes table, block and page descriptors
// for one VA range (TTBR0 or TTBR1). Every argument is checked before anything is
// written: a VA outside the range, an OA beyond 48 bits, a misaligned address, a block
// size the granule does not have at any level (Arm: AArch64.BlockDescSupported), an
// unknown flag: each is refused naming the value.
import { ArgumentRangeError, ConfigError, checkOptions, show, toBool, toInt, toU64 } from "../../config.js";
import { toBigVa, type VirtualAddress } from "../x86/address.js";
import type { AArch64Machine, A64Granule } from "./machine.js";

export interface A64MapFlags {
  /** AP[2:1]: 0 EL1 RW, 1 EL0+EL1 RW, 2 EL1 RO, 3 EL0+EL1 RO (default 0). */
  ap?: number;
  uxn?: boolean;
  pxn?: boolean;
  /** AF (default true: an access-flag fault needs it clear, or TCR.HA). */
  af?: boolean;
  /** nG: the translation belongs to the current ASID (default false: global). */
  ng?: boolean;
  /** DBM: writable-clean with TCR.HD. */
  dbm?: boolean;
}

const FLAG_KEYS = ["ap", "uxn", "pxn", "af", "ng", "dbm"] as const;
const GRANULE_BITS: Record<A64Granule, number> = { "4k": 12, "16k": 14, "64k": 16 };
const hex = (v: bigint | number) => `0x${v.toString(16)}`;

export class A64PageTableBuilder {
  readonly granule: A64Granule;
  readonly vaBits: number;
  readonly range: 0 | 1;
  /** Physical address of the first-level table (the TTBR's BADDR). */
  readonly root: number;
  readonly startLevel: number;
  private readonly g: number;
  private readonly stride: number;
  private readonly limit: number;
  private next: number;

  /**
   * `granule` and `vaBits` (the range's 64 − TxSZ, default 48) fix the geometry; `range` 1
   * builds for TTBR1 (VAs with bits 63:vaBits all ones). Tables come from `allocBase`
   * (default 1 MiB into RAM) up to `allocLimit` (default RAM's end), granule-aligned.
   */
  constructor(readonly machine: AArch64Machine,
              options?: { granule?: A64Granule; vaBits?: number; range?: 0 | 1; allocBase?: number; allocLimit?: number }) {
    const o = checkOptions(options, ["granule", "vaBits", "range", "allocBase", "allocLimit"], "A64PageTableBuilder");
    this.granule = o.granule ?? "4k";
    if (!(this.granule in GRANULE_BITS)) throw new ConfigError(`granule: ${show(this.granule)} is not 4k, 16k or 64k`);
    this.g = GRANULE_BITS[this.granule];
    this.stride = this.g - 3;
    this.vaBits = toInt(o.vaBits ?? 48, "vaBits", this.granule === "64k" ? 17 : 16, this.granule === "64k" ? 52 : 48);
    this.range = o.range === undefined ? 0 : (toInt(o.range, "range", 0, 1) as 0 | 1);
    this.startLevel = 3 - Math.floor((this.vaBits - 1 - this.g) / this.stride);
    const base = machine.ramBase, end = base + machine.ramBytes;
    this.limit = o.allocLimit === undefined ? end : toInt(o.allocLimit, "allocLimit", base + 4096, end);
    this.next = o.allocBase === undefined ? base + 0x100000 : toInt(o.allocBase, "allocBase", base, this.limit);
    if (this.next % (1 << this.g) !== 0) throw new ConfigError(`allocBase: ${hex(this.next)} is not ${this.granule} aligned`);
    this.root = this.allocTable();
  }

  /** Allocate and zero one granule of RAM for a table. */
  allocTable(): number {
    const size = 1 << this.g;
    if (this.next + size > this.limit) throw new RangeError(`page-table allocator is out of RAM at ${hex(this.next)}`);
    const pa = this.next;
    this.next += size;
    this.machine.phys.zero(pa, size);
    return pa;
  }

  /** The TTBR value for this table with `asid` in bits 63:48. */
  ttbr(asid = 0): bigint {
    toInt(asid, "asid", 0, 0xffff);
    return BigInt(this.root) | (BigInt(asid) << 48n);
  }

  /** The block or page sizes this granule has (bytes), by level. */
  leafSizes(): Map<number, number> {
    const m = new Map<number, number>();
    for (let level = Math.max(1, this.startLevel); level <= 3; level++) {
      const blockOk = level === 3 || level === 2 || (level === 1 && (this.granule === "4k" || (this.granule === "64k" && this.machine.paRange === 52)));
      if (blockOk) m.set(2 ** (this.g + this.stride * (3 - level)), level);
    }
    return m;
  }

  private shift(level: number): number { return this.g + this.stride * (3 - level); }

  private index(va: bigint, level: number): bigint {
    const sh = this.shift(level);
    const width = level === this.startLevel ? this.vaBits - sh : this.stride;
    return (va >> BigInt(sh)) & ((1n << BigInt(width)) - 1n);
  }

  /** Map `size` bytes at `va` to `pa` with one block or page descriptor (size: a leaf size of this granule). */
  map(va: VirtualAddress, pa: number | bigint, size: number, flags: A64MapFlags = {}): void {
    const f = checkOptions(flags, FLAG_KEYS, "map flags");
    const v = toBigVa(va, "va");
    const p = toU64(pa, "pa");
    const level = this.leafSizes().get(size);
    if (level === undefined) throw new ArgumentRangeError(`size: ${show(size)} is not a ${this.granule} block or page size (${[...this.leafSizes().keys()].map(hex).join(", ")})`);
    const top = v >> BigInt(this.vaBits);
    const want = this.range === 1 ? (1n << BigInt(64 - this.vaBits)) - 1n : 0n;
    if (top !== want) throw new ArgumentRangeError(`va: ${hex(v)} is outside the TTBR${this.range} range of ${this.vaBits} bits`);
    if (v % BigInt(size) !== 0n || p % BigInt(size) !== 0n) throw new ArgumentRangeError(`va ${hex(v)} / pa ${hex(p)}: not ${hex(size)} aligned`);
    if (p >= 1n << 48n) throw new ArgumentRangeError(`pa: ${hex(p)} is beyond 48 bits`);
    const ap = toInt(f.ap ?? 0, "ap", 0, 3);
    const bools = Object.fromEntries(["uxn", "pxn", "ng", "dbm"].map((k) => [k, toBool((f as Record<string, unknown>)[k], k) ?? false]));
    const af = toBool(f.af, "af") ?? true;
    let desc = p | BigInt(ap << 6) | (af ? 1n << 10n : 0n) | (bools.ng ? 1n << 11n : 0n) | (bools.dbm ? 1n << 51n : 0n)
      | (bools.pxn ? 1n << 53n : 0n) | (bools.uxn ? 1n << 54n : 0n);
    desc |= level === 3 ? 3n : 1n;
    let table = this.root;
    for (let l = this.startLevel; l < level; l++) {
      const ea = BigInt(table) + this.index(v, l) * 8n;
      let d = this.machine.phys.readU64(ea);
      if ((d & 3n) !== 3n) {
        if ((d & 1n) !== 0n) throw new ArgumentRangeError(`va: ${hex(v)} lies in a block already mapped at level ${l}`);
        d = BigInt(this.allocTable()) | 3n;
        this.machine.phys.writeU64(ea, d);
      }
      table = Number(d & 0xfffffffff000n & ~((1n << BigInt(this.g)) - 1n));
    }
    this.machine.phys.writeU64(BigInt(table) + this.index(v, level) * 8n, desc);
  }

  /** The descriptor address of the leaf of `va` at `level` (tables must exist), for tests that edit descriptors. */
  descriptorAddress(va: VirtualAddress, level: number): bigint {
    const v = toBigVa(va, "va");
    let table = BigInt(this.root);
    for (let l = this.startLevel; l < level; l++) {
      const d = this.machine.phys.readU64(table + this.index(v, l) * 8n);
      if ((d & 3n) !== 3n) throw new ArgumentRangeError(`va: ${hex(v)} has no table at level ${l + 1}`);
      table = d & 0xfffffffff000n & ~((1n << BigInt(this.g)) - 1n);
    }
    return table + this.index(v, level) * 8n;
  }
}
