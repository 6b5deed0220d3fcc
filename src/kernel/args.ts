// The edge of the kernel's JS API: what a C caller could pass, checked before any state
// changes. Addresses and lengths are C `unsigned long`s: a number that is a whole number
// in [0, 2^64) (exact, since a JS integer is what it is) or a bigint in that range. A
// negative number is refused rather than read as its two's complement ((size_t)-1):
// in JS it is far more likely a bug than a deliberate 2^64 - 1, and a caller who means
// that writes 2n ** 64n - 1n. prot, flags and advice are C `int`s: whole numbers that fit
// 32 bits, read as a bit pattern (0xffffffff is -1). Everything else (non-integers,
// strings, objects where numbers go) is an ArgumentError: errno EINVAL, naming the
// argument and what was expected. Values that pass go on to Linux's own rules.
import { ArgumentError } from "./constants.js";
import type { MappedFile } from "./process.js";
import type { Access } from "./kernel.js";

const TWO64 = 1n << 64n;
const TWO64_NUM = 2 ** 64;

/** A value as an error message shows it: short, and never "0x-1". */
export function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "number" || typeof v === "boolean" || v === undefined || v === null) return String(v);
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  return Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** An `unsigned long` (address or length). */
export function u64(call: string, name: string, v: unknown): bigint {
  if (typeof v === "bigint") { if (v >= 0n && v < TWO64) return v; }
  else if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < TWO64_NUM) return BigInt(v);
  throw new ArgumentError(name, `${call}: ${name} ${show(v)} is not an unsigned 64-bit integer ` +
    `(want a whole number in [0, 2^64), as a number or a bigint)`);
}

/** A C `int` (prot, flags, advice), as its 32-bit pattern. */
export function int32(call: string, name: string, v: unknown): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 32) return v | 0;
  throw new ArgumentError(name, `${call}: ${name} ${show(v)} is not a 32-bit integer (a C int)`);
}

/** A byte count for read(): a whole number in [0, max]. */
export function count(call: string, name: string, v: unknown, max: number): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max) return v;
  throw new ArgumentError(name, `${call}: ${name} ${show(v)} is not a byte count in [0, ${max}]`);
}

export function bytes(call: string, name: string, v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new ArgumentError(name, `${call}: ${name} ${show(v)} is not a Uint8Array`);
}

export function access(call: string, v: unknown): Access {
  if (v === "read" || v === "write" || v === "fetch") return v;
  throw new ArgumentError("access", `${call}: access ${show(v)} is not "read", "write" or "fetch"`);
}

/** The file argument of mmap (a MappedFile, as a C caller's fd is an open file). */
export function mappedFile(call: string, v: unknown): MappedFile | null {
  if (v === undefined || v === null) return null;
  const bad = (what: string): never => { throw new ArgumentError("file", `${call}: file ${what}`); };
  if (typeof v !== "object") bad(`${show(v)} is not a MappedFile`);
  const f = v as Record<string, unknown>;
  if (typeof f.path !== "string") bad(`.path ${show(f.path)} is not a string`);
  if (typeof f.dev !== "number" || !Number.isInteger(f.dev) || f.dev < 0 || f.dev >= 2 ** 32) {
    bad(`.dev ${show(f.dev)} is not a dev_t (major << 20 | minor, a whole number below 2^32)`);
  }
  if (typeof f.inode !== "bigint" || f.inode < 0n || f.inode >= TWO64) bad(`.inode ${show(f.inode)} is not a bigint in [0, 2^64)`);
  if (typeof f.deleted !== "boolean") bad(`.deleted ${show(f.deleted)} is not a boolean`);
  for (const key of ["shmem", "writable"] as const) {
    if (f[key] !== undefined && typeof f[key] !== "boolean") bad(`.${key} ${show(f[key])} is not a boolean`);
  }
  if (f.content !== undefined && !(f.content instanceof Uint8Array)) bad(`.content ${show(f.content)} is not a Uint8Array`);
  return v as MappedFile;
}
