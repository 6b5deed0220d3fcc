// x86-64's page-table operations for the kernel (the Pgtable of src/kernel/pgtable.ts),
// as Linux's arch/x86/include/asm/pgtable.h and pgtable_64.h:
//
//  present:       frame << 12 | A D U/S R/W P                      (hi: XD when not executable)
//  swap entry:    slot << 12 | SW_SWAP | type << 1, P = 0          (not present: all bits software)
//  PROT_NONE:     frame << 12 | SW_PROTNONE, P = 0                 (the page stays resident)
//
// A not-present entry is all software bits to the MMU (x86.md §4), which is where Linux
// keeps its swap entries too. The hardware bits are the core's (assembly/arch/x86/constants.ts,
// read at run time through CoreConstants); only the software bits are the kernel's own.
import type { CoreConstants } from "../../core/constants.js";
import type { Pgtable, TableAlloc } from "../../kernel/pgtable.js";

/** Software bits of a not-present entry (the kernel's choice; the MMU ignores them while P = 0). */
export const PTE_SW_SWAP = 1 << 9;
export const PTE_SW_PROTNONE = 1 << 10;
export const SWAP_TYPE = 0;
/** Bits 31:12 of an entry's low word: a frame's address (RAM is below 4 GiB). */
export const LO_FRAME_MASK = 0xfffff000;
/** x86 rings: user accesses are made at CPL 3. */
export const CPL_USER = 3;

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
 * The 4- or 5-level tables in guest RAM. x86 entries are little-endian, so the words are the
 * host's only on a little-endian host; elsewhere the kernel refuses to start.
 */
export class X86Pgtable implements Pgtable {
  readonly bits: PteBits;
  readonly w: Uint32Array;
  private readonly P: number;
  private readonly A: number;
  private readonly D: number;
  private readonly RW: number;
  private readonly userPresent: number;
  private readonly xdHi: number;

  constructor(view: DataView, readonly levels: 4 | 5, k: CoreConstants) {
    if (!LITTLE_ENDIAN) throw new Error("the kernel model needs a little-endian host (x86 page tables are little-endian words)");
    const b = this.bits = pteBits(k);
    this.P = b.P; this.A = b.A; this.D = b.D; this.RW = b.RW;
    this.userPresent = b.P | b.US;
    this.xdHi = b.XD_HI;
    this.w = new Uint32Array(view.buffer, view.byteOffset, view.byteLength >>> 2);
  }

  lo(pa: number): number { return this.w[pa >>> 2]!; }
  hi(pa: number): number { return this.w[(pa >>> 2) + 1]!; }
  set(pa: number, lo: number, hi: number): void {
    const i = pa >>> 2;
    this.w[i] = lo;
    this.w[i + 1] = hi;
  }

  ptePa(root: number, vpn: number, alloc: TableAlloc | null): number {
    let table = root;
    for (let level = this.levels; level > 1; level--) {
      const i = Math.floor(vpn / (level === 5 ? TWO36 : level === 4 ? TWO27 : level === 3 ? TWO18 : TWO9)) % 512;
      const ea = table + i * 8;
      let lo = this.lo(ea);
      if (!this.tablePresent(lo)) {
        if (!alloc) return -1;
        const t = alloc();
        if (t < 0) return -1;
        lo = this.mkTable(t);
        this.set(ea, lo, 0);
      }
      table = this.tableAddr(lo);
    }
    return table + (vpn % 512) * 8;
  }
  tablePresent(lo: number): boolean { return (lo & this.P) !== 0; }
  tableAddr(lo: number): number { return (lo & LO_FRAME_MASK) >>> 0; }
  /** User tables are present, writable and user: the leaf decides (x86 ANDs the levels' rights). */
  mkTable(pa: number): number { return (pa | this.userPresent | this.RW) >>> 0; }
  /** U/S clear at an upper level makes everything below supervisor-only. */
  mkKernelTable(pa: number): number { return (pa | this.P | this.RW) >>> 0; }
  /** A PDPTE with PS: 1 GiB, A and D preset (the kernel never lets the MMU set them), XD. */
  setKernelGiB(entryPa: number, physAddr: number): void {
    const b = this.bits;
    this.set(entryPa, (physAddr | b.P | b.RW | b.PS | b.A | b.D) >>> 0, b.XD_HI);
  }

  present(lo: number): boolean { return (lo & this.P) !== 0; }
  young(lo: number): boolean { return (lo & this.A) !== 0; }
  dirty(lo: number): boolean { return (lo & this.D) !== 0; }
  write(lo: number): boolean { return (lo & this.RW) !== 0; }
  pfn(lo: number): number { return lo >>> 12; }
  mkold(lo: number): number { return (lo & ~this.A) >>> 0; }
  wrprotect(lo: number): number { return (lo & ~this.RW) >>> 0; }
  mkPte(pfn: number, writable: boolean, keep: number): number {
    return ((pfn * 4096) | (keep & (this.A | this.D)) | this.userPresent | (writable ? this.RW : 0)) >>> 0;
  }
  mkHi(exec: boolean): number { return exec ? 0 : this.xdHi; }
  mkProtNone(pfn: number): number { return ((pfn * 4096) | PTE_SW_PROTNONE) >>> 0; }
  isProtNone(lo: number): boolean { return (lo & (this.P | PTE_SW_PROTNONE)) === PTE_SW_PROTNONE; }
  holdsFrame(lo: number): boolean { return (lo & this.P) !== 0 || (lo & (this.P | PTE_SW_PROTNONE)) === PTE_SW_PROTNONE; }
  mkSwap(slot: number): number { return ((slot << 12) | PTE_SW_SWAP | (SWAP_TYPE << 1)) >>> 0; }
  isSwap(lo: number): boolean { return (lo & (this.P | PTE_SW_SWAP)) === PTE_SW_SWAP; }
  swapSlot(lo: number): number { return lo >>> 12; }
}
