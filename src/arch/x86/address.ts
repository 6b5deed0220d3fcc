// Virtual addresses at the API's edge: a safe non-negative integer number or a bigint
// below 2^64, split into the (lo, hi) u32 halves the core's hot exports take. Anything
// else is refused with the value named, never converted on a guess.
import { ArgumentRangeError, ArgumentTypeError, show } from "../../config.js";

export type VirtualAddress = number | bigint;

const TWO32 = 2 ** 32;

/** A VA as (lo, hi) u32 halves. `what` names the argument in errors. */
export function splitVa(va: VirtualAddress, what = "virtual address"): [number, number] {
  if (typeof va === "number") {
    if (!Number.isSafeInteger(va) || va < 0) throw new ArgumentRangeError(`${what} ${va} is not a safe non-negative integer (use a bigint)`);
    return [va % TWO32, Math.floor(va / TWO32)];
  }
  if (typeof va !== "bigint") throw new ArgumentTypeError(`${what} ${show(va)} is not a number or a bigint`);
  if (va < 0n || va >= 1n << 64n) throw new ArgumentRangeError(`${what} ${show(va)} does not fit 64 bits`);
  return [Number(va & 0xffffffffn), Number(va >> 32n)];
}

export function toBigVa(va: VirtualAddress, what = "virtual address"): bigint {
  const [lo, hi] = splitVa(va, what);
  return (BigInt(hi) << 32n) | BigInt(lo);
}
