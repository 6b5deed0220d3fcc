// Linux's user-visible constants (uapi values, x86-64) and the kernel's error types.

export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_GROWSDOWN = 0x0100;
export const MAP_POPULATE = 0x8000;
export const MAP_FIXED_NOREPLACE = 0x100000;

export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;

export const MADV_DONTNEED = 4;

/** errno values (asm-generic/errno-base.h). */
export const EPERM = 1;
export const ENOENT = 2;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EEXIST = 17;
export const EINVAL = 22;

const ERRNO_NAMES: Record<number, string> = {
  [EPERM]: "EPERM", [ENOENT]: "ENOENT", [ENOMEM]: "ENOMEM", [EACCES]: "EACCES", [EFAULT]: "EFAULT",
  [EEXIST]: "EEXIST", [EINVAL]: "EINVAL",
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

/** An access the process may not make: the kernel would deliver SIGSEGV. */
export class SegmentationFault extends Error {
  override name = "SegmentationFault";
  constructor(readonly address: bigint, readonly reason: "no mapping" | "permission" | "kernel address" | "out of memory",
              readonly access: "read" | "write" | "fetch") {
    super(`SIGSEGV: ${access} at 0x${address.toString(16)}: ${reason}`);
  }
}
