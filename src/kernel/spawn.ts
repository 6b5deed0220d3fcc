// execve-like spawn: lay out a new process as x86-64 Linux does without ASLR — the
// image's segments (PIE at ELF_ET_DYN_BASE), bss, the heap after it, the stack at the
// top of the lower half with its guard gap, the mmap area below it (vvar and vdso
// first), and the [vsyscall] gate.
import type { Kernel } from "./kernel.js";
import { Process, type MappedFile } from "./process.js";
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE } from "./constants.js";
import {
  PAGE_SIZE, VM_ACCOUNT, VM_DONTDUMP, VM_DONTEXPAND, VM_EXEC, VM_GROWSDOWN, VM_IO, VM_MAYEXEC, VM_MAYREAD,
  VM_MAYWRITE, VM_PFNMAP, VM_READ, VM_WRITE, VSYSCALL_START, TASK_SIZE_4LEVEL, type Vma,
} from "./vma.js";

export interface ImageSegment {
  /** Address (added to the load base for a PIE image). */
  vaddr: number | bigint;
  /** Bytes in memory; beyond `filesz` they are zero (bss). */
  memsz: number | bigint;
  filesz?: number | bigint;
  /** File offset of the segment's first byte (page-aligned together with vaddr). */
  offset?: number | bigint;
  prot: number;
}

export interface ProcessImage {
  name: string;
  file?: MappedFile;
  pie?: boolean;
  segments: ImageSegment[];
  /** Initial stack VMA size (default 132 KiB, as Linux sets up). */
  stackBytes?: number;
}

/** ELF_ET_DYN_BASE on x86-64: DEFAULT_MAP_WINDOW / 3 * 2, page aligned. */
export const PIE_BASE = 0x555555554000n;
/** The stack gap below which mmap starts: max(RLIMIT_STACK 8 MiB, 128 MiB). */
export const STACK_GAP = 128n << 20n;

const pageDown = (n: bigint) => n & ~(PAGE_SIZE - 1n);
const pageUp = (n: bigint) => pageDown(n + PAGE_SIZE - 1n);

export function spawnProcess(kernel: Kernel, pid: number, image: ProcessImage): Process {
  const mm = kernel.newAddressSpace();
  const p = new Process(kernel, pid, mm, image.name);
  // The stack and the mmap area sit below DEFAULT_MAP_WINDOW (2^47 - 4 KiB) in 5-level mode too.
  const top = mm.taskSize < TASK_SIZE_4LEVEL ? mm.taskSize : TASK_SIZE_4LEVEL;
  mm.mmapBase = pageDown(top - STACK_GAP);
  const base = image.pie ? PIE_BASE : 0n;
  let bssEnd = 0n;
  for (const s of image.segments) {
    const va = base + BigInt(s.vaddr), memsz = BigInt(s.memsz), filesz = BigInt(s.filesz ?? 0), off = BigInt(s.offset ?? 0);
    const start = pageDown(va), fileEnd = va + filesz, end = va + memsz;
    if (filesz > 0n && image.file) {
      p.mmap(start, pageUp(fileEnd) - start, s.prot, MAP_PRIVATE | MAP_FIXED, image.file, off - (va - start));
    }
    const anonStart = filesz > 0n ? pageUp(fileEnd) : start;
    if (pageUp(end) > anonStart) p.mmap(anonStart, pageUp(end) - anonStart, s.prot, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS);
    if (end > bssEnd) bssEnd = end;
  }
  mm.startBrk = mm.brk = pageUp(bssEnd);
  const stackBytes = BigInt(image.stackBytes ?? 132 * 1024);
  const stack: Vma = { start: top - pageUp(stackBytes), end: top, pgoff: 0n, file: null, special: null, anonName: null,
    flags: VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_GROWSDOWN | VM_ACCOUNT };
  mm.insert(stack);
  mm.startStack = top - 0x100n;
  // vvar (4 pages) and vdso (2 pages) at the top of the mmap area, as the kernel maps them at exec.
  const vvarStart = mm.mmapBase - 6n * PAGE_SIZE;
  mm.insert({ start: vvarStart, end: vvarStart + 4n * PAGE_SIZE, pgoff: 0n, file: null, special: "[vvar]", anonName: null,
    flags: VM_READ | VM_MAYREAD | VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP });
  mm.insert({ start: vvarStart + 4n * PAGE_SIZE, end: mm.mmapBase, pgoff: 0n, file: null, special: "[vdso]", anonName: null,
    flags: VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_DONTEXPAND });
  mm.mmapBase = vvarStart;
  mm.gate = { start: VSYSCALL_START, end: VSYSCALL_START + PAGE_SIZE, flags: VM_EXEC, pgoff: 0n, file: null,
    special: "[vsyscall]", anonName: null };
  return p;
}

/**
 * A small PIE program for demos and scenarios: read-only data, text, and data with a bss
 * tail, backed by a 12 KiB file /usr/bin/demo (fe:01, inode 260723) full of NOPs.
 */
export function demoImage(): ProcessImage {
  const file: MappedFile = { path: "/usr/bin/demo", dev: (0xfe << 20) | 1, inode: 260723n, deleted: false,
    content: new Uint8Array(0x3000).fill(0x90) };
  return { name: "demo", file, pie: true, segments: [
    { vaddr: 0, memsz: 0x1000, filesz: 0x1000, offset: 0, prot: PROT_READ },
    { vaddr: 0x1000, memsz: 0x1000, filesz: 0x1000, offset: 0x1000, prot: PROT_READ | PROT_EXEC },
    { vaddr: 0x2000, memsz: 0x3000, filesz: 0x800, offset: 0x2000, prot: PROT_READ | PROT_WRITE },
  ] };
}
