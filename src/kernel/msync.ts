// msync(2) as mm/msync.c does it: the flags and the start are checked, then the VMAs of the
// range are walked. Nothing in the address space changes (the model's files have no
// backing store to write back to); what is modelled is Linux's answer: EINVAL for bad
// flags or a start off a page, EBUSY for MS_INVALIDATE on a locked VMA, ENOMEM for a hole
// (at once with plain MS_ASYNC, else after the rest of the range).
import type { Process } from "./process.js";
import { EINVAL, ENOMEM, KernelError } from "./constants.js";
import { PAGE_SIZE, VM_LOCKED } from "./vma.js";
import { pageAlign } from "./mmap.js";
import { noteRule } from "./rules.js";

export const MS_ASYNC = 1;
export const MS_INVALIDATE = 2;
export const MS_SYNC = 4;
const EBUSY = 16;
const hex = (n: bigint) => `0x${n.toString(16)}`;

/** msync(2) with checked arguments (see Process.msync). */
export function doMsync(p: Process, start: bigint, lenIn: bigint, flags: number): void {
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) throw new KernelError(EINVAL, `msync: unknown flags 0x${(flags >>> 0).toString(16)}`);
  if ((flags & MS_ASYNC) && (flags & MS_SYNC)) throw new KernelError(EINVAL, "msync: MS_ASYNC and MS_SYNC together");
  if (start & (PAGE_SIZE - 1n)) throw new KernelError(EINVAL, `msync: address ${hex(start)} is not page aligned`);
  const end = start + pageAlign(lenIn);
  if (end >= 1n << 64n) throw new KernelError(ENOMEM, `msync: range ${hex(start)}+${hex(lenIn)} wraps past 2^64`);
  noteRule(p.mm, "msync", "msync writes dirty file pages back (the model's files have no backing store): no VMA changes", "msync");
  if (end === start) return;
  const mm = p.mm;
  let hole = false;
  for (;;) {
    const v = mm.vmas[mm.indexAfter(start)];
    if (!v) throw new KernelError(ENOMEM, `msync: ${hex(start)}-${hex(end)} is not mapped`);
    if (start < v.start) {
      if (flags === MS_ASYNC) throw new KernelError(ENOMEM, `msync: ${hex(start)} is not mapped`);
      start = v.start;
      if (start >= end) throw new KernelError(ENOMEM, `msync: part of the range is not mapped`);
      hole = true;
    }
    if ((flags & MS_INVALIDATE) && (v.flags & VM_LOCKED)) throw new KernelError(EBUSY, `msync: MS_INVALIDATE on a locked mapping at ${hex(v.start)}`);
    start = v.end;
    if (start >= end) break;
  }
  if (hole) throw new KernelError(ENOMEM, "msync: part of the range is not mapped");
}
