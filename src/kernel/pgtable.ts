// The page-table operations the kernel uses, one implementation per architecture, as
// Linux's arch/<arch>/include/asm/pgtable.h: the kernel (faults, fork, exit, mprotect,
// reclaim, the /proc views) never tests a hardware bit itself, so it can later run on
// RISC-V and AArch64 tables. The kernel is x86-64 today (src/arch/x86/pgtable.ts).
//
// An entry is handled as two 32-bit words of guest RAM, low and high (every format the
// core models is 64-bit little-endian; RAM is below 4 GiB, so a frame number fits the low
// word on x86 and AArch64, and bits 10-31 of it on RISC-V). The word view `w` is what the
// table-at-a-time loops of fork and exit run on (pagerange.ts): one typed-array load per
// half, no DataView call, no BigInt, no allocation. Methods are small and monomorphic (one
// implementation per kernel), so V8 inlines them into those loops.

/** Allocates a zeroed table frame and returns its physical address, or -1 when there is none. */
export type TableAlloc = () => number;

export interface Pgtable {
  /** Levels of a process's tables (4 or 5 on x86-64). */
  readonly levels: number;
  /** Guest RAM as 32-bit words: the entry at `pa` is `w[pa >>> 2]` (low), `w[(pa >>> 2) + 1]` (high). */
  readonly w: Uint32Array;

  lo(pa: number): number;
  hi(pa: number): number;
  set(pa: number, lo: number, hi: number): void;

  /** Physical address of the leaf entry of virtual page `vpn`, making missing tables with `alloc` (-1 when missing and `alloc` is null, or out of frames). */
  ptePa(root: number, vpn: number, alloc: TableAlloc | null): number;
  /** pmd_present for an upper-level entry: does it point at a next-level table? */
  tablePresent(lo: number): boolean;
  /** The physical address of the next-level table an upper-level entry points at. */
  tableAddr(lo: number): number;
  /** An upper-level entry pointing at a user table at `pa`. */
  mkTable(pa: number): number;
  /** An upper-level entry pointing at a kernel-only table at `pa` (the kernel half every process shares). */
  mkKernelTable(pa: number): number;
  /** Write at `entryPa` a kernel-only, writable, non-executable 1 GiB leaf mapping physical `physAddr` (the direct map). */
  setKernelGiB(entryPa: number, physAddr: number): void;

  // ── leaf entries (pte_*) ──
  /** pte_present: the MMU may use the entry. */
  present(lo: number): boolean;
  /** pte_young: the MMU has set the accessed bit. */
  young(lo: number): boolean;
  /** pte_dirty: the MMU has set the dirty bit. */
  dirty(lo: number): boolean;
  /** pte_write: a present entry allows writes. */
  write(lo: number): boolean;
  /** pte_pfn: the frame of a present or PROT_NONE entry. */
  pfn(lo: number): number;
  /** pte_mkold. */
  mkold(lo: number): number;
  /** pte_wrprotect. */
  wrprotect(lo: number): number;
  /** A present user entry for `pfn`, writable or not, keeping `keep`'s accessed and dirty bits (0: neither). */
  mkPte(pfn: number, writable: boolean, keep: number): number;
  /** The high word of a user entry: execute-never unless `exec`. */
  mkHi(exec: boolean): number;
  /** A PROT_NONE entry: not present to the MMU, the frame kept (pte_protnone). */
  mkProtNone(pfn: number): number;
  isProtNone(lo: number): boolean;
  /** Present or PROT_NONE: either way the entry holds a frame. */
  holdsFrame(lo: number): boolean;
  /** __swp_entry / is_swap_pte / __swp_offset: a not-present entry naming a swap slot. */
  mkSwap(slot: number): number;
  isSwap(lo: number): boolean;
  swapSlot(lo: number): number;
}
