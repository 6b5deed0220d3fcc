// Page-table entries as the kernel writes them, without BigInt: RAM is below 4 GiB, so
// an entry's low word holds the frame and the flags and its high word only XD (bit 63).
//
//  present:       frame << 12 | A D G U/S R/W P                    (hi: XD when not executable)
//  swap entry:    slot << 12 | SW_SWAP | type << 1, P = 0          (not present: all bits software)
//  PROT_NONE:     frame << 12 | SW_PROTNONE, P = 0                 (the page stays resident)
// A not-present entry is all software bits to the MMU (x86.md §4), which is where Linux
// keeps its swap entries too. The hardware bits are the core's (assembly/constants/x86.ts,
// read at run time through CoreConstants); only the software bits are the kernel's own.
import type { CoreConstants } from "../core/constants.js";

/** Software bits of a not-present entry (the kernel's choice; the MMU ignores them while P = 0). */
export const PTE_SW_SWAP = 1 << 9;
export const PTE_SW_PROTNONE = 1 << 10;
export const SWAP_TYPE = 0;
/** Bits 31:12 of an entry's low word: a frame's address (RAM is below 4 GiB). */
export const LO_FRAME_MASK = 0xfffff000;
/** x86 rings: user accesses are made at CPL 3. */
export const CPL_USER = 3;

export const frameOf = (lo: number) => lo >>> 12;
export const swapSlot = (lo: number) => lo >>> 12;
export const swapEntry = (slot: number) => ((slot << 12) | PTE_SW_SWAP | (SWAP_TYPE << 1)) >>> 0;

/** The hardware bits of an entry's low word (and XD in its high word), from the core's exports. */
export interface PteBits {
  readonly P: number; readonly RW: number; readonly US: number; readonly A: number; readonly D: number;
  readonly PS: number; readonly G: number;
  /** PTE_XD (bit 63) as a bit of the high word. */
  readonly XD_HI: number;
}

export function pteBits(k: CoreConstants): PteBits {
  const n = k.num;
  return { P: n.PTE_PRESENT, RW: n.PTE_WRITE, US: n.PTE_USER, A: n.PTE_ACCESSED, D: n.PTE_DIRTY, PS: n.PTE_PS,
    G: n.PTE_GLOBAL, XD_HI: Number(BigInt.asUintN(64, k.big.PTE_XD) >> 32n) };
}

const TWO9 = 512, TWO18 = 262144, TWO27 = 134217728, TWO36 = 2 ** 36;

/** True on a little-endian host (every platform Node ships for but s390x). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Entries of the 4- or 5-level tables in guest RAM. They are read and written as 32-bit
 * words (`w[pa >>> 2]` is an entry's low word, `w[(pa >>> 2) + 1]` its high word): one
 * typed-array load per half, no DataView call and no BigInt, which is what the table-at-a-time
 * loops of fork and exit (copy.ts) run on. x86 entries are little-endian, so the words are
 * the host's only on a little-endian host; elsewhere the kernel refuses to start.
 */
export class PageTableMemory {
  readonly bits: PteBits;
  /** Guest RAM as 32-bit words (RAM starts 4-aligned and is below 4 GiB: `pa >>> 2` indexes it). */
  readonly w: Uint32Array;
  private readonly P: number;

  constructor(view: DataView, readonly levels: 4 | 5, k: CoreConstants) {
    if (!LITTLE_ENDIAN) throw new Error("the kernel model needs a little-endian host (x86 page tables are little-endian words)");
    this.bits = pteBits(k);
    this.P = this.bits.P;
    this.w = new Uint32Array(view.buffer, view.byteOffset, view.byteLength >>> 2);
  }

  lo(pa: number): number { return this.w[pa >>> 2]!; }
  hi(pa: number): number { return this.w[(pa >>> 2) + 1]!; }
  set(pa: number, lo: number, hi: number): void {
    const i = pa >>> 2;
    this.w[i] = lo;
    this.w[i + 1] = hi;
  }

  isPresent(lo: number): boolean { return (lo & this.P) !== 0; }
  isSwap(lo: number): boolean { return (lo & (this.P | PTE_SW_SWAP)) === PTE_SW_SWAP; }
  isProtNone(lo: number): boolean { return (lo & (this.P | PTE_SW_PROTNONE)) === PTE_SW_PROTNONE; }
  /** A present entry or a PROT_NONE one: either way the entry holds a frame. */
  holdsFrame(lo: number): boolean { return this.isPresent(lo) || this.isProtNone(lo); }

  /**
   * Physical address of the PTE of virtual page `vpn` under the root table (PML4 or PML5), or -1
   * when a table on the way is missing and `alloc` is null. `alloc` returns a zeroed
   * table frame's address (or -1 when there is none).
   */
  ptePa(root: number, vpn: number, alloc: (() => number) | null): number {
    const b = this.bits;
    let table = root;
    for (let level = this.levels; level > 1; level--) {
      const i = Math.floor(vpn / (level === 5 ? TWO36 : level === 4 ? TWO27 : level === 3 ? TWO18 : TWO9)) % 512;
      const ea = table + i * 8;
      let lo = this.lo(ea);
      if (!this.isPresent(lo)) {
        if (!alloc) return -1;
        const t = alloc();
        if (t < 0) return -1;
        lo = (t | b.P | b.RW | b.US) >>> 0;
        this.set(ea, lo, 0);
      }
      table = (lo & LO_FRAME_MASK) >>> 0;
    }
    return table + (vpn % 512) * 8;
  }
}
