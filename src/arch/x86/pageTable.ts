// A page-table builder for tests, demos and users: allocates table pages from a frame
// range of guest RAM and writes entries in the format of the machine's paging mode.
// Every argument is checked before anything is written: a VA the mode cannot translate
// (non-canonical, wider than the mode's addresses), a PA beyond MAXPHYADDR (or PSE-36's
// 40 bits, or 32 bits for a 32-bit PTE), a misaligned address, a page size the mode or the
// CPU does not have, an unknown flag: each is refused naming the value, never truncated.
import type { Machine } from "../../machine.js";
import type { PagingMode } from "../../config.js";
import { ArgumentRangeError, ConfigError, checkOptions, show, toBool, toInt, toU64, validateMode } from "../../config.js";
import { toBigVa } from "./address.js";

export interface MapFlags {
  write?: boolean;       // R/W (default true)
  user?: boolean;        // U/S (default false)
  nx?: boolean;          // XD (PAE/IA-32e)
  global?: boolean;      // G
  accessed?: boolean;    // A preset
  dirty?: boolean;       // D preset
  pwt?: boolean;
  pcd?: boolean;
  /** Protection key 0..15 (IA-32e leaves). */
  key?: number;
}

export type PageSize = 4096 | 0x200000 | 0x400000 | 0x40000000;
export const PAGE_4K = 4096;
export const PAGE_2M = 0x200000;
export const PAGE_4M = 0x400000;
export const PAGE_1G = 0x40000000;

/** Flags of the non-leaf entries the builder creates: present, writable, user (rights are decided at the leaf). */
const TABLE_FLAGS: MapFlags = { write: true, user: true };
const FLAG_KEYS = ["write", "user", "nx", "global", "accessed", "dirty", "pwt", "pcd", "key"] as const;
const BOOL_FLAGS = ["write", "user", "nx", "global", "accessed", "dirty", "pwt", "pcd"] as const;
const SIZES: Record<number, string> = { [PAGE_4K]: "4 KiB", [PAGE_2M]: "2 MiB", [PAGE_4M]: "4 MiB", [PAGE_1G]: "1 GiB" };
const hex = (v: bigint | number) => `0x${v.toString(16)}`;

export class PageTableBuilder {
  readonly mode: PagingMode;
  /** Physical address of the root table (what CR3 points at). */
  readonly root: number;
  private next: number;

  /**
   * Tables are allocated upward from `allocBase` (4 KiB aligned; default 1 MiB into RAM) up
   * to `allocLimit` (at most RAM's end): physical addresses, inside [ramBase, ramBase + ramBytes).
   */
  constructor(readonly machine: Machine, options?: { allocBase?: number; allocLimit?: number; mode?: PagingMode }) {
    const opts = checkOptions(options, ["allocBase", "allocLimit", "mode"], "PageTableBuilder");
    this.mode = opts.mode === undefined ? machine.mode : validateMode(opts.mode);
    if (this.mode === "none") throw new ConfigError("mode: paging is off; there is no page table to build");
    const base = machine.ramBase ?? 0, end = base + machine.ramBytes;
    this.limit = opts.allocLimit === undefined ? end : toInt(opts.allocLimit, "allocLimit", base + 4096, end);
    this.next = opts.allocBase === undefined ? base + 0x100000 : toInt(opts.allocBase, "allocBase", base, this.limit);
    if (this.next % 4096 !== 0) throw new ConfigError(`allocBase: ${hex(this.next)} is not 4 KiB aligned`);
    this.root = this.allocTable();
  }
  private readonly limit: number;

  /** Allocate and zero one 4 KiB page of RAM. */
  allocTable(): number {
    if (this.next + 4096 > this.limit) throw new RangeError(`page-table allocator is out of RAM at 0x${this.next.toString(16)}`);
    const pa = this.next;
    this.next += 4096;
    this.machine.phys.zero(pa, 4096);
    return pa;
  }

  /** The value CR3 needs to point at this table. */
  get cr3(): bigint { return BigInt(this.root); }

  private get entrySize(): number { return this.mode === "legacy32" ? 4 : 8; }

  private levels(): number { return this.mode === "5level" ? 5 : this.mode === "4level" ? 4 : this.mode === "pae" ? 3 : 2; }

  private index(va: bigint, level: number): number {
    if (this.mode === "legacy32") return Number((va >> (level === 2 ? 22n : 12n)) & 1023n);
    if (this.mode === "pae" && level === 3) return Number((va >> 30n) & 3n);
    return Number((va >> BigInt(12 + 9 * (level - 1))) & 511n);
  }

  private leafLevel(size: PageSize): number {
    if (size === PAGE_4K) return 1;
    if (size === PAGE_4M && this.mode === "legacy32") return 2;
    if (size === PAGE_2M && this.mode !== "legacy32") return 2;
    if (size === PAGE_1G && (this.mode === "4level" || this.mode === "5level")) {
      if (!this.machine.pages1G) throw new ConfigError(`size: ${size} (1 GiB) needs 1 GiB pages, which this machine's CPU lacks (pages1G: false)`);
      return 3;
    }
    const sizes = this.mode === "legacy32" ? [PAGE_4K, PAGE_4M] : this.mode === "pae" ? [PAGE_4K, PAGE_2M] : [PAGE_4K, PAGE_2M, PAGE_1G];
    throw new ConfigError(`size: ${show(size)} is not a page size of ${this.mode} paging (${sizes.map((s) => `${s} (${SIZES[s]})`).join(", ")})`);
  }

  /** The VA, checked: below 2^32 for 32-bit and PAE paging, canonical for 4- and 5-level paging. */
  private checkVa(va: number | bigint): bigint {
    const v = toBigVa(va, "va");
    if (this.mode === "legacy32" || this.mode === "pae") {
      if (v >= 1n << 32n) throw new ArgumentRangeError(`va: ${hex(v)} is above the 32-bit addresses of ${this.mode} paging`);
      return v;
    }
    const width = this.mode === "5level" ? 57n : 48n;
    const top = v >> (width - 1n);
    if (top !== 0n && top !== (1n << (65n - width)) - 1n) {
      throw new ArgumentRangeError(`va: ${hex(v)} is not canonical for ${this.mode} paging (bits 63:${width - 1n} must all equal bit ${width - 1n})`);
    }
    return v;
  }

  /** The highest physical address bit + 1 a leaf of this size can hold in this mode. */
  private paWidth(size: PageSize): number {
    if (this.mode !== "legacy32") return this.machine.maxPhyAddr;
    return size === PAGE_4M ? Math.min(this.machine.maxPhyAddr, 40) : 32;   // PSE-36; a 32-bit PTE
  }

  /** The flags, checked: known keys, booleans, a key 0..15. */
  private checkFlags(flags: MapFlags | undefined): MapFlags {
    const f = checkOptions(flags, FLAG_KEYS, "flags");
    for (const name of BOOL_FLAGS) toBool(f[name], `flags.${name}`);
    if (f.key !== undefined && (!Number.isInteger(f.key) || f.key < 0 || f.key > 15)) throw new ConfigError(`key: ${show(f.key)} is not 0..15`);
    return f;
  }

  /** Encode flags into entry bits. `large` places PAT at bit 12 and sets PS. */
  encode(pa: bigint, flags: MapFlags, leaf: boolean, large: boolean): bigint {
    const B = this.machine.k.big;
    flags = this.checkFlags(flags);
    let e = toU64(pa, "pa") | B.PTE_PRESENT;
    if (flags.write ?? true) e |= B.PTE_WRITE;
    if (flags.user) e |= B.PTE_USER;
    if (flags.pwt) e |= B.PTE_PWT;
    if (flags.pcd) e |= B.PTE_PCD;
    if (flags.accessed) e |= B.PTE_ACCESSED;
    if (leaf && flags.dirty) e |= B.PTE_DIRTY;
    if (large) e |= B.PTE_PS;
    if (leaf && flags.global) e |= B.PTE_GLOBAL;
    if (flags.nx) {
      if (this.mode === "legacy32") throw new ConfigError("nx: 32-bit paging has no XD bit");
      e |= B.PTE_XD;
    }
    if (flags.key !== undefined) {
      if (this.mode !== "4level" && this.mode !== "5level") throw new ConfigError("key: protection keys exist only in IA-32e paging");
      e |= BigInt(flags.key) << BigInt(this.machine.k.num.PTE_PKEY_SHIFT);
    }
    return e;
  }

  /** Physical address of the entry for `va` at `level`, creating missing tables above it. */
  entryAddress(va: bigint | number, level: number, create = true): number | null {
    va = this.checkVa(va);
    toInt(level, "level", 1, this.levels());
    if (typeof create !== "boolean") throw new ConfigError(`create: ${show(create)} is not a boolean`);
    let table = this.root;
    for (let l = this.levels(); l > level; l--) {
      const ea = table + this.index(va, l) * this.entrySize;
      let e = this.read(ea);
      if ((e & 1n) === 0n) {
        if (!create) return null;
        const t = this.allocTable();
        // A PAE PDPTE has only P (bits 1, 2, 5-8 are reserved).
        e = this.mode === "pae" && l === 3 ? BigInt(t) | 1n : this.encode(BigInt(t), TABLE_FLAGS, false, false);
        this.write(ea, e);
      }
      table = Number(e & this.addressMask(e, l));
    }
    return table + this.index(va, level) * this.entrySize;
  }

  private addressMask(e: bigint, _level: number): bigint {
    if (this.mode === "legacy32") return 0xfffff000n;
    void e;
    return ((1n << BigInt(this.machine.maxPhyAddr)) - 1n) & ~0xfffn;
  }

  read(ea: number): bigint {
    return this.entrySize === 4 ? BigInt(this.machine.phys.readU32(ea)) : this.machine.phys.readU64(ea);
  }
  /** Write an entry (u64; a 4-byte entry takes the low half, and refuses a value wider than 32 bits). */
  write(ea: number, v: bigint): void {
    const x = toU64(v, "entry");
    if (this.entrySize === 4) {
      if (x > 0xffffffffn) throw new ArgumentRangeError(`entry: ${hex(x)} does not fit a 4-byte ${this.mode} entry`);
      this.machine.phys.writeU32(ea, Number(x));
    } else this.machine.phys.writeU64(ea, x);
  }

  /**
   * Map `size` bytes at `va` to `pa` with one leaf entry. Returns the leaf entry's physical
   * address. `pa` may lie beyond RAM (an access is then a bus fault), not beyond what the
   * entry can hold.
   */
  map(va: number | bigint, pa: number | bigint, size: PageSize = PAGE_4K, flags?: MapFlags): number {
    const level = this.leafLevel(size);
    const f = this.checkFlags(flags);
    const v = this.checkVa(va), p = toU64(pa, "pa"), s = BigInt(size);
    if (v % s !== 0n) throw new ConfigError(`va: ${hex(v)} is not aligned to the page size ${hex(s)}`);
    if (p % s !== 0n) throw new ConfigError(`pa: ${hex(p)} is not aligned to the page size ${hex(s)}`);
    const width = this.paWidth(size);
    if (p + s > 1n << BigInt(width)) {
      throw new ArgumentRangeError(`pa: ${hex(p)} (+${hex(s)}) is above the ${width}-bit physical addresses this entry holds` +
        (width === this.machine.maxPhyAddr ? ` (MAXPHYADDR ${width})` : ""));
    }
    const ea = this.entryAddress(v, level)!;
    let frame = p;
    if (this.mode === "legacy32" && size === PAGE_4M) {
      // PSE-36: PA bits 39:32 go to entry bits 20:13.
      frame = (p & 0xffc00000n) | (((p >> 32n) & 0xffn) << 13n);
    }
    this.write(ea, this.encode(frame, f, true, level > 1));
    return ea;
  }

  /** Clear the leaf entry for `va` (the caller invalidates the TLB, as an OS would). */
  unmap(va: number | bigint, size: PageSize = PAGE_4K): void {
    const level = this.leafLevel(size);
    const ea = this.entryAddress(this.checkVa(va), level, false);
    if (ea !== null) this.write(ea, 0n);
  }
}
