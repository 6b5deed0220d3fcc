// mremap(2) as mm/mremap.c does it: check_mremap_params, then mremap_to (MREMAP_FIXED:
// unmap the destination, shrink, move) or mremap_at (same size: nothing; shrink: unmap
// the tail; grow: in place when the next pages are free, else move with MREMAP_MAYMOVE).
// remap_is_valid's rules, move_vma with move_page_tables. An old length of 0 duplicates
// a shared mapping (the "duplicate shm area" case); a private one is EINVAL.
import type { Process } from "./process.js";
import { forEachPte, mergeable } from "./mm.js";
import {
  EFAULT, EINVAL, ENOMEM, KernelError, MAP_SHARED, MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE,
} from "./constants.js";
import { PAGE_SIZE, VM_ACCOUNT, VM_DONTEXPAND, VM_MAYSHARE, VM_PFNMAP, VM_SHARED, type Vma } from "./vma.js";
import { pageAlign } from "./mmap.js";
import { getUnmappedArea } from "./unmapped.js";
import { noteRule } from "./rules.js";

const IN_PAGE = PAGE_SIZE - 1n;
const U64_MAX = (1n << 64n) - 1n;
const hex = (n: bigint) => `0x${n.toString(16)}`;

/** mremap(2) with checked arguments (see Process.mremap). */
export function doMremap(p: Process, addr: bigint, oldLenIn: bigint, newLenIn: bigint, flags: number, newAddr: bigint): bigint {
  // check_mremap_params
  if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP)) throw new KernelError(EINVAL, `mremap: unknown flags 0x${(flags >>> 0).toString(16)}`);
  if (addr & IN_PAGE) throw new KernelError(EINVAL, `mremap: address ${hex(addr)} is not page aligned`);
  if (pageAlign(newLenIn) === 0n) throw new KernelError(EINVAL, "mremap: new length is 0 (or overflows when rounded up)");
  const toNew = (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0;
  if (toNew) {
    if (newAddr & IN_PAGE) throw new KernelError(EINVAL, `mremap: new address ${hex(newAddr)} is not page aligned`);
    if (!(flags & MREMAP_MAYMOVE)) throw new KernelError(EINVAL, "mremap: MREMAP_FIXED and MREMAP_DONTUNMAP need MREMAP_MAYMOVE");
    if ((flags & MREMAP_DONTUNMAP) && oldLenIn !== newLenIn) throw new KernelError(EINVAL, "mremap: MREMAP_DONTUNMAP may not resize");
    if (flags & MREMAP_DONTUNMAP) throw new KernelError(EINVAL, "mremap: MREMAP_DONTUNMAP is not modelled");
  }
  const oldLen = pageAlign(oldLenIn), newLen = pageAlign(newLenIn);
  const v = p.mm.find(addr);
  if (!v) throw new KernelError(EFAULT, `mremap: ${hex(addr)} is not mapped`);
  return toNew ? mremapTo(p, addr, oldLen, newLen, newAddr) : mremapAt(p, v, addr, oldLen, newLen, flags);
}

function mremapTo(p: Process, addr: bigint, oldLen: bigint, newLen: bigint, newAddr: bigint): bigint {
  const mm = p.mm;
  if (newLen > mm.taskSize || newAddr > mm.taskSize - newLen) {
    throw new KernelError(EINVAL, `mremap: new range ${hex(newAddr)}+${hex(newLen)} goes beyond TASK_SIZE`);
  }
  if (addr + oldLen > newAddr && newAddr + newLen > addr) throw new KernelError(EINVAL, "mremap: the old and new ranges overlap");
  noteRule(mm, "mremap-fixed", `MREMAP_FIXED: the VMA moves to 0x${newAddr.toString(16)}, replacing what was there, its page tables with it`,
    "mremap_to → move_vma");
  p.unmapRange(newAddr, newAddr + newLen);                  // as Linux: before the remaining checks
  let v = mm.find(addr);
  if (!v) throw new KernelError(EFAULT, `mremap: ${hex(addr)} is not mapped`);
  if (oldLen > newLen) {
    p.unmapRange(addr + newLen, addr + oldLen);
    oldLen = newLen;
    v = mm.find(addr);
    if (!v) throw new KernelError(EFAULT, `mremap: ${hex(addr)} is not mapped`);
  }
  remapIsValid(p, v, addr, oldLen, newLen);
  return moveVma(p, v, addr, oldLen, newLen, newAddr);
}

function mremapAt(p: Process, v: Vma, addr: bigint, oldLen: bigint, newLen: bigint, flags: number): bigint {
  const mm = p.mm;
  if (newLen === oldLen) { noteRule(mm, "mremap-same", "the same length: nothing changes", "mremap_at"); return addr; }
  if (newLen < oldLen) {
    noteRule(mm, "mremap-shrink", "mremap shrinks in place: the tail is unmapped", "mremap_at → do_vmi_munmap");
    p.unmapRange(addr + newLen, addr + oldLen);
    return addr;
  }
  remapIsValid(p, v, addr, oldLen, newLen);
  const delta = newLen - oldLen;
  if (v.end - addr === oldLen && expandable(p, v, delta)) {
    if (v.flags & VM_ACCOUNT) p.kernel.chargeCommit(delta / PAGE_SIZE, "mremap");
    // vma_merge_extend: the VMA is the merge's prev; only the VMA after it may be absorbed, never the one before.
    noteRule(mm, "mremap-grow", "the pages after the VMA are free: mremap grows it in place", "expand_vma_in_place → vma_merge_extend");
    v.end += delta;
    const i = mm.indexAfter(v.start), next = mm.vmas[i + 1];
    if (next && mergeable(v, next)) {
      v.end = next.end;
      mm.vmas.splice(i + 1, 1);
      noteRule(mm, "merge-above", "merged with the VMA above: same flags, same file and contiguous offset", "vma_merge_extend");
    }
    mm.trackPeak();
    return addr;
  }
  if (!(flags & MREMAP_MAYMOVE)) throw new KernelError(ENOMEM, "mremap: cannot grow in place and may not move");
  noteRule(mm, "mremap-move", "the pages after the VMA are taken: with MREMAP_MAYMOVE it moves to a new place, its page tables with it",
    "move_vma → move_page_tables");
  // vrm_set_new_addr: get_unmapped_area(vma->vm_file, 0, new_len, pgoff of addr, MAP_SHARED if VM_MAYSHARE).
  const dest = getUnmappedArea(mm, 0n, newLen, v.flags & VM_MAYSHARE ? MAP_SHARED : 0, "mremap",
    { file: v.file, pgoff: v.pgoff + (addr - v.start) / PAGE_SIZE, vmFlags: v.flags });
  return moveVma(p, v, addr, oldLen, newLen, dest);
}

/** remap_is_valid: the old range inside one VMA, and a VMA that may change size. */
function remapIsValid(p: Process, v: Vma, addr: bigint, oldLen: bigint, newLen: bigint): void {
  void p;
  if (oldLen === 0n && !(v.flags & (VM_SHARED | VM_MAYSHARE))) {
    throw new KernelError(EINVAL, "mremap: an old length of 0 duplicates only shared mappings");
  }
  if (oldLen > v.end - addr) throw new KernelError(EFAULT, `mremap: ${hex(addr)}+${hex(oldLen)} is not inside one mapping`);
  if (newLen === oldLen) return;
  if (v.pgoff + (addr - v.start) / PAGE_SIZE + newLen / PAGE_SIZE > U64_MAX) throw new KernelError(EINVAL, "mremap: file offset overflows");
  if (v.flags & (VM_DONTEXPAND | VM_PFNMAP)) throw new KernelError(EFAULT, `mremap: the mapping at ${hex(v.start)} may not change size`);
}

/** vma_expandable: the pages after the VMA are free and still below TASK_SIZE. */
function expandable(p: Process, v: Vma, delta: bigint): boolean {
  const end = v.end + delta, taskSize = p.mm.taskSize;
  if (end > U64_MAX || !p.mm.isFree(v.end, end)) return false;
  return end - v.start <= taskSize && v.start <= taskSize - (end - v.start);
}

/** move_vma: the VMA piece [addr, addr+oldLen) and its PTEs go to `to`, sized newLen (oldLen <= newLen here). */
function moveVma(p: Process, v: Vma, addr: bigint, oldLen: bigint, newLen: bigint, to: bigint): bigint {
  const mm = p.mm;
  if (v.flags & VM_ACCOUNT) p.kernel.chargeCommit((newLen - oldLen) / PAGE_SIZE, "mremap");
  if (oldLen === 0n) {
    // Duplicate a shared mapping: the same object at the same offset, no PTEs yet.
    const pgoff = v.file ? v.pgoff + (addr - v.start) / PAGE_SIZE : 0n;
    mm.insert({ ...v, start: to, end: to + newLen, pgoff });
    mm.mergeAround(mm.indexAfter(to));
    return to;
  }
  moveRange(p, addr, oldLen, to, newLen);                  // the source VMA piece goes with its PTEs
  return to;
}

/**
 * Move the VMA piece [from, from+moveLen) and its PTEs to `to`, sized `newLen`
 * (move_page_tables). First every destination table is made (finding frames for them may
 * reclaim, which then sees the source PTEs as they are; running out leaves the source
 * as it was), then the entries move in a pass that allocates nothing.
 */
function moveRange(p: Process, from: bigint, moveLen: bigint, to: bigint, newLen: bigint): void {
  const k = p.kernel, t = k.tables, mm = p.mm;
  const [first] = mm.isolate(from, from + moveLen);
  const src = mm.vmas[first]!;
  const delta = Number((to - from) / PAGE_SIZE);
  const vpns: number[] = [];
  forEachPte(t, mm.root, Number(from / PAGE_SIZE), Number((from + moveLen) / PAGE_SIZE), (vpn) => { vpns.push(vpn); });
  let dest: number[];
  try {
    dest = vpns.map((vpn) => t.ptePa(mm.root, vpn + delta, () => { const table = k.allocTable(); mm.tablePages++; return table; }));
  } catch (e) {
    mm.mergeAround(first);                                  // undo the split
    throw e;
  }
  const moved: Vma = { ...src, start: to, end: to + newLen };
  vpns.forEach((vpn, i) => {
    const spa = t.ptePa(mm.root, vpn, null);
    const lo = t.lo(spa), hi = t.hi(spa);
    t.set(dest[i]!, lo, hi);
    t.set(spa, 0, 0);
    k.flushPage(mm, vpn);
    if (t.holdsFrame(lo)) k.frames.moveMapping(t.pfn(lo), mm.id, vpn, vpn + delta);
  });
  src.end = src.start;                                   // emptied: unmapRange drops it
  mm.vmas = mm.vmas.filter((x) => x.end > x.start);
  mm.insert(moved);
  mm.mergeAround(mm.indexAfter(to));
}
