// Linux's user-visible constants (uapi values, x86-64) and the kernel's error types.

export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
export const PROT_SEM = 0x8;
export const PROT_GROWSDOWN = 0x01000000;
export const PROT_GROWSUP = 0x02000000;

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_32BIT = 0x40;
export const MAP_GROWSDOWN = 0x0100;
export const MAP_DENYWRITE = 0x0800;
export const MAP_EXECUTABLE = 0x1000;
export const MAP_LOCKED = 0x2000;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;
export const MAP_NONBLOCK = 0x10000;
export const MAP_STACK = 0x20000;
export const MAP_HUGETLB = 0x40000;
export const MAP_FIXED_NOREPLACE = 0x100000;
export const MAP_UNINITIALIZED = 0x4000000;
export const MAP_HUGE_2MB = 21 << 26;
export const MAP_HUGE_1GB = 30 << 26;
/** include/linux/mman.h: the flags every mmap implementation accepts; MAP_SHARED_VALIDATE refuses any other (EOPNOTSUPP). */
export const LEGACY_MAP_MASK = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | MAP_EXECUTABLE |
  MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB |
  MAP_32BIT | MAP_HUGE_2MB | MAP_HUGE_1GB;

export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;
export const MREMAP_DONTUNMAP = 4;

/** madvise advice (uapi asm-generic/mman-common.h). */
export const MADV_NORMAL = 0;
export const MADV_RANDOM = 1;
export const MADV_SEQUENTIAL = 2;
export const MADV_WILLNEED = 3;
export const MADV_DONTNEED = 4;
export const MADV_FREE = 8;
export const MADV_REMOVE = 9;
export const MADV_DONTFORK = 10;
export const MADV_DOFORK = 11;
export const MADV_MERGEABLE = 12;
export const MADV_UNMERGEABLE = 13;
export const MADV_HUGEPAGE = 14;
export const MADV_NOHUGEPAGE = 15;
export const MADV_DONTDUMP = 16;
export const MADV_DODUMP = 17;
export const MADV_WIPEONFORK = 18;
export const MADV_KEEPONFORK = 19;
export const MADV_COLD = 20;
export const MADV_PAGEOUT = 21;
export const MADV_POPULATE_READ = 22;
export const MADV_POPULATE_WRITE = 23;
export const MADV_DONTNEED_LOCKED = 24;
export const MADV_COLLAPSE = 25;

/** errno values (asm-generic/errno-base.h). */
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EBADF = 9;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EEXIST = 17;
export const EINVAL = 22;
export const EOVERFLOW = 75;
export const EOPNOTSUPP = 95;

const ERRNO_NAMES: Record<number, string> = {
  [EPERM]: "EPERM", [ENOENT]: "ENOENT", [ESRCH]: "ESRCH", [EBADF]: "EBADF", [ENOMEM]: "ENOMEM", [EACCES]: "EACCES",
  [EFAULT]: "EFAULT", [EEXIST]: "EEXIST", [EINVAL]: "EINVAL", [EOVERFLOW]: "EOVERFLOW", [EOPNOTSUPP]: "EOPNOTSUPP",
};

/** A system call failed: `errno` as Linux would return it (the call returns -errno there). */
export class KernelError extends Error {
  override name = "KernelError";
  readonly code: string;
  constructor(readonly errno: number, what: string) {
    super(`${ERRNO_NAMES[errno] ?? `errno ${errno}`}: ${what}`);
    this.code = ERRNO_NAMES[errno] ?? String(errno);
  }
}

/**
 * A JS argument no C caller could pass: not an integer, negative, 2^64 or more, not a
 * Uint8Array, not a MappedFile... Refused before any state changes, with errno EINVAL
 * (what Linux says to a value it cannot use) and `argument` naming the parameter.
 */
export class ArgumentError extends KernelError {
  override name = "ArgumentError";
  constructor(readonly argument: string, what: string) { super(EINVAL, what); }
}

/** An access the process may not make: the kernel would deliver SIGSEGV. */
export class SegmentationFault extends Error {
  override name = "SegmentationFault";
  constructor(readonly address: bigint, readonly reason: "no mapping" | "permission" | "kernel address" | "out of memory",
              readonly access: "read" | "write" | "fetch") {
    super(`SIGSEGV: ${access} at 0x${address.toString(16)}: ${reason}`);
  }
}
