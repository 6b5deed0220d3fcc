// A page-table builder in RISC-V format (Sv32, Sv39, Sv48, Sv57): allocates table pages
// from a frame range of guest RAM and writes PTEs as the privileged spec lays them out.
// Every argument is checked before anything is written: a non-canonical VA, a PA past the
// mode's physical addresses, a misaligned address, a page size the mode lacks, W without R:
// refused, naming the value.
import { ArgumentRangeError, checkOptions, show, toBool, toInt, toU64 } from "../../config.js";
import { toBigVa, type VirtualAddress } from "../x86/address.js";
import { MODE_GEOMETRY, type RiscvMode } from "./decode.js";
import type { RiscvMachine } from "./machine.js";

export interface RiscvMapFlags {
  r?: boolean;   // default true
  w?: boolean;   // default true
  x?: boolean;   // default false
  u?: boolean;   // default false
  g?: boolean;
  a?: boolean;   // default true (Svade faults on A = 0)
  d?: boolean;   // default true when writable
  /** Svpbmt memory type: 0 PMA, 1 NC, 2 IO (RV64). */
  pbmt?: number;
  /** Two RSW bits for software. */
  rsw?: number;
}

export const RV_PAGE_4K = 0x1000;
export const RV_PAGE_64K = 0x10000;
export const RV_PAGE_2M = 0x200000;
export const RV_PAGE_4M = 0x400000;
export const RV_PAGE_1G = 0x40000000;
export const RV_PAGE_512G = 2 ** 39;
export const RV_PAGE_256T = 2 ** 48;

const FLAG_KEYS = ["r", "w", "x", "u", "g", "a", "d", "pbmt", "rsw"] as const;
const hex = (v: bigint | number) => `0x${v.toString(16)}`;

export class RiscvPageTableBuilder {
  readonly mode: Exclude<RiscvMode, "bare">;
  /** Physical address of the root table (satp.PPN × 4096). */
  readonly root: number;
  private next: number;
  private readonly limit: number;
  private readonly g: { levels: number; idxBits: number; pteSize: number };

  /** Tables come from [allocBase, allocLimit): default 1 MiB into RAM up to RAM's end. */
  constructor(readonly machine: RiscvMachine, options?: { allocBase?: number; allocLimit?: number; mode?: RiscvMode }) {
    const o = checkOptions(options, ["allocBase", "allocLimit", "mode"], "RiscvPageTableBuilder");
    const mode = o.mode ?? machine.mode;
    if (mode === "bare" || !Object.hasOwn(MODE_GEOMETRY, mode)) throw new ArgumentRangeError(`mode: ${show(mode)} is not sv32, sv39, sv48 or sv57`);
    if ((mode === "sv32") !== (machine.xlen === 32)) throw new ArgumentRangeError(`mode: "${mode}" does not fit an RV${machine.xlen} machine`);
    this.mode = mode;
    this.g = MODE_GEOMETRY[mode];
    const end = machine.ramBase + machine.ramBytes;
    const base = o.allocBase ?? machine.ramBase + 0x100000;
    this.limit = o.allocLimit ?? end;
    toInt(base, "allocBase", machine.ramBase, end - 4096);
    toInt(this.limit, "allocLimit", base + 4096, end);
    if (base % 4096 !== 0) throw new ArgumentRangeError(`allocBase: ${hex(base)} is not 4 KiB aligned`);
    this.next = base;
    this.root = this.alloc();
  }

  /** The satp value that selects these tables with `asid`. */
  satp(asid = 0): bigint { return this.machine.satpFor(this.mode, asid, this.root); }

  private alloc(): number {
    if (this.next + 4096 > this.limit) throw new ArgumentRangeError(`page-table frames exhausted at ${hex(this.next)} (allocLimit ${hex(this.limit)})`);
    const pa = this.next;
    this.next += 4096;
    this.machine.phys.zero(pa, 4096);
    return pa;
  }

  private readPte(addr: number): bigint {
    return this.g.pteSize === 4 ? BigInt(this.machine.phys.readU32(addr)) : this.machine.phys.readU64(addr);
  }
  private writePte(addr: number, v: bigint): void {
    if (this.g.pteSize === 4) this.machine.phys.writeU32(addr, Number(v)); else this.machine.phys.writeU64(addr, v);
  }

  /** The page sizes this mode can map (64 KiB through Svnapot, RV64 only). */
  pageSizes(): number[] {
    if (this.mode === "sv32") return [RV_PAGE_4K, RV_PAGE_4M];
    return [RV_PAGE_4K, RV_PAGE_64K, RV_PAGE_2M, RV_PAGE_1G, RV_PAGE_512G, RV_PAGE_256T].slice(0, this.g.levels + 1);
  }

  /**
   * Map the page of `size` at `va` to `pa`. Tables on the way are created (pointer PTEs:
   * V only). A 64 KiB page writes the 16 Svnapot PTEs (N = 1). Returns the leaf PTE's address.
   */
  map(va: VirtualAddress, pa: number | bigint, size: number = RV_PAGE_4K, flags: RiscvMapFlags = {}): number {
    const v = toBigVa(va);
    const p = toU64(pa, "pa");
    const f = checkOptions(flags, [...FLAG_KEYS], "map flags");
    if (!this.pageSizes().includes(size)) throw new ArgumentRangeError(`size ${hex(size)} is not a ${this.mode} page size (${this.pageSizes().map(hex).join(", ")})`);
    const sz = BigInt(size);
    if (v % sz !== 0n) throw new ArgumentRangeError(`va ${hex(v)} is not aligned to the page size ${hex(size)}`);
    if (p % sz !== 0n) throw new ArgumentRangeError(`pa ${hex(p)} is not aligned to the page size ${hex(size)}`);
    const vaBits = this.mode === "sv32" ? 32 : 12 + this.g.levels * 9;
    const paBits = this.mode === "sv32" ? 34 : 56;
    if (this.mode === "sv32" ? v >= 1n << 32n : BigInt.asIntN(64, v) !== BigInt.asIntN(vaBits, v & ((1n << BigInt(vaBits)) - 1n))) {
      throw new ArgumentRangeError(`va ${hex(v)} is not a canonical ${this.mode} address`);
    }
    if (p + sz > 1n << BigInt(paBits)) throw new ArgumentRangeError(`pa ${hex(p)} is past ${paBits}-bit physical addresses`);
    const r = toBool(f.r, "r") ?? true, w = toBool(f.w, "w") ?? true, x = toBool(f.x, "x") ?? false;
    if (w && !r) throw new ArgumentRangeError("w without r is a reserved encoding");
    if (!r && !x) throw new ArgumentRangeError("a leaf needs r or x (r = x = 0 is a pointer)");
    const pbmt = f.pbmt === undefined ? 0 : toInt(f.pbmt, "pbmt", 0, 2);
    if (pbmt !== 0 && this.mode === "sv32") throw new ArgumentRangeError("pbmt needs an RV64 mode");
    const rsw = f.rsw === undefined ? 0 : toInt(f.rsw, "rsw", 0, 3);
    const napot = size === RV_PAGE_64K;
    const leafLevel = napot ? 0 : this.levelOf(size);
    let bits = 1n | (r ? 2n : 0n) | (w ? 4n : 0n) | (x ? 8n : 0n) | ((toBool(f.u, "u") ?? false) ? 0x10n : 0n)
      | ((toBool(f.g, "g") ?? false) ? 0x20n : 0n) | ((toBool(f.a, "a") ?? true) ? 0x40n : 0n)
      | ((toBool(f.d, "d") ?? w) ? 0x80n : 0n) | (BigInt(rsw) << 8n) | (BigInt(pbmt) << 61n);
    if (napot) bits |= 1n << 63n;
    // Walk down, creating pointer tables.
    let table = this.root;
    for (let i = this.g.levels - 1; i > leafLevel; i--) {
      const addr = table + this.index(v, i) * this.g.pteSize;
      const e = this.readPte(addr);
      if ((e & 1n) !== 0n && (e & 0xan) !== 0n) throw new ArgumentRangeError(`va ${hex(v)} lies in a larger page already mapped at level ${i}`);
      if ((e & 1n) === 0n) {
        const t = this.alloc();
        this.writePte(addr, (BigInt(t) >> 12n) << 10n | 1n);
        table = t;
      } else {
        table = Number(((e >> 10n) & ((1n << 44n) - 1n)) << 12n);
      }
    }
    const leafAddr = table + this.index(v, leafLevel) * this.g.pteSize;
    if (napot) {
      // 16 identical PTEs, each with PPN[3:0] = 1000 (the 64 KiB encoding).
      const first = table + this.index(v, 0) * this.g.pteSize;
      const ppn = ((p >> 12n) & ~0xfn) | 8n;
      for (let k = 0; k < 16; k++) this.writePte(first + k * this.g.pteSize, (ppn << 10n) | bits);
      return first;
    }
    this.writePte(leafAddr, ((p >> 12n) << 10n) | bits);
    return leafAddr;
  }

  /** Clear the leaf PTE that maps `va` (V = 0); returns its address, or null when no table leads there. */
  unmap(va: VirtualAddress): number | null {
    const v = toBigVa(va);
    let table = this.root;
    for (let i = this.g.levels - 1; i >= 0; i--) {
      const addr = table + this.index(v, i) * this.g.pteSize;
      const e = this.readPte(addr);
      if ((e & 1n) === 0n) return null;
      if ((e & 0xan) !== 0n) { this.writePte(addr, 0n); return addr; }
      table = Number(((e >> 10n) & ((1n << 44n) - 1n)) << 12n);
    }
    return null;
  }

  private levelOf(size: number): number {
    if (this.mode === "sv32") return size === RV_PAGE_4M ? 1 : 0;
    return Math.round(Math.log2(size / 4096) / 9);
  }
  private index(va: bigint, level: number): number {
    return Number((va >> BigInt(12 + level * this.g.idxBits)) & ((1n << BigInt(this.g.idxBits)) - 1n));
  }
}
