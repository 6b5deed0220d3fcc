// An address space (Linux `struct mm_struct`): VMAs sorted by address, the page-table
// root in guest RAM, the brk/stack/mmap layout, and fault counters.
import type { MmLayout, Vma } from "./vma.js";
import { PAGE_SIZE, VM_GROWSDOWN } from "./vma.js";
import type { Pgtable } from "./pgtable.js";
import { noteRule, type Rule } from "./rules.js";

let nextMmId = 1;

export class AddressSpace {
  readonly id = nextMmId++;
  vmas: Vma[] = [];
  startBrk = 0n;
  brk = 0n;
  startStack = 0n;
  mmapBase = 0n;
  /** vm.mmap_min_addr: nothing is mapped below it (the kernel's option, copied at creation). */
  mmapMinAddr = 65536n;
  /** RLIMIT_STACK: the most the stack VMA may grow to (stack.ts). */
  stackRlimit = 8n << 20n;
  /** The main program's text (mm->start_code, end_code): VmExe is the part of exec_vm inside it. */
  startCode = 0n;
  endCode = 0n;
  gate: Vma | null = null;
  /** Page-table pages below the root (the root counts too). */
  tablePages = 1;
  minorFaults = 0;
  majorFaults = 0;
  /** High-water marks for /proc/PID/status. */
  hiwaterVm = 0n;
  hiwaterRss = 0;
  /** The page-table allocator the fault path hands to ptePa (made once, not per fault). */
  allocTableFn: (() => number) | undefined;
  /** The Linux rules the calls took, collected only while not null (rules.ts; the replay sets it per step). */
  rules: Rule[] | null = null;

  constructor(readonly root: number, readonly pcid: number, readonly taskSize: bigint) {}

  layout(): MmLayout {
    return { startBrk: this.startBrk, brk: this.brk, startStack: this.startStack, gate: this.gate };
  }

  /** Index of the first VMA ending after `va` (vmas.length if none). */
  indexAfter(va: bigint): number {
    let lo = 0, hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.vmas[mid]!.end <= va) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** The VMA containing `va`. */
  find(va: bigint): Vma | undefined {
    const v = this.vmas[this.indexAfter(va)];
    return v && v.start <= va ? v : undefined;
  }

  /** True when [start, end) overlaps no VMA. */
  isFree(start: bigint, end: bigint): boolean {
    const v = this.vmas[this.indexAfter(start)];
    return !v || v.start >= end;
  }

  insert(v: Vma): void {
    this.vmas.splice(this.indexAfter(v.start), 0, v);
    this.trackPeak();
  }

  /** Make `addr` a VMA boundary (split_vma). */
  splitAt(addr: bigint): void {
    const i = this.indexAfter(addr);
    const v = this.vmas[i];
    if (!v || v.start >= addr) return;
    // __split_vma: the tail's vm_pgoff moves on with its start, file or anonymous alike.
    const tail: Vma = { ...v, start: addr, pgoff: v.pgoff + (addr - v.start) / PAGE_SIZE };
    v.end = addr;
    this.vmas.splice(i + 1, 0, tail);
  }

  /** Indices [first, last) of the VMAs inside [start, end), after splitting at both ends. */
  isolate(start: bigint, end: bigint): [number, number] {
    this.splitAt(start);
    this.splitAt(end);
    const first = this.indexAfter(start);
    let last = first;
    while (last < this.vmas.length && this.vmas[last]!.start < end) last++;
    return [first, last];
  }

  /**
   * Merge the VMA at `i` with its neighbours where Linux's vma_merge would. `fn` names the
   * kernel function for the rule noted: vma_merge_new_range for a new range (mmap, a moved
   * VMA), vma_merge_existing_range for a changed one (mprotect, madvise).
   */
  mergeAround(i: number, fn = "vma_merge_new_range"): void {
    if (i + 1 < this.vmas.length && mergeable(this.vmas[i]!, this.vmas[i + 1]!)) {
      this.vmas[i]!.end = this.vmas[i + 1]!.end;
      this.vmas.splice(i + 1, 1);
      noteRule(this, "merge-above", "merged with the VMA above: same flags, same file and contiguous offset", fn);
    }
    if (i > 0 && mergeable(this.vmas[i - 1]!, this.vmas[i]!)) {
      this.vmas[i - 1]!.end = this.vmas[i]!.end;
      this.vmas.splice(i, 1);
      noteRule(this, "merge-below", "merged with the VMA below: same flags, same file and contiguous offset", fn);
    }
  }

  /** Virtual size in bytes (VmSize), the gate excluded. */
  virtualSize(): bigint {
    let s = 0n;
    for (const v of this.vmas) s += v.end - v.start;
    return s;
  }

  trackPeak(): void {
    const s = this.virtualSize();
    if (s > this.hiwaterVm) this.hiwaterVm = s;
  }
}

/**
 * Adjacent VMAs merge when nothing tells them apart (mm/vma.c is_mergeable_vma,
 * can_vma_merge_before/after): the same vm_flags, hidden ones included (VM_ACCOUNT,
 * VM_NORESERVE, VM_NOHUGEPAGE...), the same open file (vm_file: one struct file, not just
 * the same inode) or both anonymous, contiguous vm_pgoff (for anonymous VMAs too: a
 * VMA moved by mremap keeps its page offset and so merges with nothing at its new place
 * unless that lines up), no special mapping, the same anonymous name. Not modelled: the
 * anon_vma (set on a VMA's first anonymous page, which a syscall log cannot show) and
 * NUMA policies (one per mm here).
 */
export function mergeable(a: Vma, b: Vma): boolean {
  if (a.end !== b.start || a.flags !== b.flags || a.special !== null || b.special !== null) return false;
  if (a.anonName !== b.anonName) return false;
  if ((a.flags & VM_GROWSDOWN) !== 0) return false;
  return a.file === b.file && a.pgoff + (a.end - a.start) / PAGE_SIZE === b.pgoff;
}

/**
 * Call `fn` for every PTE with any bit set in [startVpn, endVpn), visiting only the
 * tables that exist: a mostly empty 1 TiB VMA costs what its populated tables cost.
 */
export function forEachPte(t: Pgtable, root: number, startVpn: number, endVpn: number,
                           fn: (vpn: number, pa: number, lo: number, hi: number) => void): void {
  const spans = t.levels === 5 ? [2 ** 36, 2 ** 27, 2 ** 18, 2 ** 9, 1] : [2 ** 27, 2 ** 18, 2 ** 9, 1];
  const leaf = spans.length - 1;
  const visit = (table: number, level: number, base: number) => {
    const span = spans[level]!;
    const first = Math.max(0, Math.floor((startVpn - base) / span));
    const last = Math.min(511, Math.floor((endVpn - 1 - base) / span));
    for (let i = first; i <= last; i++) {
      const ea = table + i * 8;
      const lo = t.lo(ea);
      const vpn = base + i * span;
      if (level === leaf) { if (lo !== 0 || t.hi(ea) !== 0) fn(vpn, ea, lo, t.hi(ea)); continue; }
      if (t.tablePresent(lo)) visit(t.tableAddr(lo), level + 1, vpn);
    }
  };
  if (endVpn > startVpn) visit(root, 0, 0);
}
