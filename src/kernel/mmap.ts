// mmap(2), munmap(2) and brk(2), checked in Linux's order with Linux's errno (x86-64,
// no ASLR): arch/x86/kernel/sys_x86_64.c sys_mmap, mm/mmap.c ksys_mmap_pgoff, do_mmap,
// mmap_region, SYSCALL_DEFINE1(brk); mm/vma.c do_vmi_munmap. Every check comes before
// the first change, so a refused call leaves the address space as it was.
import type { Process, MappedFile } from "./process.js";
import {
  EACCES, EBADF, EEXIST, EINVAL, ENOMEM, EOPNOTSUPP, EOVERFLOW, KernelError, LEGACY_MAP_MASK, MAP_ANONYMOUS, MAP_FIXED,
  MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_HUGETLB, MAP_NONBLOCK, MAP_NORESERVE, MAP_POPULATE, MAP_PRIVATE, MAP_SHARED,
  MAP_SHARED_VALIDATE, MAP_TYPE, PROT_EXEC, PROT_READ, PROT_WRITE, SegmentationFault, MAP_LOCKED, MAP_STACK,
} from "./constants.js";
import {
  PAGE_SHIFT, PAGE_SIZE, VM_ACCOUNT, VM_EXEC, VM_GROWSDOWN, VM_IO, VM_LOCKED, VM_NOHUGEPAGE, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE,
  VM_NORESERVE, VM_PFNMAP, VM_READ, VM_SHARED, VM_WRITE, type Vma,
} from "./vma.js";
import { STACK_GUARD_GAP, getUnmappedArea, roundHintToMin, vmStartGap } from "./unmapped.js";
import { mergeable, type AddressSpace } from "./mm.js";
import { noteRule } from "./rules.js";

const IN_PAGE = PAGE_SIZE - 1n;
const U64_MAX = (1n << 64n) - 1n;
/** PAGE_ALIGN in unsigned long arithmetic: a length within a page of 2^64 wraps to 0. */
export const pageAlign = (n: bigint) => ((n + IN_PAGE) & ~IN_PAGE) & U64_MAX;
/** MAX_LFS_FILESIZE: file_mmap_ok's limit on a regular file's offset + length. */
const MAX_LFS_FILESIZE = (1n << 63n) - 1n;
const hex = (n: bigint) => `0x${n.toString(16)}`;

export function protToVm(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

/** mmap(2) with checked arguments (see Process.mmap). */
export function doMmap(p: Process, addr: bigint, len: bigint, prot: number, flags: number, file: MappedFile | null, offset: bigint): bigint {
  const mm = p.mm;
  if (offset & IN_PAGE) throw new KernelError(EINVAL, `mmap: offset ${hex(offset)} is not page aligned`);   // sys_mmap
  // ksys_mmap_pgoff: a file mapping needs an open file; MAP_HUGETLB needs hugetlbfs.
  const anonymous = (flags & MAP_ANONYMOUS) !== 0;
  if (!anonymous && !file) throw new KernelError(EBADF, "mmap: no file and no MAP_ANONYMOUS (a bad file descriptor)");
  if (flags & MAP_HUGETLB) {
    if (!anonymous) throw new KernelError(EINVAL, "mmap: MAP_HUGETLB on a file that is not on hugetlbfs");
    if (len !== 0n) throw new KernelError(ENOMEM, "mmap: MAP_HUGETLB, but no huge pages are reserved (HugePages_Total is 0)");
  }
  // do_mmap
  if (len === 0n) throw new KernelError(EINVAL, "mmap: length is 0");
  if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
  const hint = flags & MAP_FIXED ? addr : roundHintToMin(mm, addr);
  const length = pageAlign(len);
  if (length === 0n) throw new KernelError(ENOMEM, `mmap: length ${hex(len)} overflows when rounded up to a page`);
  const pgoff = offset >> PAGE_SHIFT;
  if (pgoff + (length >> PAGE_SHIFT) > U64_MAX) throw new KernelError(EOVERFLOW, "mmap: offset + length overflows");
  // calc_vm_flag_bits: MAP_GROWSDOWN, MAP_LOCKED, and MAP_STACK as VM_NOHUGEPAGE (CONFIG_TRANSPARENT_HUGEPAGE).
  let vmFlags = protToVm(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) |
    (flags & MAP_LOCKED ? VM_LOCKED : 0) | (flags & MAP_STACK ? VM_NOHUGEPAGE : 0);
  const start = getUnmappedArea(mm, hint, length, flags, "mmap", { file: anonymous ? null : file, pgoff, vmFlags });
  if ((flags & MAP_FIXED_NOREPLACE) && !mm.isFree(start, start + length)) {
    throw new KernelError(EEXIST, `mmap: MAP_FIXED_NOREPLACE range ${hex(start)}-${hex(start + length)} is in use`);
  }
  const type = flags & MAP_TYPE;
  const viaFile = !anonymous ? file! : null;
  if (viaFile) {
    if (length > MAX_LFS_FILESIZE || pgoff > (MAX_LFS_FILESIZE - length) >> PAGE_SHIFT) {
      throw new KernelError(EOVERFLOW, "mmap: offset + length is beyond the largest file size");
    }
    if (type === MAP_SHARED || type === MAP_SHARED_VALIDATE) {
      // MAP_SHARED ignores flags it does not know; MAP_SHARED_VALIDATE refuses them.
      if (type === MAP_SHARED_VALIDATE && (flags & ~LEGACY_MAP_MASK)) {
        throw new KernelError(EOPNOTSUPP, `mmap: MAP_SHARED_VALIDATE with unsupported flags 0x${((flags & ~LEGACY_MAP_MASK) >>> 0).toString(16)}`);
      }
      if ((prot & PROT_WRITE) && viaFile.writable === false) {
        throw new KernelError(EACCES, "mmap: MAP_SHARED with PROT_WRITE on a file not opened for writing");
      }
      vmFlags |= VM_SHARED | VM_MAYSHARE;
      if (viaFile.writable === false) vmFlags &= ~(VM_MAYWRITE | VM_SHARED);
    } else if (type !== MAP_PRIVATE) {
      throw new KernelError(EINVAL, "mmap: flags need one of MAP_SHARED, MAP_SHARED_VALIDATE and MAP_PRIVATE");
    }
    if (vmFlags & VM_GROWSDOWN) throw new KernelError(EINVAL, "mmap: MAP_GROWSDOWN on a file mapping");
  } else if (type === MAP_SHARED) {
    if (vmFlags & VM_GROWSDOWN) throw new KernelError(EINVAL, "mmap: MAP_GROWSDOWN on a shared mapping");
    vmFlags |= VM_SHARED | VM_MAYSHARE;
  } else if (type !== MAP_PRIVATE) {
    throw new KernelError(EINVAL, "mmap: anonymous mappings need one of MAP_SHARED and MAP_PRIVATE");
  }
  if (flags & MAP_NORESERVE) vmFlags |= VM_NORESERVE;        // overcommit is not "never"
  // mmap_region: a private writable mapping is charged (accountable_mapping).
  if ((vmFlags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) === VM_WRITE) {
    p.kernel.chargeCommit(length / PAGE_SIZE, "mmap");
    vmFlags |= VM_ACCOUNT;
  }
  // Nothing can fail from here on.
  if (flags & MAP_FIXED) {
    const replaced = overlapping(mm, start, start + length);
    const first = mm.vmas[mm.indexAfter(start)];
    const what = replaced !== 1 ? `the ${replaced} VMAs there are unmapped first (in whole or in part)`
      : first!.start >= start && first!.end <= start + length ? "the VMA there is unmapped first"
      : "the part of the VMA there is unmapped first (the rest is split off)";
    noteRule(mm, replaced > 0 ? "fixed-replace" : "fixed", replaced > 0
      ? `MAP_FIXED replaces what was there: ${what}`
      : flags & MAP_FIXED_NOREPLACE ? "MAP_FIXED_NOREPLACE at a free range: the mapping goes exactly there" : "MAP_FIXED at a free range: the mapping goes exactly there",
    "do_mmap → mmap_region");
    p.unmapRange(start, start + length);
  }
  // do_mmap: a private anonymous mapping's vm_pgoff is its page number (what merging compares); shared ones start at 0.
  const anonPgoff = vmFlags & VM_SHARED ? 0n : start >> PAGE_SHIFT;
  const vma: Vma = { start, end: start + length, flags: vmFlags, pgoff: viaFile ? pgoff : anonPgoff, file: viaFile,
    special: null, anonName: null };
  if (!viaFile && (vmFlags & VM_SHARED)) {
    // MAP_SHARED|MAP_ANONYMOUS is a shmem object shared across fork: maps shows /dev/zero (deleted).
    vma.file = { path: "/dev/zero", dev: 1, inode: start >> PAGE_SHIFT, deleted: true, shmem: true };
  }
  mm.insert(vma);
  mm.mergeAround(mm.indexAfter(start));
  // do_mmap's populate: MAP_POPULATE without MAP_NONBLOCK, or VM_LOCKED (mm_populate faults a locked range in).
  if ((flags & (MAP_POPULATE | MAP_NONBLOCK)) === MAP_POPULATE || (vmFlags & VM_LOCKED)) populate(p, vma, start, length);
  return start;
}

/**
 * mm_populate: fault the pages in as get_user_pages would: a write for a private writable
 * mapping (breaking COW), a read otherwise; nothing for PROT_NONE or VM_IO/VM_PFNMAP.
 * Errors are ignored (the mapping stands); running out of memory stops it.
 */
function populate(p: Process, vma: Vma, start: bigint, length: bigint): void {
  if ((vma.flags & (VM_READ | VM_WRITE | VM_EXEC)) === 0 || (vma.flags & (VM_IO | VM_PFNMAP))) return;
  try {
    p.touchPages(start, length, (vma.flags & (VM_WRITE | VM_SHARED)) === VM_WRITE ? "write" : "read");
  } catch (e) {
    if (!(e instanceof KernelError || e instanceof SegmentationFault)) throw e;
  }
}

/** How many VMAs overlap [start, end). */
function overlapping(mm: AddressSpace, start: bigint, end: bigint): number {
  let n = 0;
  for (let i = mm.indexAfter(start); i < mm.vmas.length && mm.vmas[i]!.start < end; i++) n++;
  return n;
}

/** munmap(2) (do_vmi_munmap): unmapping nothing is fine; a range beyond TASK_SIZE or of length 0 is EINVAL. */
export function doMunmap(p: Process, start: bigint, len: bigint): void {
  const taskSize = p.mm.taskSize;
  if (start & IN_PAGE) throw new KernelError(EINVAL, `munmap: address ${hex(start)} is not page aligned`);
  if (start > taskSize || len > taskSize - start) {
    throw new KernelError(EINVAL, `munmap: range ${hex(start)}+${hex(len)} goes beyond TASK_SIZE`);
  }
  const end = start + pageAlign(len);
  if (end === start) throw new KernelError(EINVAL, "munmap: length is 0");
  const mm = p.mm, n = overlapping(mm, start, end);
  if (n === 0) noteRule(mm, "munmap-nothing", "nothing is mapped there: munmap succeeds and changes nothing", "do_vmi_munmap");
  else {
    const first = mm.vmas[mm.indexAfter(start)]!, last = mm.vmas[mm.indexAfter(start) + n - 1]!;
    if (first.start < start || last.end > end) {
      noteRule(mm, "munmap-split", first.start < start && first.end > end
        ? "munmap of the middle of a VMA splits it in two and removes the middle"
        : "munmap splits the VMA at the range's edge and removes the part inside", "do_vmi_align_munmap → split_vma");
    } else {
      noteRule(mm, "munmap-remove", n === 1 ? "munmap removes the whole VMA" : `munmap removes ${n} whole VMAs`, "do_vmi_align_munmap");
    }
  }
  p.unmapRange(start, end);
}

/**
 * do_brk_flags: grow the brk VMA. Only a VMA reaching into the brk range may be expanded
 * (brk's vma_prev_limit(&vmi, mm->start_brk)), and only if the new pages could merge after
 * it (same flags, contiguous anonymous page offset); otherwise a new VMA, with vm_pgoff =
 * its page number, and no merge attempt at all: the loader's bss VMA, which ends exactly
 * at start_brk, never absorbs the heap, and nothing above merges into it.
 */
export function doBrkFlags(mm: Process["mm"], oldbrk: bigint, newbrk: bigint): void {
  const flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;
  const fresh: Vma = { start: oldbrk, end: newbrk, flags, pgoff: oldbrk >> PAGE_SHIFT, file: null, special: null, anonName: null };
  const i = mm.indexAfter(oldbrk) - 1;
  const prev = i >= 0 ? mm.vmas[i]! : null;
  if (prev && prev.end === oldbrk && prev.end > mm.startBrk && mergeable(prev, fresh)) {
    prev.end = newbrk;
    mm.trackPeak();
    noteRule(mm, "brk-grow", "brk grows [heap]: the VMA below the old break is extended", "do_brk_flags");
    return;
  }
  mm.insert(fresh);
  noteRule(mm, "brk-new", oldbrk === mm.startBrk
    ? "brk creates [heap]: a new VMA at start_brk, never merged into the bss below"
    : "brk maps a new VMA at the old break: the VMA below cannot be extended", "do_brk_flags");
}

/**
 * brk(2): the new break, or the old one when the request cannot be met (below start_brk,
 * a mapping in the way or within stack_guard_gap of a stack, beyond TASK_SIZE, more than
 * RAM + swap). Shrinking unmaps; a break inside the same page only moves mm.brk.
 */
export function doBrk(p: Process, brk: bigint): bigint {
  const mm = p.mm, orig = mm.brk;
  const refused = (why: string, fn: string) => { noteRule(mm, "brk-refused", `brk refused: ${why}; the old break is returned`, fn); return orig; };
  if (brk < mm.startBrk) {
    noteRule(mm, "brk-query", brk === 0n ? `brk(0) asks for the break: the current one, 0x${orig.toString(16)}, is returned and nothing changes`
      : `below start_brk 0x${mm.startBrk.toString(16)}: the current break is returned, nothing changes`, "sys_brk");
    return orig;
  }
  const newbrk = pageAlign(brk), oldbrk = pageAlign(mm.brk);
  if (oldbrk === newbrk) {
    noteRule(mm, "brk-same-page", "the new break is in the same page as the old: only mm->brk moves, no VMA changes", "sys_brk");
    mm.brk = brk;
    return brk;
  }
  if (brk <= mm.brk) {
    // Always allow shrinking, if [newbrk, oldbrk) starts in a mapping (the heap).
    const v = mm.vmas[mm.indexAfter(newbrk)];
    if (!v || v.start >= oldbrk) return refused("nothing is mapped between the new and the old break", "sys_brk");
    mm.brk = brk;
    noteRule(mm, "brk-shrink", "brk shrinks [heap]: the pages above the new break are unmapped", "do_vmi_align_munmap");
    p.unmapRange(newbrk, oldbrk);
    return brk;
  }
  // check_brk_limits: get_unmapped_area(MAP_FIXED) of the growth.
  const len = (newbrk - oldbrk) & U64_MAX;
  if (len > mm.taskSize || oldbrk > mm.taskSize - len) return refused("the heap would pass TASK_SIZE", "check_brk_limits");
  // The next mapping must leave a page free, and stack_guard_gap below a stack.
  const next = mm.vmas[mm.indexAfter(oldbrk)];
  if (next && next.start < newbrk + PAGE_SIZE + STACK_GUARD_GAP && newbrk + PAGE_SIZE > vmStartGap(next)) {
    return refused(`the mapping at 0x${next.start.toString(16)} is in the way (a page free, and stack_guard_gap below a stack, must stay)`, "sys_brk");
  }
  if (!p.kernel.commitFits(len / PAGE_SIZE)) return refused("the growth does not fit the commit limit (RAM + swap)", "do_brk_flags");   // do_brk_flags charges it
  doBrkFlags(mm, oldbrk, newbrk);
  mm.brk = brk;
  return brk;
}
