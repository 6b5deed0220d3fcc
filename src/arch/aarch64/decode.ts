// AArch64 descriptors decoded for people (the walk trace, the CLI, the demo): the syntax
// of bits 1:0 at a level, the fields of a table or a block/page descriptor (Arm ARM D8.3),
// and a short flag string.
import type { A64Granule } from "./machine.js";

const GRANULE_BITS: Record<A64Granule, number> = { "4k": 12, "16k": 14, "64k": 16 };

export interface A64TableFields { kind: "table"; next: bigint; pxnTable: boolean; uxnTable: boolean; apTable: number }
export interface A64LeafFields {
  kind: "block" | "page"; oa: bigint; attrIndx: number; ns: boolean; ap: number; sh: number; af: boolean; ng: boolean;
  gp: boolean; dbm: boolean; contiguous: boolean; pxn: boolean; uxn: boolean;
}
export type A64DescriptorFields = A64TableFields | A64LeafFields | { kind: "invalid" } | { kind: "reserved" };

const bit = (v: bigint, b: number) => ((v >> BigInt(b)) & 1n) === 1n;

/**
 * The fields of descriptor `value` read at `level` with `granule`. The output address is
 * desc<47:granule bits> (a block's low bits below its size are RES0 and left out), with
 * OA[51:48] from desc<15:12> for 64K when `lpa`.
 */
export function decodeA64Descriptor(value: bigint, level: number, granule: A64Granule = "4k", lpa = false): A64DescriptorFields {
  if (!bit(value, 0)) return { kind: "invalid" };
  const g = GRANULE_BITS[granule];
  let addr = value & 0xffffffffffffn & ~((1n << BigInt(g)) - 1n);
  if (granule === "64k" && lpa) addr |= ((value >> 12n) & 0xfn) << 48n;
  if (bit(value, 1) && level < 3) {
    return { kind: "table", next: addr, pxnTable: bit(value, 59), uxnTable: bit(value, 60), apTable: Number((value >> 61n) & 3n) };
  }
  if (!bit(value, 1) && level === 3) return { kind: "reserved" };
  const size = BigInt(g + (g - 3) * (3 - level));
  return {
    kind: level === 3 ? "page" : "block", oa: addr & ~((1n << size) - 1n), attrIndx: Number((value >> 2n) & 7n), ns: bit(value, 5),
    ap: Number((value >> 6n) & 3n), sh: Number((value >> 8n) & 3n), af: bit(value, 10), ng: bit(value, 11), gp: bit(value, 50),
    dbm: bit(value, 51), contiguous: bit(value, 52), pxn: bit(value, 53), uxn: bit(value, 54),
  };
}

const AP_NAMES = ["EL1 RW", "EL0+EL1 RW", "EL1 RO", "EL0+EL1 RO"];

/** A one-line summary: `table → 0x… PXNTable APTable=1`, `page AP=EL0+EL1 RO AF nG UXN`, `invalid`. */
export function describeA64Descriptor(value: bigint, level: number, granule: A64Granule = "4k", lpa = false): string {
  const f = decodeA64Descriptor(value, level, granule, lpa);
  if (f.kind === "invalid" || f.kind === "reserved") return f.kind;
  if (f.kind === "table") {
    return [`table -> 0x${f.next.toString(16)}`, f.pxnTable && "PXNTable", f.uxnTable && "UXNTable", f.apTable && `APTable=${f.apTable}`]
      .filter(Boolean).join(" ");
  }
  return [`${f.kind} 0x${f.oa.toString(16)}`, `AP=${AP_NAMES[f.ap]}`, f.af ? "AF" : "!AF", f.ng && "nG", f.dbm && "DBM",
    f.contiguous && "Contig", f.pxn && "PXN", f.uxn && "UXN"].filter(Boolean).join(" ");
}
