// mprotect(2) (mm/mprotect.c do_mprotect_pkey, mprotect_fixup). Argument errors change
// nothing. Like Linux, it then works VMA by VMA and stops at the first hole (ENOMEM) or
// refused VMA (EACCES) with the VMAs before it already changed. (madvise: madvise.ts.)
import type { Process } from "./process.js";
import { FrameUse } from "./frames.js";
import { forEachPte } from "./mm.js";
import {
  EACCES, EINVAL, ENOMEM, KernelError, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, PROT_READ, PROT_SEM,
  PROT_WRITE,
} from "./constants.js";
import {
  PAGE_SIZE, VM_ACCOUNT, VM_EXEC, VM_GROWSDOWN, VM_NORESERVE, VM_PFNMAP, VM_LOCKED, VM_READ, VM_SHARED, VM_WRITE,
  type Vma,
} from "./vma.js";
import { pageAlign, protToVm } from "./mmap.js";
import { noteRule } from "./rules.js";

const IN_PAGE = PAGE_SIZE - 1n;
const U64_MAX = (1n << 64n) - 1n;
const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;
const hex = (n: bigint) => `0x${n.toString(16)}`;

/** mprotect(2) with checked arguments (see Process.mprotect). */
export function doMprotect(p: Process, startIn: bigint, len: bigint, protIn: number): void {
  const mm = p.mm;
  const grows = protIn & (PROT_GROWSDOWN | PROT_GROWSUP);
  const prot = protIn & ~(PROT_GROWSDOWN | PROT_GROWSUP);
  if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) throw new KernelError(EINVAL, "mprotect: PROT_GROWSDOWN and PROT_GROWSUP together");
  if (startIn & IN_PAGE) throw new KernelError(EINVAL, `mprotect: address ${hex(startIn)} is not page aligned`);
  if (len === 0n) return;
  const end = (startIn + pageAlign(len)) & U64_MAX;
  if (end <= startIn) throw new KernelError(ENOMEM, `mprotect: range ${hex(startIn)}+${hex(len)} wraps past 2^64`);
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) throw new KernelError(EINVAL, `mprotect: unknown prot bits 0x${(prot >>> 0).toString(16)}`);
  let start = startIn;
  let v = mm.vmas[mm.indexAfter(start)];
  if (!v || v.start >= end) throw new KernelError(ENOMEM, `mprotect: nothing is mapped in ${hex(start)}-${hex(end)}`);
  if (grows & PROT_GROWSDOWN) {
    start = v.start;
    if (!(v.flags & VM_GROWSDOWN)) throw new KernelError(EINVAL, "mprotect: PROT_GROWSDOWN on a mapping that does not grow down");
  } else {
    if (v.start > start) throw new KernelError(ENOMEM, `mprotect: ${hex(start)} is not mapped`);
    if (grows & PROT_GROWSUP) throw new KernelError(EINVAL, "mprotect: PROT_GROWSUP on a mapping that does not grow up (x86 has none)");
  }
  let nstart = start, tmp = v.start;
  for (;;) {
    if (v.start !== tmp) throw new KernelError(ENOMEM, `mprotect: ${hex(tmp)} is not mapped`);
    const newflags = protToVm(prot) | (v.flags & ~VM_ACCESS_FLAGS);
    // VM_MAY* sit 4 bits above VM_*: each right asked for must be one the mapping may have.
    if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) {
      throw new KernelError(EACCES, `mprotect: the mapping at ${hex(v.start)} may not get those rights`);
    }
    tmp = fixup(p, v, nstart, v.end < end ? v.end : end, newflags);
    nstart = tmp;
    if (nstart >= end) break;
    v = mm.vmas[mm.indexAfter(nstart)];
    if (!v || v.start >= end) break;
  }
  if (tmp < end) throw new KernelError(ENOMEM, `mprotect: ${hex(tmp)} is not mapped`);
}

/** mprotect_fixup: split off [start, end) of `v`, give it `newflags`, rewrite its PTEs, merge; returns the end of the VMA it ends in. */
function fixup(p: Process, v: Vma, start: bigint, end: bigint, newflags: number): bigint {
  const mm = p.mm;
  // Making a private mapping writable charges it (once: VM_ACCOUNT stays).
  if ((newflags & VM_WRITE) && !(v.flags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE))) {
    p.kernel.chargeCommit((end - start) / PAGE_SIZE, "mprotect");
    newflags |= VM_ACCOUNT;
  }
  if (newflags === v.flags) {
    noteRule(mm, "protect-same", "the VMA already has these rights: nothing changes", "mprotect_fixup");
    return v.end;
  }
  noteRule(mm, v.start < start || v.end > end ? "protect-split" : "protect-whole", v.start < start || v.end > end
    ? "mprotect splits the VMA: the part in the range gets the new rights"
    : "mprotect changes the whole VMA's rights in place", v.start < start || v.end > end ? "mprotect_fixup → vma_modify_flags" : "mprotect_fixup");
  const [first] = mm.isolate(start, end);
  const piece = mm.vmas[first]!;
  piece.flags = newflags;
  rewritePtes(p, piece);
  mm.mergeAround(first, "vma_merge_existing_range");
  return mm.find(start)!.end;
}

/** change_protection: every resident page of `v` gets the VMA's rights (PROT_NONE keeps the frame, not present). */
function rewritePtes(p: Process, v: Vma): void {
  const k = p.kernel, t = k.tables;
  const none = (v.flags & VM_ACCESS_FLAGS) === 0;
  forEachPte(t, p.mm.root, Number(v.start / PAGE_SIZE), Number(v.end / PAGE_SIZE), (vpn, pa, lo) => {
    if (!t.holdsFrame(lo)) return;
    const f = t.pfn(lo);
    let nlo: number;
    if (none) nlo = t.mkProtNone(f);                     // stays resident, any access faults
    else {
      // A present user entry again (a PROT_NONE entry kept only its frame); A and D carry over.
      const exclusive = (v.flags & VM_SHARED) !== 0 || (k.frames.use[f] === FrameUse.Anon && k.frames.mapcount[f] === 1);
      nlo = t.mkPte(f, (v.flags & VM_WRITE) !== 0 && exclusive && f !== k.zeroFrame, lo);
    }
    t.set(pa, nlo, t.mkHi((v.flags & VM_EXEC) !== 0));
    k.flushPage(p.mm, vpn);
  });
}
