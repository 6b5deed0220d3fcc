// Which of Linux's rules a system call followed, as the model took that path: the placement
// (hint, top-down, bottom-up, THP alignment, MAP_FIXED), the merges, brk's growth, the
// stack's growth by a fault, mprotect's and madvise's splits, mremap's in-place growth or
// move. The kernel code notes the rule where it makes the decision (noteRule), so the
// record says what the model did, not what a call's name suggests. Nothing is recorded
// unless someone asks (AddressSpace.rules is null by default): the replay sets it around
// one step (replaySyscalls.ts) and reads it back; the fault path pays one null test.
import type { AddressSpace } from "./mm.js";

export type RuleKind =
  | "hint" | "top-down" | "bottom-up" | "thp"                               // get_unmapped_area
  | "fixed" | "fixed-replace"                                             // MAP_FIXED
  | "merge-below" | "merge-above"                                         // vma_merge_*
  | "brk-query" | "brk-same-page" | "brk-grow" | "brk-new" | "brk-shrink" | "brk-refused"
  | "stack-grow"                                                          // expand_downwards
  | "munmap-remove" | "munmap-split" | "munmap-nothing"
  | "protect-split" | "protect-whole" | "protect-same"                    // mprotect_fixup, madvise_update_vma
  | "mremap-same" | "mremap-shrink" | "mremap-grow" | "mremap-move" | "mremap-fixed"
  | "madvise-zap" | "madvise-none"
  | "msync"
  | "refused" | "not-modelled";

/** One rule that applied: its kind (for tests and styling), the kernel function, and the rule said in words. */
export interface Rule { kind: RuleKind; fn: string; text: string }

/** Record a rule on `mm` if its rules are being collected; nothing otherwise. */
export function noteRule(mm: AddressSpace, kind: RuleKind, text: string, fn: string): void {
  if (mm.rules !== null) mm.rules.push({ kind, fn, text });
}

/**
 * The rules as one sentence: "Top-down first fit below mmap_base (vm_unmapped_area); merged
 * ... (vma_merge_new_range)." A sentence that starts with a syscall's name keeps it lower case.
 */
export function ruleSentence(rules: readonly Rule[]): string {
  if (rules.length === 0) return "";
  const s = rules.map((r) => `${r.text} (${r.fn})`).join("; ");
  return (/^(brk|mmap|munmap|mprotect|mremap|madvise|msync)\b/.test(s) ? s : s[0]!.toUpperCase() + s.slice(1)) + ".";
}
