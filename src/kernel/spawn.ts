// execve-like spawn: lay out a new process as x86-64 Linux does without ASLR — the
// image's segments (PIE at ELF_ET_DYN_BASE), bss, the heap after it, the stack at the
// top of the lower half with its guard gap, the mmap area below it (vvar and vdso
// first), and the [vsyscall] gate.
import type { Kernel } from "./kernel.js";
import { Process, type MappedFile } from "./process.js";
import { ArgumentError, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE } from "./constants.js";
import { int32, mappedFile, show, u64 } from "./args.js";
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

/** RLIMIT_STACK's default: the most an initial stack VMA may be. */
const RLIMIT_STACK = 8 << 20;

interface Segment { vaddr: bigint; memsz: bigint; filesz: bigint; offset: bigint; prot: number }

/** The image as a C loader would see it, or an ArgumentError naming the bad field. */
function checkImage(image: unknown): { name: string; file: MappedFile | null; pie: boolean; segments: Segment[]; stackBytes: number } {
  if (image === null || typeof image !== "object") throw new ArgumentError("image", `spawn: image ${show(image)} is not a ProcessImage`);
  const im = image as Record<string, unknown>;
  if (typeof im.name !== "string") throw new ArgumentError("image.name", `spawn: image.name ${show(im.name)} is not a string`);
  if (im.pie !== undefined && typeof im.pie !== "boolean") throw new ArgumentError("image.pie", `spawn: image.pie ${show(im.pie)} is not a boolean`);
  if (!Array.isArray(im.segments)) throw new ArgumentError("image.segments", `spawn: image.segments ${show(im.segments)} is not an array`);
  const stackBytes = im.stackBytes ?? 132 * 1024;
  if (typeof stackBytes !== "number" || !Number.isInteger(stackBytes) || stackBytes < 1 || stackBytes > RLIMIT_STACK) {
    throw new ArgumentError("image.stackBytes", `spawn: image.stackBytes ${show(stackBytes)} is not a whole number of bytes in [1, ${RLIMIT_STACK}] (RLIMIT_STACK)`);
  }
  const segments = (im.segments as unknown[]).map((s, i): Segment => {
    const what = `image.segments[${i}]`;
    if (s === null || typeof s !== "object") throw new ArgumentError(what, `spawn: ${what} ${show(s)} is not an ImageSegment`);
    const g = s as Record<string, unknown>;
    const seg = { vaddr: u64("spawn", `${what}.vaddr`, g.vaddr), memsz: u64("spawn", `${what}.memsz`, g.memsz),
      filesz: u64("spawn", `${what}.filesz`, g.filesz ?? 0), offset: u64("spawn", `${what}.offset`, g.offset ?? 0),
      prot: int32("spawn", `${what}.prot`, g.prot) };
    if (seg.filesz > seg.memsz) throw new ArgumentError(`${what}.filesz`, `spawn: ${what}.filesz ${seg.filesz} is more than its memsz ${seg.memsz}`);
    return seg;
  });
  return { name: im.name, file: mappedFile("spawn", im.file), pie: im.pie === true, segments, stackBytes };
}

export function spawnProcess(kernel: Kernel, pid: number, image: ProcessImage): Process {
  const img = checkImage(image);
  const mm = kernel.newAddressSpace();
  const p = new Process(kernel, pid, mm, img.name);
  try {
    layOut(p, img);
  } catch (e) {
    p.teardown();                                         // a segment Linux would refuse: nothing is left behind
    throw e;
  }
  return p;
}

function layOut(p: Process, image: ReturnType<typeof checkImage>): void {
  const mm = p.mm;
  // The stack and the mmap area sit below DEFAULT_MAP_WINDOW (2^47 - 4 KiB) in 5-level mode too.
  const top = mm.taskSize < TASK_SIZE_4LEVEL ? mm.taskSize : TASK_SIZE_4LEVEL;
  mm.mmapBase = pageDown(top - STACK_GAP);
  const base = image.pie ? PIE_BASE : 0n;
  let bssEnd = 0n;
  // load_elf_binary: start_code/end_code span the executable segments' file parts. Linux starts
  // from ~0 and 0, which makes VmExe one page for an ELF with no executable segment (it could
  // not run anyway); an image without one here has no text (start = end = 0, VmExe 0).
  mm.startCode = (1n << 64n) - 1n;
  mm.endCode = 0n;
  for (const s of image.segments) {
    const va = base + s.vaddr, memsz = s.memsz, filesz = s.filesz, off = s.offset;
    const start = pageDown(va), fileEnd = va + filesz, end = va + memsz;
    if (s.prot & PROT_EXEC) {
      if (va < mm.startCode) mm.startCode = va;
      if (fileEnd > mm.endCode) mm.endCode = fileEnd;
    }
    if (filesz > 0n && image.file) {
      if ((off & (PAGE_SIZE - 1n)) !== (va & (PAGE_SIZE - 1n))) {
        throw new ArgumentError("image.segments", `spawn: a segment's offset 0x${off.toString(16)} and vaddr 0x${va.toString(16)} differ within the page`);
      }
      p.mmap(start, pageUp(fileEnd) - start, s.prot, MAP_PRIVATE | MAP_FIXED, image.file, off - (va - start));
    }
    const anonStart = filesz > 0n ? pageUp(fileEnd) : start;
    if (pageUp(end) > anonStart) p.mmap(anonStart, pageUp(end) - anonStart, s.prot, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS);
    if (end > bssEnd) bssEnd = end;
  }
  if (mm.startCode > mm.endCode) mm.startCode = mm.endCode = 0n;
  mm.startBrk = mm.brk = pageUp(bssEnd);
  const stackBytes = BigInt(image.stackBytes);
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
