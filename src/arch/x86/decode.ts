// Human-readable decoding of x86 paging values: entries, #PF error codes, level names.
// Bit positions come from the core's constants (src/core/constants.ts).
import type { CoreConstants } from "../../core/constants.js";
import type { PagingMode } from "../../config.js";

/** #PF, #GP(0), a physical address outside RAM, or an access value that is not an access byte (an embedder's error). */
export type FaultKind = "PF" | "GP" | "BUS" | "BAD_ACCESS";

export interface PfErrorBits { P: boolean; W: boolean; U: boolean; RSVD: boolean; ID: boolean; PK: boolean }

/** Level names as the SDM uses them, per mode (level 1 = the last table). */
export function levelName(mode: PagingMode, level: number): string {
  if (level === 5) return "PML5";
  if (level === 4) return "PML4";
  if (level === 3) return mode === "pae" ? "PDPTE register" : "PDPT";
  if (level === 2) return "PD";
  if (level === 1) return "PT";
  return "-";
}

export function decodeErrorCode(k: CoreConstants, ec: number): PfErrorBits {
  const n = k.num;
  return {
    P: (ec & n.PF_P) !== 0, W: (ec & n.PF_W) !== 0, U: (ec & n.PF_U) !== 0,
    RSVD: (ec & n.PF_RSVD) !== 0, ID: (ec & n.PF_ID) !== 0, PK: (ec & n.PF_PK) !== 0,
  };
}

/** "0x7 = P W U: protection violation, write, user mode" style text. */
export function describeErrorCode(k: CoreConstants, ec: number): string {
  const b = decodeErrorCode(k, ec);
  const set = (Object.keys(b) as (keyof PfErrorBits)[]).filter((f) => b[f]);
  const cause = b.RSVD ? "reserved bit set in a paging entry"
    : b.PK ? "protection-key violation"
    : b.P ? "protection violation" : "page not present";
  const access = b.ID ? "instruction fetch" : b.W ? "write" : "read";
  return `0x${ec.toString(16)} = ${set.length ? set.join(" ") : "(no bits)"}: ${cause}, ${access}, ${b.U ? "user" : "supervisor"} mode`;
}

/** Names of the bits set in an entry, reading PS/PAT/D/G as the entry's position decides. */
export function describeEntry(k: CoreConstants, value: bigint, level: number, mode: PagingMode, narrow: boolean): string {
  const B = k.big;
  const has = (bit: bigint) => (value & bit) !== 0n;
  if (!has(B.PTE_PRESENT)) return "not present";
  const out: string[] = ["P"];
  if (mode === "pae" && level === 3) {
    if (has(B.PTE_PWT)) out.push("PWT");
    if (has(B.PTE_PCD)) out.push("PCD");
    return out.join(" ");
  }
  out.push(has(B.PTE_WRITE) ? "RW" : "RO", has(B.PTE_USER) ? "U" : "S");
  if (has(B.PTE_PWT)) out.push("PWT");
  if (has(B.PTE_PCD)) out.push("PCD");
  if (has(B.PTE_ACCESSED)) out.push("A");
  const large = level > 1 && has(B.PTE_PS);
  const leaf = level === 1 || large;
  if (leaf && has(B.PTE_DIRTY)) out.push("D");
  if (large) out.push("PS");
  else if (level === 1 && has(B.PTE_PS)) out.push("PAT");
  if (leaf && has(B.PTE_GLOBAL)) out.push("G");
  if (!narrow && has(B.PTE_XD)) out.push("XD");
  if (!narrow && leaf && (mode === "4level" || mode === "5level")) {
    const key = Number((value >> BigInt(k.num.PTE_PKEY_SHIFT)) & 15n);
    if (key) out.push(`PK=${key}`);
  }
  return out.join(" ");
}

/** Index of `va` into the table at `level`. */
export function tableIndex(mode: PagingMode, va: bigint, level: number): number {
  if (mode === "legacy32") return Number((va >> (level === 2 ? 22n : 12n)) & 1023n);
  if (mode === "pae" && level === 3) return Number((va >> 30n) & 3n);
  return Number((va >> BigInt(12 + 9 * (level - 1))) & 511n);
}

export function hex(v: bigint | number): string {
  return "0x" + v.toString(16);
}
