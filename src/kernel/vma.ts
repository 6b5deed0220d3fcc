// Virtual memory areas: what a process's address space is made of (Linux `struct
// vm_area_struct`). Addresses are bigints: real maps files hold addresses above 2^53
// ([vsyscall]), and none may lose a bit.

/** vm_flags bits, as Linux numbers them (include/linux/mm.h; VmFlags codes in views/smaps.ts). */
export const VM_READ = 1 << 0;
export const VM_WRITE = 1 << 1;
export const VM_EXEC = 1 << 2;
export const VM_SHARED = 1 << 3;
export const VM_MAYREAD = 1 << 4;
export const VM_MAYWRITE = 1 << 5;
export const VM_MAYEXEC = 1 << 6;
export const VM_MAYSHARE = 1 << 7;
export const VM_GROWSDOWN = 1 << 8;
export const VM_PFNMAP = 1 << 10;
export const VM_LOCKED = 1 << 13;
export const VM_IO = 1 << 14;
export const VM_SEQ_READ = 1 << 15;
export const VM_RAND_READ = 1 << 16;
export const VM_DONTCOPY = 1 << 17;
export const VM_DONTEXPAND = 1 << 18;
export const VM_ACCOUNT = 1 << 20;
export const VM_NORESERVE = 1 << 21;
export const VM_WIPEONFORK = 1 << 25;
export const VM_DONTDUMP = 1 << 26;
export const VM_HUGEPAGE = 1 << 29;
/** Set by MAP_STACK (calc_vm_flag_bits) and MADV_NOHUGEPAGE: smaps prints "nh". */
export const VM_NOHUGEPAGE = 1 << 30;

/** The backing file of a file VMA. `dev` is a kernel dev_t: major << 20 | minor. */
export interface VmaFile {
  path: string;
  dev: number;
  inode: bigint;
  /** Unlinked: maps prints " (deleted)" after the path. */
  deleted: boolean;
  /** A shmem object (MAP_SHARED|MAP_ANONYMOUS, shown as /dev/zero (deleted)): its pages are Shmem, not file cache. */
  shmem?: boolean;
  /** File content for demand paging (page i of the file = bytes [i*4096, (i+1)*4096)); missing bytes read as 0. */
  content?: Uint8Array;
}

export interface Vma {
  start: bigint;
  /** Exclusive. */
  end: bigint;
  flags: number;
  /** File offset of `start`, in pages (vm_pgoff); 0 for anonymous VMAs. */
  pgoff: bigint;
  file: VmaFile | null;
  /** A special mapping's name: "[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]", "[uprobes]"... */
  special: string | null;
  /** PR_SET_VMA_ANON_NAME: printed as "[anon:<name>]" ("[anon_shmem:<name>]" on a shmem file). */
  anonName: string | null;
}

/** The parts of an mm that views read besides the VMAs. */
export interface MmLayout {
  startBrk: bigint;
  brk: bigint;
  startStack: bigint;
  /** The x86-64 gate VMA, printed last in maps ([vsyscall]); null when absent. */
  gate: Vma | null;
}

export const PAGE_SIZE = 4096n;
export const PAGE_SHIFT = 12n;
export const TASK_SIZE_4LEVEL = (1n << 47n) - PAGE_SIZE;
export const TASK_SIZE_5LEVEL = (1n << 56n) - PAGE_SIZE;
export const VSYSCALL_START = 0xffffffffff600000n;

export function vmaSize(v: Vma): bigint { return v.end - v.start; }
