// madvise(2) as mm/madvise.c does it (do_madvise, madvise_walk_vmas, madvise_vma_behavior,
// madvise_update_vma): the advice is checked first (EINVAL), then the range; the walk skips
// holes, advises every VMA in the range and reports ENOMEM for the holes at the end; a
// VMA that refuses the advice stops the walk with its error. Advice that changes vm_flags
// splits the range off and merges it where it can (vma_modify_flags), as mprotect does.
// Not modelled: KSM (MADV_MERGEABLE, MADV_UNMERGEABLE: refused as by a kernel without
// CONFIG_KSM), guard regions, memory-failure injection, MADV_COLLAPSE (EINVAL). Advice
// about page cache, readahead or reclaim (WILLNEED, COLD, PAGEOUT, FREE) is accepted and
// changes no VMA.
import type { Process } from "./process.js";
import {
  EACCES, EINVAL, ENOMEM, KernelError, MADV_COLD, MADV_DODUMP, MADV_DOFORK, MADV_DONTDUMP, MADV_DONTFORK, MADV_DONTNEED,
  MADV_DONTNEED_LOCKED, MADV_FREE, MADV_HUGEPAGE, MADV_KEEPONFORK, MADV_NOHUGEPAGE, MADV_NORMAL, MADV_PAGEOUT,
  MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_RANDOM, MADV_REMOVE, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_WIPEONFORK,
  SegmentationFault,
} from "./constants.js";
import {
  PAGE_SIZE, VM_DONTCOPY, VM_DONTDUMP, VM_DONTEXPAND, VM_HUGEPAGE, VM_IO, VM_LOCKED, VM_NOHUGEPAGE, VM_PFNMAP, VM_RAND_READ,
  VM_SEQ_READ, VM_SHARED, VM_WIPEONFORK, VM_WRITE, type Vma,
} from "./vma.js";
import { pageAlign } from "./mmap.js";
import { noteRule } from "./rules.js";

const IN_PAGE = PAGE_SIZE - 1n;
const U64_MAX = (1n << 64n) - 1n;
const hex = (n: bigint) => `0x${n.toString(16)}`;
/** VM_SPECIAL (include/linux/mm.h) less VM_MIXEDMAP, which nothing here sets. */
const VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP;

/** madvise_behavior_valid: the advice this kernel knows (x86-64, THP on, no KSM, no memory-failure). */
const VALID = new Set([MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_DONTNEED_LOCKED, MADV_FREE,
  MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK,
  MADV_KEEPONFORK, MADV_DONTDUMP, MADV_DODUMP, MADV_HUGEPAGE, MADV_NOHUGEPAGE]);

/** madvise(2) with checked arguments (see Process.madvise). */
export function doMadvise(p: Process, startIn: bigint, lenIn: bigint, advice: number): void {
  const mm = p.mm;
  if (!VALID.has(advice)) throw new KernelError(EINVAL, `madvise: advice ${advice} is not one this kernel knows (KSM, guard regions and memory-failure advice are not modelled)`);
  if (startIn & IN_PAGE) throw new KernelError(EINVAL, `madvise: address ${hex(startIn)} is not page aligned`);
  const len = pageAlign(lenIn);
  if (lenIn !== 0n && len === 0n) throw new KernelError(EINVAL, `madvise: length ${hex(lenIn)} overflows when rounded up`);
  const end = startIn + len;
  if (end > U64_MAX) throw new KernelError(EINVAL, `madvise: range ${hex(startIn)}+${hex(lenIn)} wraps past 2^64`);
  if (end === startIn) return;
  let start = startIn, hole = false;
  for (;;) {
    const v = mm.vmas[mm.indexAfter(start)];
    if (!v) throw new KernelError(ENOMEM, `madvise: ${hex(start)}-${hex(end)} is not mapped`);
    if (start < v.start) {
      hole = true;
      start = v.start;
      if (start >= end) break;
    }
    const tmp = v.end < end ? v.end : end;
    start = behavior(p, v, start, tmp, advice);
    if (start >= end) break;
  }
  if (hole) throw new KernelError(ENOMEM, `madvise: part of ${hex(startIn)}-${hex(end)} is not mapped`);
}

/** madvise_vma_behavior for [start, end) inside `v`: the address the walk goes on from. */
function behavior(p: Process, v: Vma, start: bigint, end: bigint, advice: number): bigint {
  const refuse = (what: string): never => { throw new KernelError(EINVAL, `madvise: ${what} at ${hex(v.start)}`); };
  let flags = v.flags;
  switch (advice) {
    case MADV_DONTNEED: case MADV_DONTNEED_LOCKED: case MADV_FREE:
      // madvise_dontneed_free_valid_vma; MADV_FREE only on anonymous memory (its pages are freed lazily: nothing to do yet).
      if ((v.flags & VM_PFNMAP) || ((v.flags & VM_LOCKED) && advice !== MADV_DONTNEED_LOCKED)) refuse("a locked or PFN mapping");
      if (advice === MADV_FREE) {
        if (v.file !== null) refuse("MADV_FREE on a file mapping");
        noteRule(p.mm, "madvise-none", "MADV_FREE marks the pages lazily free: no VMA changes", "madvise_free_single_vma");
        return end;
      }
      noteRule(p.mm, "madvise-zap", "MADV_DONTNEED drops the pages (the next touch faults in zeros or the file); the VMA stays", "zap_page_range_single");
      p.zap(start, end);
      return end;
    case MADV_REMOVE:
      // madvise_remove: punch a hole in a shared writable file mapping; the pages go (the file's too, not modelled).
      if (v.flags & VM_LOCKED) refuse("MADV_REMOVE on a locked mapping");
      if (v.file === null || (v.flags & (VM_SHARED | VM_WRITE)) !== (VM_SHARED | VM_WRITE)) {
        throw new KernelError(EACCES, `madvise: MADV_REMOVE needs a shared writable file mapping at ${hex(v.start)}`);
      }
      noteRule(p.mm, "madvise-zap", "MADV_REMOVE punches a hole: the pages go; the VMA stays", "madvise_remove");
      p.zap(start, end);
      return end;
    case MADV_WILLNEED:
      noteRule(p.mm, "madvise-none", "MADV_WILLNEED only starts readahead: no VMA changes", "madvise_willneed");
      return end;
    case MADV_COLD: case MADV_PAGEOUT:
      if (v.flags & (VM_LOCKED | VM_PFNMAP)) refuse("a locked or PFN mapping (can_madv_lru_vma)");
      noteRule(p.mm, "madvise-none", "reclaim advice: the pages are aged or paged out later, no VMA changes", "madvise_cold_or_pageout_pte_range");
      return end;
    case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
      // madvise_populate: fault the range in; a mapping that cannot be faulted is EINVAL, a refused access EFAULT.
      if (v.flags & (VM_IO | VM_PFNMAP)) refuse("MADV_POPULATE on an I/O or PFN mapping");
      noteRule(p.mm, "madvise-none", "MADV_POPULATE faults the range in: no VMA changes", "madvise_populate");
      try { p.touchPages(start, end - start, advice === MADV_POPULATE_WRITE ? "write" : "read"); } catch (e) {
        if (e instanceof SegmentationFault) throw new KernelError(14, `madvise: cannot populate ${hex(e.address)} (${e.reason})`);
        throw e;
      }
      return end;
    case MADV_NORMAL: flags &= ~(VM_RAND_READ | VM_SEQ_READ); break;
    case MADV_SEQUENTIAL: flags = (flags & ~VM_RAND_READ) | VM_SEQ_READ; break;
    case MADV_RANDOM: flags = (flags & ~VM_SEQ_READ) | VM_RAND_READ; break;
    case MADV_DONTFORK: flags |= VM_DONTCOPY; break;
    case MADV_DOFORK: if (flags & VM_IO) refuse("MADV_DOFORK on an I/O mapping"); flags &= ~VM_DONTCOPY; break;
    case MADV_WIPEONFORK: if (v.file !== null || (flags & VM_SHARED)) refuse("MADV_WIPEONFORK on a file or shared mapping"); flags |= VM_WIPEONFORK; break;
    case MADV_KEEPONFORK: flags &= ~VM_WIPEONFORK; break;
    case MADV_DONTDUMP: flags |= VM_DONTDUMP; break;
    case MADV_DODUMP: if (flags & VM_SPECIAL) refuse("MADV_DODUMP on a special mapping"); flags &= ~VM_DONTDUMP; break;
    case MADV_HUGEPAGE: flags = (flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE; break;     // hugepage_madvise
    default: flags = (flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE; break;                  // MADV_NOHUGEPAGE
  }
  return updateVma(p, v, start, end, flags);
}

/** madvise_update_vma: nothing when the flags stay; else split [start, end) off, set them, merge (vma_modify_flags). */
function updateVma(p: Process, v: Vma, start: bigint, end: bigint, flags: number): bigint {
  const mm = p.mm;
  if (flags === v.flags) {
    noteRule(mm, "protect-same", "the VMA already has this advice's flags: nothing changes", "madvise_update_vma");
    return end;
  }
  const split = v.start < start || v.end > end;
  noteRule(mm, split ? "protect-split" : "protect-whole", split ? "the advice sets vm_flags on part of the VMA: it is split off"
    : "the advice sets the whole VMA's vm_flags in place", split ? "madvise_update_vma → vma_modify_flags" : "madvise_update_vma");
  const [first] = mm.isolate(start, end);
  mm.vmas[first]!.flags = flags;
  mm.mergeAround(first, "vma_merge_existing_range");
  return end;
}
