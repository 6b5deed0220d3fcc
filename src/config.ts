// Validation at the edge: every user-configurable value is checked here, before the
// core sees it, with an error that names the bad value.

export type PagingMode = "none" | "legacy32" | "pae" | "4level" | "5level";
export type Quirks = "sdm" | "qemu";
export type TlbKind = "fast" | "arch" | "none";

export const PAGING_MODES: readonly PagingMode[] = ["none", "legacy32", "pae", "4level", "5level"];
export const KIB = 1024;
export const MIB = 1024 * KIB;
export const GIB = 1024 * MIB;
export const RAM_MIN = 1 * MIB;
export const RAM_MAX = 3.5 * GIB;
export const DEFAULT_RAM = 64 * MIB;

/** An option (of Machine.create, setControl, PageTableBuilder.map...) that is unknown or has a bad value. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * A call argument of the wrong type (a string where an address is expected...). A
 * subclass, so callers can tell our checks from a TypeError thrown by a bug.
 */
export class ArgumentTypeError extends TypeError {
  override name = "ArgumentTypeError";
}

/** A call argument of the right type outside its range (a negative address, a value wider than its register...). */
export class ArgumentRangeError extends RangeError {
  override name = "ArgumentRangeError";
}

/** A value as error messages show it: strings quoted, bigints in hex, objects as JSON (shortened). */
export function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "bigint") return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
  if (typeof v === "function") return "a function";
  if (typeof v === "symbol" || typeof v === "number" || typeof v === "boolean" || v === undefined) return String(v);
  if (v === null) return "null";
  let text: string;
  try { text = JSON.stringify(v, (_k, x: unknown) => typeof x === "bigint" ? `0x${x.toString(16)}` : x) ?? String(v); } catch { text = Object.prototype.toString.call(v); }
  return text.length > 60 ? text.slice(0, 60) + "…" : text;
}

/**
 * An options argument: undefined gives {}, anything but a plain object is refused, and so
 * is any key not in `valid` (a typo must not be ignored). `what` names the argument.
 */
export function checkOptions<T extends object>(value: T | undefined, valid: readonly (keyof T & string)[], what: string): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(`${what}: ${show(value)} is not an object of options (${valid.join(", ")})`);
  }
  checkKeys(value, valid, what);
  return value;
}

/** Refuse a key of `obj` that is not in `valid`, naming it and listing the valid ones. */
export function checkKeys(obj: object, valid: readonly string[], what: string): void {
  for (const key of Object.keys(obj)) {
    if (!valid.includes(key)) throw new ConfigError(`${what}: unknown option ${JSON.stringify(key)} (valid: ${valid.join(", ")})`);
  }
}

const TWO64 = 1n << 64n;

/** A u64 argument given as a bigint or a safe non-negative integer: anything else is refused, never truncated. */
export function toU64(v: unknown, what: string): bigint {
  if (typeof v === "bigint") {
    if (v < 0n || v >= TWO64) throw new ArgumentRangeError(`${what}: ${show(v)} does not fit 64 bits (0 to 0xffffffffffffffff)`);
    return v;
  }
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || v < 0) throw new ArgumentRangeError(`${what}: ${v} is not a safe non-negative integer (use a bigint)`);
    return BigInt(v);
  }
  throw new ArgumentTypeError(`${what}: ${show(v)} is not a bigint or a number`);
}

/** A whole number from `min` to `max` (both safe integers). */
export function toInt(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== "number") throw new ArgumentTypeError(`${what}: ${show(v)} is not a number`);
  if (!Number.isInteger(v) || v < min || v > max) throw new ArgumentRangeError(`${what}: ${v} is not a whole number from ${min} to ${max}`);
  return v;
}

/**
 * Bytes to write: a Uint8Array as it is, or an array-like of whole numbers 0..255 (copied).
 * A string, a wider typed array's values or anything else is refused, never truncated.
 */
export function toBytes(data: unknown, what: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  const len = data !== null && typeof data === "object" ? (data as { length?: unknown }).length : undefined;
  if (typeof len !== "number" || !Number.isSafeInteger(len) || len < 0) {
    throw new ArgumentTypeError(`${what}: ${show(data)} is not a Uint8Array or an array of bytes`);
  }
  const a = data as ArrayLike<unknown>;
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    const b = a[i];
    if (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 255) throw new ArgumentRangeError(`${what}[${i}]: ${show(b)} is not a byte (0 to 255)`);
    out[i] = b;
  }
  return out;
}

/** A boolean option (undefined allowed). */
export function toBool(v: unknown, what: string): boolean | undefined {
  if (v !== undefined && typeof v !== "boolean") throw new ConfigError(`${what}: ${show(v)} is not a boolean`);
  return v;
}

/** Geometry of one set-associative TLB. */
export interface TlbGeometry { entries: number; ways: number }

export interface TlbOptions {
  /** `fast`: direct-mapped for emulators; `arch`: L1 iTLB/dTLB + STLB study model; `none`: walk every access. */
  kind?: TlbKind;
  /** Fast TLB entries per (context, access kind): a power of two, 1..65536. Default 4096. */
  entries?: number;
  /**
   * Architectural TLB geometry as `{entries, ways}` or `"E/W"`. Defaults 64/8, 64/4, 1536/12.
   * Any ways count that divides the entries works, up to fully associative (ways = entries):
   * sets wider than 64 ways are compared in chunks of 64, so they cost more per lookup.
   */
  itlb?: TlbGeometry | string;
  dtlb?: TlbGeometry | string;
  stlb?: TlbGeometry | string;
}

export interface ResolvedTlb {
  kind: TlbKind;
  entries: number;
  itlb: TlbGeometry;
  dtlb: TlbGeometry;
  stlb: TlbGeometry;
}

export const DEFAULT_ITLB: TlbGeometry = { entries: 64, ways: 8 };
export const DEFAULT_DTLB: TlbGeometry = { entries: 64, ways: 4 };
export const DEFAULT_STLB: TlbGeometry = { entries: 1536, ways: 12 };
export const DEFAULT_FAST_ENTRIES = 4096;

function isPositiveInt(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n > 0;
}

export function validateRamBytes(ramBytes: unknown): number {
  if (typeof ramBytes !== "number" || !Number.isInteger(ramBytes)) {
    throw new ConfigError(`ramBytes: ${String(ramBytes)} is not a whole number of bytes`);
  }
  if (ramBytes % 4096 !== 0) throw new ConfigError(`ramBytes: ${ramBytes} is not a multiple of 4096 (4 KiB)`);
  if (ramBytes < RAM_MIN) throw new ConfigError(`ramBytes: ${ramBytes} is below the minimum of ${RAM_MIN} (1 MiB)`);
  if (ramBytes > RAM_MAX) throw new ConfigError(`ramBytes: ${ramBytes} is above the maximum of ${RAM_MAX} (3.5 GiB)`);
  return ramBytes;
}

/**
 * The guest-physical address of RAM's first byte (x86 0; RISC-V `virt` 0x80000000, Arm
 * `virt` 0x40000000): a whole number or bigint, 4 KiB aligned, with RAM ending at or below
 * 2^maxPhyAddr and 2^32 (per-call translations return the PA as a u32).
 */
export function validateRamBase(base: unknown, ramBytes: number, maxPhyAddr: number): number {
  const hex = (v: number) => `0x${v.toString(16)}`;
  const b = typeof base === "bigint" && base >= 0n && base <= 2n ** 53n ? Number(base) : base;
  if (typeof b !== "number" || !Number.isSafeInteger(b) || b < 0) {
    throw new ConfigError(`ramBase: ${show(base)} is not a physical address (a whole number or bigint, at least 0)`);
  }
  if (b % 4096 !== 0) throw new ConfigError(`ramBase: ${hex(b)} is not 4 KiB aligned`);
  const limit = Math.min(2 ** maxPhyAddr, 2 ** 32);
  if (b + ramBytes > limit) {
    throw new ConfigError(`ramBase: ${hex(b)} + ramBytes ${hex(ramBytes)} ends at ${hex(b + ramBytes)}, past ${hex(limit)} ` +
      `(RAM must end within 2^${Math.min(maxPhyAddr, 32)}: MAXPHYADDR, and the u32 PA a per-call translation returns)`);
  }
  return b;
}

export function validateMaxPhyAddr(m: unknown): number {
  if (typeof m !== "number" || !Number.isInteger(m) || m < 32 || m > 52) {
    throw new ConfigError(`maxPhyAddr: ${String(m)} is not a whole number from 32 to 52`);
  }
  return m;
}

export function validateMode(mode: unknown): PagingMode {
  if (!PAGING_MODES.includes(mode as PagingMode)) {
    throw new ConfigError(`mode: ${JSON.stringify(mode)} is not one of ${PAGING_MODES.join(", ")}`);
  }
  return mode as PagingMode;
}

export function validateQuirks(q: unknown): Quirks {
  if (q !== "sdm" && q !== "qemu") throw new ConfigError(`quirks: ${JSON.stringify(q)} is not "sdm" or "qemu"`);
  return q;
}

/** Parse and check a TLB geometry (`{entries, ways}` or `"E/W"`); `what` names it in errors. */
export function parseGeometry(value: TlbGeometry | string, what: string, maxEntries: number): TlbGeometry {
  let g: TlbGeometry;
  if (typeof value === "string") {
    const m = /^(\d+)\/(\d+)$/.exec(value.trim());
    if (!m) throw new ConfigError(`${what}: "${value}" is not of the form ENTRIES/WAYS (e.g. 64/4)`);
    g = { entries: Number(m[1]), ways: Number(m[2]) };
  } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    checkKeys(value, ["entries", "ways"], what);
    g = value;
  } else {
    throw new ConfigError(`${what}: ${show(value)} is not {entries, ways} or "ENTRIES/WAYS"`);
  }
  if (!isPositiveInt(g.entries)) throw new ConfigError(`${what}: entries ${String(g.entries)} is not a positive whole number`);
  if (!isPositiveInt(g.ways)) throw new ConfigError(`${what}: ways ${String(g.ways)} is not a positive whole number`);
  if (g.entries % g.ways !== 0) throw new ConfigError(`${what}: entries ${g.entries} is not a multiple of ways ${g.ways}`);
  if (g.entries > maxEntries) throw new ConfigError(`${what}: entries ${g.entries} is above the maximum of ${maxEntries}`);
  return { entries: g.entries, ways: g.ways };
}

const TLB_KEYS = ["kind", "entries", "itlb", "dtlb", "stlb"] as const;

export function resolveTlb(options: TlbOptions | undefined, maxFast: number, maxArch: number): ResolvedTlb {
  const t = checkOptions(options, TLB_KEYS, "tlb");
  const kind = t.kind ?? "fast";
  if (kind !== "fast" && kind !== "arch" && kind !== "none") {
    throw new ConfigError(`tlb.kind: ${JSON.stringify(kind)} is not "fast", "arch" or "none"`);
  }
  const entries = t.entries ?? DEFAULT_FAST_ENTRIES;
  if (!isPositiveInt(entries) || (entries & (entries - 1)) !== 0 || entries > maxFast) {
    throw new ConfigError(`tlb.entries: ${String(entries)} is not a power of two from 1 to ${maxFast}`);
  }
  return {
    kind,
    entries,
    itlb: parseGeometry(t.itlb ?? DEFAULT_ITLB, "tlb.itlb", maxArch),
    dtlb: parseGeometry(t.dtlb ?? DEFAULT_DTLB, "tlb.dtlb", maxArch),
    stlb: parseGeometry(t.stlb ?? DEFAULT_STLB, "tlb.stlb", maxArch),
  };
}
