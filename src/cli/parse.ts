// Parsing of command-line and JSON values: numbers (hex or decimal, via BigInt), page
// sizes, mapping flags, `--map` specs and control-bit lists. Every failure is a usage
// error (exit 1: these are mostly option values) naming the value; a parser of input
// data (the tables file) wraps them with `asBadInput` (exit 2).
import { PAGE_1G, PAGE_2M, PAGE_4K, PAGE_4M, type MapFlags, type PageSize } from "../arch/x86/pageTable.js";
import { usage } from "./errors.js";

const NUMBER = /^(0x[0-9a-f]+(_[0-9a-f]+)*|[0-9]+(_[0-9]+)*)$/i;
const NEGATIVE = /^-(0x[0-9a-f]+|[0-9]+)$/i;

/** `0x…` hex or decimal (underscores allowed between digits), as a BigInt. `what` names the value in errors. */
export function parseNumber(text: unknown, what: string): bigint {
  if (typeof text === "number") {
    if (Number.isSafeInteger(text) && text >= 0) return BigInt(text);
    throw usage(`${what}: ${text} is not a non-negative whole number (write large values as "0x…" strings)`);
  }
  if (typeof text !== "string") throw usage(`${what}: ${JSON.stringify(text)} is not a number`);
  const t = text.trim();
  if (NEGATIVE.test(t)) throw usage(`${what}: ${t} is negative (expected a whole number >= 0, hex with 0x or decimal)`);
  if (!NUMBER.test(t)) throw usage(`${what}: "${text}" is not a number (hex with 0x, or decimal)`);
  return BigInt(t.replace(/_/g, ""));
}

/** A number below 2^bits. */
export function parseUnsigned(text: unknown, what: string, bits: number): bigint {
  const v = parseNumber(text, what);
  if (v >= 1n << BigInt(bits)) throw usage(`${what}: ${String(text)} does not fit ${bits} bits`);
  return v;
}

/** A whole number in [min, max]. */
export function parseIntIn(text: unknown, what: string, min: number, max: number): number {
  if (typeof text === "string" && NEGATIVE.test(text.trim())) throw usage(`${what}: ${text.trim()} is not ${min}..${max}`);
  const v = parseNumber(text, what);
  if (v < BigInt(min) || v > BigInt(max)) throw usage(`${what}: ${String(text)} is not ${min}..${max}`);
  return Number(v);
}

/** A value from a fixed list. */
export function parseChoice<T extends string>(text: string, what: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw usage(`${what}: "${text}" is not one of ${choices.join(", ")}`);
  return text as T;
}

const SIZES: Record<string, PageSize> = { "4k": PAGE_4K, "2m": PAGE_2M, "4m": PAGE_4M, "1g": PAGE_1G };
export const SIZE_NAMES = Object.keys(SIZES);

/** `4k|2m|4m|1g` (or the byte count) as a page size. */
export function parsePageSize(text: unknown, what: string): PageSize {
  if (typeof text === "string" && SIZES[text.toLowerCase()] !== undefined) return SIZES[text.toLowerCase()]!;
  if (typeof text === "number" && (Object.values(SIZES) as number[]).includes(text)) return text as PageSize;
  throw usage(`${what}: ${JSON.stringify(text)} is not a page size (${SIZE_NAMES.join(", ")})`);
}

export const FLAG_NAMES = ["rw", "ro", "user", "supervisor", "nx", "global", "accessed", "dirty", "pwt", "pcd", "key=N"];

/** Mapping flags (default rw, supervisor) from names: rw ro user supervisor nx global accessed dirty pwt pcd key=N. */
export function parseMapFlags(names: readonly string[], what: string): MapFlags {
  const f: MapFlags = { write: true, user: false };
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (name === "") continue;
    if (name === "rw") f.write = true;
    else if (name === "ro") f.write = false;
    else if (name === "user" || name === "u") f.user = true;
    else if (name === "supervisor" || name === "s") f.user = false;
    else if (name === "nx" || name === "xd") f.nx = true;
    else if (name === "global" || name === "g") f.global = true;
    else if (name === "accessed" || name === "a") f.accessed = true;
    else if (name === "dirty" || name === "d") f.dirty = true;
    else if (name === "pwt") f.pwt = true;
    else if (name === "pcd") f.pcd = true;
    else if (name.startsWith("key=")) f.key = parseIntIn(name.slice(4), `${what}: key`, 0, 15);
    else throw usage(`${what}: unknown flag "${raw}" (flags: ${FLAG_NAMES.join(", ")})`);
  }
  return f;
}

/** `3k`, `8K`, `16m`, `4096`, `2MiB`: meant as a size, so refused as one rather than as an unknown flag. */
const LOOKS_LIKE_SIZE = /^[0-9]+\s*([kmgt](i?b)?|b)?$/i;

export interface MappingSpec { va: bigint; pa: bigint; size: PageSize; flags: MapFlags }

/** `VA=PA[:SIZE][:FLAGS]`, e.g. `0x400000=0x200000:4k:user,ro`. SIZE may be left out: `0x1000=0x2000:user`. */
export function parseMapSpec(spec: string): MappingSpec {
  const what = `--map ${spec}`;
  const eq = spec.indexOf("=");
  if (eq < 0) throw usage(`${what}: expected VA=PA[:SIZE][:FLAGS]`);
  const [paText, ...rest] = spec.slice(eq + 1).split(":");
  if (rest.length > 2) throw usage(`${what}: expected VA=PA[:SIZE][:FLAGS] (too many ':' fields)`);
  const va = parseUnsigned(spec.slice(0, eq), `${what}: VA`, 64);
  const pa = parseUnsigned(paText, `${what}: PA`, 52);
  let size: PageSize = PAGE_4K;
  let flagText = "";
  if (rest.length === 2) { size = parsePageSize(rest[0], `${what}: size`); flagText = rest[1]!; }
  else if (rest.length === 1) {
    if (SIZES[rest[0]!.toLowerCase()] !== undefined) size = SIZES[rest[0]!.toLowerCase()]!;
    else if (LOOKS_LIKE_SIZE.test(rest[0]!.trim())) size = parsePageSize(rest[0], `${what}: size`);   // refused, listing the sizes
    else flagText = rest[0]!;
  }
  return { va, pa, size, flags: parseMapFlags(flagText.split(","), what) };
}

/** The named control bits `--control` and the JSON `control` object accept. */
export const CONTROL_NAMES = ["wp", "pse", "pge", "smep", "smap", "pke", "pcide", "nxe", "ac"] as const;
export type ControlName = (typeof CONTROL_NAMES)[number];
export type ControlBits = Partial<Record<ControlName, boolean>>;

/** `wp,smep,no-nxe`: listed bits set, `no-` bits cleared, others left at the mode's defaults. */
export function parseControlList(list: string, what = "--control"): ControlBits {
  const out: ControlBits = {};
  for (const raw of list.split(",")) {
    const item = raw.trim().toLowerCase();
    if (item === "") continue;
    const off = item.startsWith("no-");
    const name = off ? item.slice(3) : item;
    if (!(CONTROL_NAMES as readonly string[]).includes(name)) {
      throw usage(`${what}: unknown control bit "${raw}" (bits: ${CONTROL_NAMES.join(", ")}; prefix no- to clear)`);
    }
    out[name as ControlName] = !off;
  }
  return out;
}

/** The JSON form: `{"wp": true, "nxe": false}`. */
export function parseControlObject(obj: unknown, what = "control"): ControlBits {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw usage(`${what}: expected an object of booleans`);
  const out: ControlBits = {};
  for (const [key, value] of Object.entries(obj)) {
    if (!(CONTROL_NAMES as readonly string[]).includes(key)) {
      throw usage(`${what}: unknown control bit "${key}" (bits: ${CONTROL_NAMES.join(", ")})`);
    }
    if (typeof value !== "boolean") throw usage(`${what}.${key}: ${JSON.stringify(value)} is not true or false`);
    out[key as ControlName] = value;
  }
  return out;
}
