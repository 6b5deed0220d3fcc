// fork's and exit's page-table walks, a table at a time as Linux's copy_page_range and
// zap_page_range do (copy_p4d_range -> ... -> copy_pte_range; zap_pud_range -> ... ->
// zap_pte_range): the upper levels are descended once per leaf table, and the leaf loop
// runs over the table's entries as 32-bit words of guest RAM, allocating nothing (the
// reverse map is typed arrays, frames.ts) and calling no closure per entry.
import type { Kernel } from "./kernel.js";
import type { AddressSpace } from "./mm.js";
import { ENOMEM, KernelError } from "./constants.js";

/**
 * tlb_single_page_flush_ceiling: a zap that changed more present entries than this drops
 * the address space's whole PCID (INVPCID type 1) instead of one INVPCID per page, as
 * Linux's flush_tlb_mm_range does.
 */
export const SINGLE_PAGE_FLUSH_CEILING = 33;

export class PageRanges {
  /** Pages one table entry spans at each level, from the root's down to 1 at the leaf. */
  private readonly spans: readonly number[];
  private readonly leaf: number;
  // The operation in progress (set by copy and zap; one at a time, nothing re-enters).
  private dst: AddressSpace | null = null;
  private mm: AddressSpace | null = null;
  private startVpn = 0;
  private endVpn = 0;
  private cow = false;
  private gathering = false;
  /** The pages a zap must flush (up to the ceiling; beyond it the whole PCID goes). */
  private readonly gathered = new Float64Array(SINGLE_PAGE_FLUSH_CEILING);
  private nGathered = 0;

  constructor(private readonly k: Kernel) {
    this.spans = k.levels === 5 ? [2 ** 36, 2 ** 27, 2 ** 18, 2 ** 9, 1] : [2 ** 27, 2 ** 18, 2 ** 9, 1];
    this.leaf = this.spans.length - 2;                   // the level whose entries point at leaf tables
  }

  /**
   * copy_page_range of [startVpn, endVpn) from `src` into `dst`: every entry that is not
   * zero is copied; a resident page gains a mapping (private writable ones become read-only
   * on both sides: COW), a swap entry a reference (swap_duplicate). The child's leaf table is
   * made when the first entry to copy into it is met; making it may reclaim, which may turn
   * the parent's entries of this table into swap entries, so they are read after it. The
   * caller flushes the parent's PCID (its writable entries are read-only now).
   */
  copy(dst: AddressSpace, src: AddressSpace, startVpn: number, endVpn: number, cow: boolean): void {
    if (endVpn <= startVpn) return;
    this.dst = dst; this.startVpn = startVpn; this.endVpn = endVpn; this.cow = cow;
    try {
      this.copyLevel(src.root, 0, 0);
    } finally { this.dst = null; }
  }

  private copyLevel(table: number, level: number, base: number): void {
    const span = this.spans[level]!, t = this.k.tables, w = t.w;
    const first = Math.max(0, Math.floor((this.startVpn - base) / span));
    const last = Math.min(511, Math.floor((this.endVpn - 1 - base) / span));
    for (let i = first; i <= last; i++) {
      const lo = w[(table >>> 2) + 2 * i]!;
      if (!t.tablePresent(lo)) continue;
      const next = t.tableAddr(lo), vpn = base + i * span;
      if (level === this.leaf) this.copyPteRange(next, vpn);
      else this.copyLevel(next, level + 1, vpn);
    }
  }

  /** copy_pte_range: the entries of the leaf table `table` (its first page `base`) inside the range. */
  private copyPteRange(table: number, base: number): void {
    const k = this.k, t = k.tables, w = t.w, frames = k.frames, dst = this.dst!, swap = k.swap;
    const zero = k.zeroFrame, cow = this.cow, id = dst.id;
    const first = Math.max(0, this.startVpn - base), last = Math.min(511, this.endVpn - 1 - base);
    const s0 = table >>> 2;
    let d0 = -1;
    for (let i = first; i <= last; i++) {
      const si = s0 + 2 * i;
      let lo = w[si]!, hi = w[si + 1]!;
      if ((lo | hi) === 0) continue;
      if (d0 < 0) {
        d0 = this.childTable(dst, base) >>> 2;
        lo = w[si]!; hi = w[si + 1]!;                      // reclaim may have swapped this page out
      }
      if (t.holdsFrame(lo)) {
        if (cow && t.write(lo)) { lo = t.wrprotect(lo); w[si] = lo; }
        const f = t.pfn(lo);
        if (f !== zero) frames.addMapping(f, id, base + i);
      } else if (t.isSwap(lo)) {
        swap!.dup(t.swapSlot(lo));
      }
      w[d0 + 2 * i] = lo;
      w[d0 + 2 * i + 1] = hi;
    }
  }

  /** The child's leaf table for the pages from `base` (a multiple of 512), made with the tables above it if missing. */
  private childTable(mm: AddressSpace, base: number): number {
    const k = this.k;
    const pa = k.tables.ptePa(mm.root, base, mm.allocTableFn ??= () => { const table = k.allocTable(); mm.tablePages++; return table; });
    if (pa < 0) throw new KernelError(ENOMEM, "fork: no frame for a page table");
    return pa;
  }

  /**
   * zap_page_range of [startVpn, endVpn) in `mm`: each entry that is not zero is cleared,
   * dropping its frame's mapping (an anonymous frame is freed with its last) or its swap
   * slot's reference. With `flush`, the present entries cleared leave the TLB: one INVPCID
   * per page up to SINGLE_PAGE_FLUSH_CEILING pages, the PCID beyond. Without it (exit_mmap)
   * the caller drops the whole PCID afterwards.
   */
  zap(mm: AddressSpace, startVpn: number, endVpn: number, flush: boolean): void {
    if (endVpn <= startVpn) return;
    this.mm = mm; this.startVpn = startVpn; this.endVpn = endVpn;
    this.gathering = flush; this.nGathered = 0;
    try {
      this.zapLevel(mm.root, 0, 0);
    } finally {
      this.mm = null;
      if (flush) this.flushGathered(mm);
    }
  }

  private zapLevel(table: number, level: number, base: number): void {
    const span = this.spans[level]!, t = this.k.tables, w = t.w;
    const first = Math.max(0, Math.floor((this.startVpn - base) / span));
    const last = Math.min(511, Math.floor((this.endVpn - 1 - base) / span));
    for (let i = first; i <= last; i++) {
      const lo = w[(table >>> 2) + 2 * i]!;
      if (!t.tablePresent(lo)) continue;
      const next = t.tableAddr(lo), vpn = base + i * span;
      if (level === this.leaf) this.zapPteRange(next, vpn);
      else this.zapLevel(next, level + 1, vpn);
    }
  }

  /** zap_pte_range: the entries of one leaf table inside the range. */
  private zapPteRange(table: number, base: number): void {
    const k = this.k, t = k.tables, w = t.w, frames = k.frames, swap = k.swap, id = this.mm!.id;
    const zero = k.zeroFrame;
    const first = Math.max(0, this.startVpn - base), last = Math.min(511, this.endVpn - 1 - base);
    const s0 = table >>> 2;
    for (let i = first; i <= last; i++) {
      const si = s0 + 2 * i;
      const lo = w[si]!;
      if ((lo | w[si + 1]!) === 0) continue;
      w[si] = 0;
      w[si + 1] = 0;
      if (t.holdsFrame(lo)) {
        const f = t.pfn(lo);
        if (f !== zero) frames.removeMapping(f, id, base + i);
        // x86 never caches a not-present entry (x86.md §12): only present ones need flushing.
        if (t.present(lo) && this.gathering) this.gather(base + i);
      } else if (t.isSwap(lo)) {
        swap?.put(t.swapSlot(lo));
      }
    }
  }

  private gather(vpn: number): void {
    if (this.nGathered < SINGLE_PAGE_FLUSH_CEILING) this.gathered[this.nGathered] = vpn;
    this.nGathered++;
  }

  private flushGathered(mm: AddressSpace): void {
    const k = this.k;
    if (this.nGathered > SINGLE_PAGE_FLUSH_CEILING) k.machine.invpcid(1, mm.pcid);
    else for (let i = 0; i < this.nGathered; i++) k.flushPage(mm, this.gathered[i]!);
    this.nGathered = 0;
  }
}
