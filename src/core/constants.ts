// Constants and offsets come from the core's exports (assembly/constants/*, assembly/arch/*/constants.ts): one source
// of truth. `num` holds every constant as a JS number (exact for all offsets, bits
// below 2^53 and the power of two 2^63), `big` as a BigInt for 64-bit mask arithmetic.
// A 64-bit constant (an i64 global: the core's u64s) reads unsigned, so PTE_XD is 2^63
// and `cr3 | CR3_NOFLUSH` is a valid u64, not a negative BigInt.
// Unknown names throw, so a typo cannot silently read `undefined`; only the names
// generic code probes any object for (JSON's toJSON, a promise's then) read as absent.

import type { ConstantName } from "./constantNames.generated.js";

export type { ConstantName };
export interface CoreConstants {
  readonly num: Readonly<Record<ConstantName, number>>;
  readonly big: Readonly<Record<ConstantName, bigint>>;
}

/** Property names that JSON.stringify, await and similar look up on any object: absent, not an error. */
const PROBED = new Set(["toJSON", "then"]);

function strict<T>(values: Record<string, T>, what: string): Readonly<Record<ConstantName, T>> {
  return new Proxy(Object.freeze(values), {
    get(target, name) {
      if (typeof name === "string" && !(name in target)) {
        if (PROBED.has(name)) return undefined;
        throw new Error(`no core constant named ${name} (${what})`);
      }
      return target[name as string];
    },
  }) as Readonly<Record<ConstantName, T>>;
}

export function readConstants(raw: WebAssembly.Exports): CoreConstants {
  const num: Record<string, number> = {};
  const big: Record<string, bigint> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!(value instanceof WebAssembly.Global)) continue;
    const raw = value.value as number | bigint;
    const v = typeof raw === "bigint" ? BigInt.asUintN(64, raw) : raw;
    num[name] = Number(v);
    big[name] = BigInt(v);
  }
  return { num: strict(num, "number"), big: strict(big, "bigint") };
}
