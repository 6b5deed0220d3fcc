// A process made from a real /proc/PID/maps text (Kernel.importMaps): the parsed VMAs in a
// fresh address space, with what maps cannot say filled in as spawn would: mmap_base
// 128 MiB below the 47-bit window, and the main program's text (start_code..end_code,
// for VmExe) taken as the executable, non-writable VMAs of the first file mapped (the
// program comes first in address order; its libraries sit higher, under mmap_base).
import type { Kernel } from "./kernel.js";
import { Process } from "./process.js";
import { MapsFormatError, parseMaps } from "../views/maps.js";
import { PAGE_SIZE, VM_EXEC, VM_SHARED, VM_WRITE, type Vma, type VmaFile } from "./vma.js";
import { DEFAULT_MAP_WINDOW } from "./unmapped.js";
import { STACK_GAP } from "./spawn.js";

/**
 * load_elf_binary without brk randomization: start_brk = brk = the page-aligned end of the
 * bss, i.e. the end of the program's last VMA: its file segments, then the anonymous bss
 * VMA the loader maps right after them (vm_brk_flags), if any. Maps without a [heap]
 * line have not grown the break yet, so that is where it still is.
 */
function programEnd(vmas: readonly Vma[], program: VmaFile): bigint {
  let i = vmas.findIndex((v) => v.file === program);
  let end = vmas[i]!.end;
  for (i++; i < vmas.length; i++) {
    const v = vmas[i]!;
    if (v.start !== end) break;
    const same = v.file !== null && v.file.path === program.path && v.file.dev === program.dev && v.file.inode === program.inode;
    if (same) { end = v.end; continue; }
    if (v.file === null && v.special === null && v.anonName === null) end = v.end;      // the bss
    break;
  }
  return end;
}

export function importedProcess(kernel: Kernel, pid: number, text: string, name: string): Process {
  const { vmas, mm: layout, lineNumbers } = parseMaps(text);
  const lines = text.split("\n");
  vmas.forEach((v, i) => {
    if (v.end > kernel.taskSize) {
      const n = lineNumbers[i]!;
      throw new MapsFormatError(n, lines[n - 1]!, `range ends above this kernel's TASK_SIZE 0x${kernel.taskSize.toString(16)} ` +
        `(${kernel.levels}-level paging)`);
    }
  });
  const mm = kernel.newAddressSpace();
  // A private anonymous VMA's vm_pgoff is its page number (do_mmap, vm_brk_flags); maps prints 0 for it.
  for (const v of vmas) if (v.file === null && v.special === null && !(v.flags & VM_SHARED)) v.pgoff = v.start >> 12n;
  mm.vmas = vmas;
  Object.assign(mm, { startBrk: layout.startBrk, brk: layout.brk, startStack: layout.startStack, gate: layout.gate });
  const top = mm.taskSize < DEFAULT_MAP_WINDOW ? mm.taskSize : DEFAULT_MAP_WINDOW;
  mm.mmapBase = (top - STACK_GAP) & ~(PAGE_SIZE - 1n);
  const program = vmas.find((v) => v.file !== null)?.file;
  const code = program ? vmas.filter((v) => v.file !== null && v.file.path === program.path && v.file.dev === program.dev &&
    v.file.inode === program.inode && (v.flags & (VM_EXEC | VM_WRITE)) === VM_EXEC) : [];
  if (code.length > 0) { mm.startCode = code[0]!.start; mm.endCode = code[code.length - 1]!.end; }
  if (layout.startBrk === 0n && program) mm.startBrk = mm.brk = programEnd(vmas, program);
  mm.trackPeak();
  return new Process(kernel, pid, mm, name);
}
