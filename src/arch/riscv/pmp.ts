// PMP entries at the API's edge: raw ({ cfg, addr }: the pmpcfg byte and the pmpaddr CSR)
// or by region ({ match: "napot" | "na4" | "tor", ... , r, w, x }), checked and encoded
// as the CSRs hold them (pmpaddr = address bits 55:2 on RV64, 33:2 on RV32).
import { ArgumentRangeError, ArgumentTypeError, checkKeys, show, toBool, toInt, toU64 } from "../../config.js";

export type PmpEntry =
  | { cfg: number; addr: bigint | number }
  | { match: "napot"; base: bigint | number; size: bigint | number; r?: boolean; w?: boolean; x?: boolean }
  | { match: "na4"; base: bigint | number; r?: boolean; w?: boolean; x?: boolean }
  /** Top of range: matches [previous entry's address, top) (from 0 for the first entry). */
  | { match: "tor"; top: bigint | number; r?: boolean; w?: boolean; x?: boolean }
  | { match: "off" };

const A_TOR = 1, A_NA4 = 2, A_NAPOT = 3;
const hex = (v: bigint) => `0x${v.toString(16)}`;

/** The raw (pmpcfg, pmpaddr) of entry `i`. */
export function pmpRaw(e: PmpEntry, i: number, xlen: 32 | 64): { cfg: number; addr: bigint } {
  const what = `PMP entry ${i}`;
  if (e === null || typeof e !== "object") throw new ArgumentTypeError(`${what}: ${show(e)} is not an object`);
  const addrBits = xlen === 32 ? 32n : 54n;
  const paBits = addrBits + 2n;
  if ("cfg" in e) {
    checkKeys(e, ["cfg", "addr"], what);
    const cfg = toInt(e.cfg, `${what} cfg`, 0, 0xff);
    const addr = toU64(e.addr, `${what} addr`);
    if (addr >= 1n << addrBits) throw new ArgumentRangeError(`${what}: pmpaddr ${hex(addr)} is wider than ${addrBits} bits`);
    if ((cfg & 3) === 2) throw new ArgumentRangeError(`${what}: cfg ${cfg} has W without R (reserved)`);
    return { cfg, addr };
  }
  // Every friendly form's fields, read loosely: checkKeys below refuses any field a form does not have.
  const f = e as { match?: unknown; base?: bigint | number; size?: bigint | number; top?: bigint | number; r?: boolean; w?: boolean; x?: boolean };
  const m = f.match;
  const perms = (x: { r?: boolean; w?: boolean; x?: boolean }) => {
    const r = toBool(x.r, `${what} r`) ?? false, w = toBool(x.w, `${what} w`) ?? false, ex = toBool(x.x, `${what} x`) ?? false;
    if (w && !r) throw new ArgumentRangeError(`${what}: w without r is reserved`);
    return (r ? 1 : 0) | (w ? 2 : 0) | (ex ? 4 : 0);
  };
  if (m === "off") { checkKeys(e, ["match"], what); return { cfg: 0, addr: 0n }; }
  if (m === "napot") {
    checkKeys(e, ["match", "base", "size", "r", "w", "x"], what);
    const base = toU64(f.base, `${what} base`), size = toU64(f.size, `${what} size`);
    if (size < 8n || (size & (size - 1n)) !== 0n) throw new ArgumentRangeError(`${what}: size ${hex(size)} is not a power of two of at least 8`);
    if (base % size !== 0n) throw new ArgumentRangeError(`${what}: base ${hex(base)} is not aligned to its size ${hex(size)}`);
    if (base + size > 1n << paBits) throw new ArgumentRangeError(`${what}: ${hex(base)} + ${hex(size)} is past ${paBits}-bit addresses`);
    const addr = size === 1n << paBits ? (1n << addrBits) - 1n : (base >> 2n) | ((size >> 3n) - 1n);
    return { cfg: (A_NAPOT << 3) | perms(f), addr };
  }
  if (m === "na4") {
    checkKeys(e, ["match", "base", "r", "w", "x"], what);
    const base = toU64(f.base, `${what} base`);
    if (base % 4n !== 0n || base >= 1n << paBits) throw new ArgumentRangeError(`${what}: base ${hex(base)} is not a 4-byte aligned ${paBits}-bit address`);
    return { cfg: (A_NA4 << 3) | perms(f), addr: base >> 2n };
  }
  if (m === "tor") {
    checkKeys(e, ["match", "top", "r", "w", "x"], what);
    const top = toU64(f.top, `${what} top`);
    if (top % 4n !== 0n || top > (1n << paBits)) throw new ArgumentRangeError(`${what}: top ${hex(top)} is not a 4-byte aligned ${paBits}-bit address`);
    return { cfg: (A_TOR << 3) | perms(f), addr: top === 1n << paBits ? (1n << addrBits) - 1n : top >> 2n };
  }
  throw new ArgumentRangeError(`${what}: ${show(e)} is not { cfg, addr } or { match: "napot" | "na4" | "tor" | "off", ... }`);
}
