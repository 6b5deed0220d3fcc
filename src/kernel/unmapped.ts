// Where a new mapping goes: get_unmapped_area as x86-64 Linux does it without ASLR
// (mm/mmap.c __get_unmapped_area; arch/x86/kernel/sys_x86_64.c arch_get_unmapped_area_topdown,
// arch_get_unmapped_area; mm/vma.c unmapped_area_topdown, unmapped_area). Top-down from
// mmap_base over every gap between VMAs (a VM_GROWSDOWN VMA keeps stack_guard_gap free
// below it), then bottom-up from TASK_UNMAPPED_BASE, then ENOMEM.
import type { AddressSpace } from "./mm.js";
import { ENOMEM, EINVAL, KernelError, MAP_32BIT, MAP_FIXED, MAP_SHARED } from "./constants.js";
import { PAGE_SIZE, TASK_SIZE_4LEVEL, VM_GROWSDOWN, type Vma, type VmaFile } from "./vma.js";
import { noteRule } from "./rules.js";

const PAGE_MASK = ~(PAGE_SIZE - 1n);
/** The 47-bit window mmap stays in unless a hint above it asks for more (x86 DEFAULT_MAP_WINDOW). */
export const DEFAULT_MAP_WINDOW = TASK_SIZE_4LEVEL;
/**
 * vm.mmap_min_addr's default (CONFIG_DEFAULT_MMAP_MIN_ADDR on x86): nothing is mapped below
 * it and hints below it are raised to it. A kernel option (KernelOptions.mmapMinAddr): the
 * recorded processes ran with 4096.
 */
export const MMAP_MIN_ADDR = 65536n;
/** stack_guard_gap: 256 pages kept free below a VM_GROWSDOWN VMA. */
export const STACK_GUARD_GAP = 256n * PAGE_SIZE;
/** TASK_UNMAPPED_BASE, where the bottom-up search starts: PAGE_ALIGN(DEFAULT_MAP_WINDOW / 3). */
export const TASK_UNMAPPED_BASE = (DEFAULT_MAP_WINDOW / 3n + PAGE_SIZE - 1n) & PAGE_MASK;
/** MAP_32BIT's window: [1 GiB, 2 GiB). */
const MAP_32BIT_BEGIN = 0x40000000n, MAP_32BIT_END = 0x80000000n;

/** vm_start_gap: a stack VMA's start less the guard gap (0 if that underflows). */
export function vmStartGap(v: Vma): bigint {
  if ((v.flags & VM_GROWSDOWN) === 0) return v.start;
  return v.start > STACK_GUARD_GAP ? v.start - STACK_GUARD_GAP : 0n;
}

/** round_hint_to_min (do_mmap): a non-zero hint, page-masked, never below PAGE_ALIGN(mmap_min_addr). */
export function roundHintToMin(mm: AddressSpace, hint: bigint): bigint {
  const h = hint & PAGE_MASK;
  const min = (mm.mmapMinAddr + PAGE_SIZE - 1n) & PAGE_MASK;
  return h !== 0n && h < mm.mmapMinAddr ? min : h;
}

/** Is [addr, addr+len) free, the guard gap below a stack included? (find_vma + vm_start_gap) */
function fits(mm: AddressSpace, addr: bigint, len: bigint): boolean {
  const v = mm.vmas[mm.indexAfter(addr)];
  return !v || addr + len <= vmStartGap(v);
}

/** unmapped_area_topdown: the top of the highest gap in [low, high) that holds `len`, or -1n. */
export function unmappedAreaTopdown(mm: AddressSpace, len: bigint, low: bigint, high: bigint): bigint {
  if (low < mm.mmapMinAddr) low = mm.mmapMinAddr;
  const vmas = mm.vmas;
  for (let i = mm.indexAfter(high); i >= 0; i--) {
    const prevEnd = i > 0 ? vmas[i - 1]!.end : 0n;
    const next = vmas[i];
    let end = next ? vmStartGap(next) : high;
    if (end > high) end = high;
    const start = prevEnd > low ? prevEnd : low;
    if (end >= start + len) return end - len;
    if (prevEnd <= low) break;
  }
  return -1n;
}

/** unmapped_area: the bottom of the lowest gap in [low, high) that holds `len`, or -1n. */
export function unmappedAreaBottomUp(mm: AddressSpace, len: bigint, low: bigint, high: bigint): bigint {
  if (low < mm.mmapMinAddr) low = mm.mmapMinAddr;
  const vmas = mm.vmas;
  for (let i = mm.indexAfter(low); i <= vmas.length; i++) {
    const prevEnd = i > 0 ? vmas[i - 1]!.end : 0n;
    const start = prevEnd > low ? prevEnd : low;
    if (start + len > high) break;
    const next = vmas[i];
    let end = next ? vmStartGap(next) : high;
    if (end > high) end = high;
    if (end >= start + len) return start;
  }
  return -1n;
}

/** mmap_address_hint_valid: inside TASK_SIZE, and on one side of DEFAULT_MAP_WINDOW. */
function hintValid(mm: AddressSpace, addr: bigint, len: bigint): boolean {
  if (mm.taskSize - len < addr) return false;
  return (addr > DEFAULT_MAP_WINDOW) === (addr + len > DEFAULT_MAP_WINDOW);
}

/**
 * Which search found the last address topDown or bottomUp returned (the rule noted by
 * getUnmappedArea): set as they return, read at once, so it is never stale.
 */
let placedBy: "hint" | "top-down" | "bottom-up" = "top-down";

/** arch_get_unmapped_area: bottom-up from TASK_UNMAPPED_BASE (or in MAP_32BIT's window); -1n when nothing fits. */
function bottomUp(mm: AddressSpace, addr: bigint, len: bigint, flags: number): bigint {
  let begin = TASK_UNMAPPED_BASE, end = addr > DEFAULT_MAP_WINDOW ? mm.taskSize : DEFAULT_MAP_WINDOW;
  if (flags & MAP_32BIT) { begin = MAP_32BIT_BEGIN; end = MAP_32BIT_END; }
  if (len > end) return -1n;
  if (addr !== 0n) {
    addr = (addr + PAGE_SIZE - 1n) & PAGE_MASK;
    if (end - len >= addr && fits(mm, addr, len)) { placedBy = "hint"; return addr; }
  }
  placedBy = "bottom-up";
  return unmappedAreaBottomUp(mm, len, begin, end);
}

/**
 * arch_get_unmapped_area_topdown: a valid free hint as is, else top-down below mmap_base,
 * else bottom-up; -1n when nothing fits. A VM_GROWSDOWN mapping asks for stack_guard_gap
 * free below it (info.start_gap = stack_guard_placement(vm_flags)).
 */
function topDown(mm: AddressSpace, addr0: bigint, len: bigint, flags: number, vmFlags: number): bigint {
  if (flags & MAP_32BIT) return bottomUp(mm, addr0, len, flags);
  const addr = addr0 & PAGE_MASK;
  if (addr !== 0n && hintValid(mm, addr, len) && fits(mm, addr, len)) { placedBy = "hint"; return addr; }
  // A hint above the 47-bit window opens the whole (5-level) address space.
  const high = addr > DEFAULT_MAP_WINDOW ? mm.mmapBase + (mm.taskSize - DEFAULT_MAP_WINDOW) : mm.mmapBase;
  const gap = vmFlags & VM_GROWSDOWN ? STACK_GUARD_GAP : 0n;
  const a = unmappedAreaTopdown(mm, len + gap, PAGE_SIZE, high);
  placedBy = "top-down";
  return a >= 0n ? a + gap : bottomUp(mm, addr0, len, flags);
}

/** The rule of the search that placed a mapping at `a` (placedBy, just set). */
function notePlacement(mm: AddressSpace, hint: bigint, flags: number): void {
  if (placedBy === "hint") {
    noteRule(mm, "hint", `the hint 0x${hint.toString(16)} is free: the mapping goes there`, "arch_get_unmapped_area_topdown");
  } else if (placedBy === "top-down") {
    noteRule(mm, "top-down", `top-down first fit below mmap_base 0x${mm.mmapBase.toString(16)}${hint !== 0n ? ` (the hint 0x${hint.toString(16)} cannot be used)` : ""}`,
      "vm_unmapped_area");
  } else if (flags & MAP_32BIT) {
    noteRule(mm, "bottom-up", "MAP_32BIT: bottom-up first fit in [1 GiB, 2 GiB)", "arch_get_unmapped_area");
  } else {
    noteRule(mm, "bottom-up", `no gap below mmap_base holds it: bottom-up first fit from TASK_UNMAPPED_BASE 0x${TASK_UNMAPPED_BASE.toString(16)}`,
      "arch_get_unmapped_area");
  }
}

/** PMD_SIZE: a transparent huge page. */
export const PMD_SIZE = 2n << 20n;
/** loff_t's range: __thp_get_unmapped_area gives up when off + len_pad overflows it. */
const LOFF_MAX = (1n << 63n) - 1n;

/**
 * __thp_get_unmapped_area (mm/huge_memory.c, size = PMD_SIZE): when the file range
 * [off, off+len) holds a whole PMD-aligned 2 MiB, look for len + 2 MiB and place the
 * mapping in it so that address and file offset agree modulo 2 MiB (top-down: at the
 * padded area's top when it already agrees). The hint is kept if the padded search
 * returns it. 0n when it does not apply or the padded search fails (the caller then
 * searches for len alone).
 */
function thpArea(mm: AddressSpace, addr: bigint, len: bigint, off: bigint, flags: number, vmFlags: number): bigint {
  const offEnd = off + len, offAlign = (off + PMD_SIZE - 1n) & ~(PMD_SIZE - 1n);
  if (offEnd <= offAlign || offEnd - offAlign < PMD_SIZE) return 0n;
  const lenPad = len + PMD_SIZE;
  if (off + lenPad > LOFF_MAX) return 0n;
  if (lenPad > mm.taskSize) return 0n;                       // __get_unmapped_area's own check would fail it
  const ret = topDown(mm, addr, lenPad, flags, vmFlags);
  if (ret < 0n) return 0n;
  if (ret === addr) return addr;
  const offSub = (off - ret) & (PMD_SIZE - 1n);
  if (offSub === 0n) return ret + PMD_SIZE;                  // MMF_TOPDOWN: the model's layout is always top-down
  return ret + offSub;
}

/** What a mapping will be, for placement: its file (null: anonymous), page offset and vm_flags. */
export interface AreaFor { file: VmaFile | null; pgoff: bigint; vmFlags: number }

/**
 * __get_unmapped_area (mm/mmap.c): MAP_FIXED takes `addr` as it is. A file on a block
 * device goes through its get_unmapped_area, thp_get_unmapped_area (ext4, xfs...: THP
 * alignment of mappings that hold 2 MiB of aligned file offsets); shmem files and shared
 * anonymous memory through
 * shmem's (huge shmem is off: plain placement); private anonymous memory without a hint
 * and with a length that is a multiple of 2 MiB is THP aligned too
 * (thp_get_unmapped_area_vmflags); anything else is placed plainly. Then the range must
 * lie below TASK_SIZE (ENOMEM) and start on a page (EINVAL), in that order.
 */
export function getUnmappedArea(mm: AddressSpace, addr: bigint, len: bigint, flags: number, call: string,
                                what: AreaFor = { file: null, pgoff: 0n, vmFlags: 0 }): bigint {
  if (len > mm.taskSize) throw new KernelError(ENOMEM, `${call}: length 0x${len.toString(16)} is more than TASK_SIZE`);
  let a: bigint;
  if (flags & MAP_FIXED) a = addr;
  else {
    const file = what.file;
    // A file on a block device (major != 0: ext4, xfs...) has thp_get_unmapped_area; shmem
    // (tmpfs, memfd, shared anonymous) and pseudo filesystems (major 0) place plainly.
    const thp = file !== null ? file.shmem !== true && file.dev >= 1 << 20 : (flags & MAP_SHARED) === 0 && addr === 0n && len % PMD_SIZE === 0n;
    a = 0n;
    if (thp) a = thpArea(mm, addr, len, file !== null ? what.pgoff << 12n : 0n, flags, what.vmFlags);
    if (a !== 0n) {
      noteRule(mm, "thp", file !== null
        ? "THP-aligned: the range holds a whole 2 MiB of the file, so address and file offset agree modulo 2 MiB"
        : "THP-aligned: an anonymous mapping of a multiple of 2 MiB starts on a 2 MiB boundary",
      file !== null ? "thp_get_unmapped_area" : "thp_get_unmapped_area_vmflags");
    } else {
      a = topDown(mm, addr, len, flags, what.vmFlags);
      if (a >= 0n) notePlacement(mm, addr, flags);
    }
    if (a < 0n) throw new KernelError(ENOMEM, `${call}: no free range of 0x${len.toString(16)} bytes`);
  }
  if (a > mm.taskSize - len) throw new KernelError(ENOMEM, `${call}: range 0x${a.toString(16)}+0x${len.toString(16)} goes beyond TASK_SIZE`);
  if ((a & (PAGE_SIZE - 1n)) !== 0n) throw new KernelError(EINVAL, `${call}: address 0x${a.toString(16)} is not page aligned`);
  return a;
}
