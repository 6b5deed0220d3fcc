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

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Geometry of one set-associative TLB. */
export interface TlbGeometry { entries: number; ways: number }

export interface TlbOptions {
  /** `fast`: direct-mapped for emulators; `arch`: L1 iTLB/dTLB + STLB study model; `none`: walk every access. */
  kind?: TlbKind;
  /** Fast TLB entries per (context, access kind): a power of two, 1..65536. Default 4096. */
  entries?: number;
  /** Architectural TLB geometry as `{entries, ways}` or `"E/W"`. Defaults 64/8, 64/4, 1536/12. */
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
  } else {
    g = value;
  }
  if (!isPositiveInt(g.entries)) throw new ConfigError(`${what}: entries ${String(g.entries)} is not a positive whole number`);
  if (!isPositiveInt(g.ways)) throw new ConfigError(`${what}: ways ${String(g.ways)} is not a positive whole number`);
  if (g.entries % g.ways !== 0) throw new ConfigError(`${what}: entries ${g.entries} is not a multiple of ways ${g.ways}`);
  if (g.entries > maxEntries) throw new ConfigError(`${what}: entries ${g.entries} is above the maximum of ${maxEntries}`);
  return { entries: g.entries, ways: g.ways };
}

export function resolveTlb(t: TlbOptions | undefined, maxFast: number, maxArch: number): ResolvedTlb {
  const kind = t?.kind ?? "fast";
  if (kind !== "fast" && kind !== "arch" && kind !== "none") {
    throw new ConfigError(`tlb.kind: ${JSON.stringify(kind)} is not "fast", "arch" or "none"`);
  }
  const entries = t?.entries ?? DEFAULT_FAST_ENTRIES;
  if (!isPositiveInt(entries) || (entries & (entries - 1)) !== 0 || entries > maxFast) {
    throw new ConfigError(`tlb.entries: ${String(entries)} is not a power of two from 1 to ${maxFast}`);
  }
  return {
    kind,
    entries,
    itlb: parseGeometry(t?.itlb ?? DEFAULT_ITLB, "tlb.itlb", maxArch),
    dtlb: parseGeometry(t?.dtlb ?? DEFAULT_DTLB, "tlb.dtlb", maxArch),
    stlb: parseGeometry(t?.stlb ?? DEFAULT_STLB, "tlb.stlb", maxArch),
  };
}
