// Is the C baseline the same algorithm? Both sides run the same pass from the same state and
// must give the same result for every access (PA, or fault kind and error code) and move the
// same counters (hits, misses, walks, faults, evictions, entry reads, A/D writes): a TLB that
// walked on every access would give the right PAs but not the right counters. A mismatch throws.
import { readFileSync } from "node:fs";
import type { TlbStats } from "../../src/tlbStats.js";
import type { Stream } from "./image.js";

export interface PassReport { hash: number; faults: number; counters: Record<string, number> }

/** The answer of mmu-bench.c's `pass`: HASH FAULTS key=value... */
export function parsePass(fields: string[]): PassReport {
  const [hash, faults, ...rest] = fields;
  const counters: Record<string, number> = {};
  for (const kv of rest) {
    const [k, v] = kv.split("=");
    counters[k!] = Number(v);
  }
  return { hash: Number(hash), faults: Number(faults), counters };
}

/** The counters named `keys` ("fast.hits", "totals.walks", ...) moved between two snapshots of the core's stats. */
export function statsDelta(before: TlbStats, after: TlbStats, keys: string[]): Record<string, number> {
  const get = (s: TlbStats, key: string): number => {
    const [level, field] = key.split(".") as [string, string];
    const block = (s as unknown as Record<string, Record<string, number> | undefined>)[level];
    const v = block?.[field];
    if (typeof v !== "number") throw new Error(`the core reports no counter ${key} for TLB kind ${s.kind}`);
    return v;
  };
  return Object.fromEntries(keys.map((k) => [k, get(after, k) - get(before, k)]));
}

/** A result as words [lo, hi]: a PA, or ~(kind << 32 | error code). */
export function describe(lo: number, hi: number): string {
  if ((hi | 0) >= 0) return `PA 0x${((hi >>> 0) * 2 ** 32 + (lo >>> 0)).toString(16)}`;
  const kind = ~hi, ec = (~lo) >>> 0;
  return `fault kind ${kind} error code 0x${ec.toString(16)}`;
}

function va(s: Stream, i: number): string {
  return `0x${((s.words[2 * i + 1]! >>> 0) * 2 ** 32 + (s.words[2 * i]! >>> 0)).toString(16)}`;
}

/** Throw at the first access where the two sides' results differ. */
export function compareResults(what: string, s: Stream, wasm: Int32Array, other: Int32Array): void {
  for (let i = 0; i < s.acc.length; i++) {
    if (wasm[2 * i] !== other[2 * i] || wasm[2 * i + 1] !== other[2 * i + 1]) {
      throw new Error(`${what}: item ${i} (VA ${va(s, i)}, access byte ${s.acc[i]}): wasm-mmu gives ` +
        `${describe(wasm[2 * i]!, wasm[2 * i + 1]!)}, the baseline ${describe(other[2 * i]!, other[2 * i + 1]!)}`);
    }
  }
}

export function compareCounters(what: string, wasm: Record<string, number>, other: Record<string, number>): void {
  const diff = Object.keys(other).filter((k) => wasm[k] !== other[k]);
  if (diff.length > 0) {
    throw new Error(`${what}: counters disagree: ${diff.map((k) => `${k} wasm-mmu ${wasm[k]}, C ${other[k]}`).join("; ")}`);
  }
}

/** The results mmu-bench.c dumped (i64 little-endian) as words. */
export function readResults(path: string): Int32Array {
  const b = readFileSync(path);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Tally of a pass's outcomes: PAs, and each fault kind with its distinct error codes. */
export function tally(words: Int32Array, items: number): { pas: number; faults: Map<number, Set<number>> } {
  let pas = 0;
  const faults = new Map<number, Set<number>>();
  for (let i = 0; i < items; i++) {
    const hi = words[2 * i + 1]!;
    if (hi >= 0) { pas++; continue; }
    const kind = ~hi;
    if (!faults.has(kind)) faults.set(kind, new Set());
    faults.get(kind)!.add((~words[2 * i]!) >>> 0);
  }
  return { pas, faults };
}
