// The stack grows down by page faults, with no system call (mm/mmap.c expand_stack,
// expand_downwards; acct_stack_growth): a fault just below a VM_GROWSDOWN VMA moves its
// start down to the faulting page, within RLIMIT_STACK, above mmap_min_addr, and never
// closer than stack_guard_gap to an accessible VMA below.
import type { AddressSpace } from "./mm.js";
import { PAGE_SIZE, VM_EXEC, VM_GROWSDOWN, VM_READ, VM_WRITE, type Vma } from "./vma.js";
import { STACK_GUARD_GAP } from "./unmapped.js";
import { noteRule } from "./rules.js";

/** RLIMIT_STACK's default soft limit (`ulimit -s` 8192 KiB): the most a stack VMA may span. */
export const DEFAULT_STACK_RLIMIT = 8n << 20n;

/**
 * expand_downwards: the VM_GROWSDOWN VMA just above `va` grown to cover its page, or null
 * when there is none or Linux would refuse (the fault is then SIGSEGV). The VMA keeps its
 * page offset relative to its end (vm_pgoff -= grow).
 */
export function expandStack(mm: AddressSpace, va: bigint): Vma | null {
  const i = mm.indexAfter(va);
  const v = mm.vmas[i];
  if (!v || v.start <= va || (v.flags & VM_GROWSDOWN) === 0) return null;
  const address = va & ~(PAGE_SIZE - 1n);
  if (address < mm.mmapMinAddr) return null;
  const prev = i > 0 ? mm.vmas[i - 1]! : null;
  if (prev && (prev.flags & VM_GROWSDOWN) === 0 && (prev.flags & (VM_READ | VM_WRITE | VM_EXEC)) !== 0 &&
      address - prev.end < STACK_GUARD_GAP) return null;
  if (prev && prev.end > address) return null;
  if (v.end - address > mm.stackRlimit) return null;                  // acct_stack_growth
  noteRule(mm, "stack-grow", `a fault at 0x${va.toString(16)}, below [stack]: the stack grows down to cover its page`, "expand_downwards");
  v.pgoff -= (v.start - address) / PAGE_SIZE;
  v.start = address;
  mm.trackPeak();
  return v;
}
