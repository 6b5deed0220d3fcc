// /proc/PID/pagemap (fs/proc/task_mmu.c pagemap_read, pte_to_pagemap_entry): one
// little-endian u64 per virtual page. The kernel model says what each PTE holds; this
// encodes it and applies the read rules.
import { ErrnoError } from "./format.js";

/**
 * What a virtual page's PTE holds, as pagemap sees it. `none`: no VMA, or pte_none
 * (softDirty: the VMA has VM_SOFTDIRTY). `zero`: the shared zero page (no struct-page
 * accounting, so never file/exclusive).
 */
export type PagemapState =
  | { kind: "none"; softDirty?: boolean }
  | { kind: "present"; pfn: bigint; exclusive: boolean; fileOrShared: boolean; softDirty?: boolean }
  | { kind: "swap"; type: number; offset: bigint; softDirty?: boolean }
  | { kind: "zero"; pfn: bigint; softDirty?: boolean };

export const PM_PFRAME_MASK = (1n << 55n) - 1n;
export const PM_SOFT_DIRTY = 1n << 55n;
export const PM_MMAP_EXCLUSIVE = 1n << 56n;
export const PM_UFFD_WP = 1n << 57n;
export const PM_GUARD_REGION = 1n << 58n;
export const PM_FILE = 1n << 61n;
export const PM_SWAP = 1n << 62n;
export const PM_PRESENT = 1n << 63n;
/** Swap type width in the frame field (MAX_SWAPFILES_SHIFT). */
export const SWAP_TYPE_BITS = 5n;
export const PM_ENTRY_BYTES = 8;

/**
 * One entry. Unprivileged readers (no CAP_SYS_ADMIN) get the frame field zeroed —
 * for swap entries too (swap type/offset are filled only when show_pfn, as the kernel
 * has done since 2020) — while all flag bits are still reported.
 */
export function pagemapEntry(s: PagemapState, privileged: boolean): bigint {
  let frame = 0n, flags = s.softDirty ? PM_SOFT_DIRTY : 0n;
  switch (s.kind) {
    case "none":
      break;
    case "present":
    case "zero":
      flags |= PM_PRESENT;
      if (privileged) frame = s.pfn;
      if (s.kind === "present") {
        if (s.fileOrShared) flags |= PM_FILE;
        if (s.exclusive) flags |= PM_MMAP_EXCLUSIVE;
      }
      break;
    case "swap":
      if (!Number.isInteger(s.type) || s.type < 0 || s.type >= 1 << Number(SWAP_TYPE_BITS)) {
        throw new RangeError(`pagemapEntry: swap type ${s.type} does not fit in ${SWAP_TYPE_BITS} bits`);
      }
      flags |= PM_SWAP;
      if (privileged) frame = BigInt(s.type) | (s.offset << SWAP_TYPE_BITS);
      break;
  }
  return (frame & PM_PFRAME_MASK) | flags;
}

/**
 * A read(2) of `length` bytes at file offset `offset`: entries for the pages from
 * vpn = offset / 8, stopping at task_size (reads at or beyond it return 0 bytes, a
 * read crossing it returns fewer). Offset or length not a multiple of 8 → EINVAL.
 */
export function readPagemap(offset: bigint, length: number, entryFor: (vpn: bigint) => PagemapState,
    taskSize: bigint, privileged: boolean): Uint8Array {
  if (offset < 0n || offset % 8n !== 0n) throw new ErrnoError("EINVAL", `pagemap offset ${offset} is not a multiple of 8`);
  if (!Number.isSafeInteger(length) || length < 0 || length % 8 !== 0) {
    throw new ErrnoError("EINVAL", `pagemap read length ${length} is not a multiple of 8`);
  }
  const firstVpn = offset / 8n;
  const lastVpn = taskSize >> 12n; // exclusive: the first page at or above task_size
  const n = firstVpn >= lastVpn ? 0 : Number(BigInt(length / 8) < lastVpn - firstVpn ? BigInt(length / 8) : lastVpn - firstVpn);
  const out = new Uint8Array(n * PM_ENTRY_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    view.setBigUint64(i * PM_ENTRY_BYTES, pagemapEntry(entryFor(firstVpn + BigInt(i)), privileged), true);
  }
  return out;
}
