// Page-table entries as the kernel writes them, without BigInt: RAM is below 4 GiB, so
// an entry's low word holds the frame and the flags and its high word only XD (bit 63).
//
//  present:       frame << 12 | A D G U/S R/W P                    (hi: XD when not executable)
//  swap entry:    slot << 12 | SW_SWAP | type << 1, P = 0          (not present: all bits software)
//  PROT_NONE:     frame << 12 | SW_PROTNONE, P = 0                 (the page stays resident)
// A not-present entry is all software bits to the MMU (x86.md §4), which is where Linux
// keeps its swap entries too.

export const PTE_P = 0x1;
export const PTE_RW = 0x2;
export const PTE_US = 0x4;
export const PTE_A = 0x20;
export const PTE_D = 0x40;
export const PTE_PS = 0x80;
export const PTE_G = 0x100;
export const PTE_SW_SWAP = 1 << 9;
export const PTE_SW_PROTNONE = 1 << 10;
export const PTE_XD_HI = 0x80000000;
export const SWAP_TYPE = 0;

export const isPresent = (lo: number) => (lo & PTE_P) !== 0;
export const isSwap = (lo: number) => (lo & (PTE_P | PTE_SW_SWAP)) === PTE_SW_SWAP;
export const isProtNone = (lo: number) => (lo & (PTE_P | PTE_SW_PROTNONE)) === PTE_SW_PROTNONE;
export const frameOf = (lo: number) => lo >>> 12;
export const swapSlot = (lo: number) => lo >>> 12;
export const swapEntry = (slot: number) => ((slot << 12) | PTE_SW_SWAP | (SWAP_TYPE << 1)) >>> 0;

const TWO9 = 512, TWO18 = 262144, TWO27 = 134217728, TWO36 = 2 ** 36;

/** Entries of the 4- or 5-level tables in guest RAM, read and written through a DataView. */
export class PageTableMemory {
  constructor(private readonly view: DataView, readonly levels: 4 | 5 = 4) {}

  lo(pa: number): number { return this.view.getUint32(pa, true); }
  hi(pa: number): number { return this.view.getUint32(pa + 4, true); }
  set(pa: number, lo: number, hi: number): void {
    this.view.setUint32(pa, lo >>> 0, true);
    this.view.setUint32(pa + 4, hi >>> 0, true);
  }

  /**
   * Physical address of the PTE of virtual page `vpn` under the root table (PML4 or PML5), or -1
   * when a table on the way is missing and `alloc` is null. `alloc` returns a zeroed
   * table frame's address (or -1 when there is none).
   */
  ptePa(root: number, vpn: number, alloc: (() => number) | null): number {
    let table = root;
    for (let level = this.levels; level > 1; level--) {
      const i = Math.floor(vpn / (level === 5 ? TWO36 : level === 4 ? TWO27 : level === 3 ? TWO18 : TWO9)) % 512;
      const ea = table + i * 8;
      let lo = this.lo(ea);
      if (!isPresent(lo)) {
        if (!alloc) return -1;
        const t = alloc();
        if (t < 0) return -1;
        lo = (t | PTE_P | PTE_RW | PTE_US) >>> 0;
        this.set(ea, lo, 0);
      }
      table = (lo & 0xfffff000) >>> 0;
    }
    return table + (vpn % 512) * 8;
  }
}
