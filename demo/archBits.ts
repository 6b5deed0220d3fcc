// What the walk panel draws for RISC-V Sv39 and AArch64 4K: the VA's index fields with
// each arch's own names and colours, and a descriptor split into its fields as each
// architecture names them. The field values come from src/arch/*/decode.ts (the decoding
// the CLI prints), never re-derived here; only the bit ranges are labels.
import type { CoreConstants } from "../src/core/constants.js";
import { decodePte } from "../src/arch/riscv/decode.js";
import { decodeA64Descriptor } from "../src/arch/aarch64/decode.js";
import type { OtherArch } from "./archMaps.js";

export interface VaSlice { label: string; range: string; hi: number; lo: number; color: string; level?: number; top?: boolean }

/** Colour of a walk level: RISC-V level i (2 = root) and AArch64 lookup level 0..3 each have their own palette. */
export function levelColor(arch: OtherArch, level: number): string {
  return arch === "riscv" ? `var(--rv-${level})` : `var(--a64-${level})`;
}

/** The VA cut into the fields the walk uses; the offset grows with a megapage or block. */
export function vaSlices(arch: OtherArch, pageSize: number | undefined): VaSlice[] {
  const offBits = pageSize ? Math.log2(pageSize) : 12;
  const out: VaSlice[] = [];
  if (arch === "riscv") {
    out.push({ label: "sign extension", range: "bits 63–39 = bit 38", hi: 63, lo: 39, color: "var(--c-sign)", top: true });
    for (const i of [2, 1, 0]) {
      const lo = 12 + 9 * i;
      if (lo < offBits) break;
      out.push({ label: `VPN[${i}]`, range: `bits ${lo + 8}–${lo}`, hi: lo + 8, lo, color: levelColor(arch, i), level: i });
    }
  } else {
    out.push({ label: "TTBR select", range: "bits 63–48: 0 → TTBR0, all 1 → TTBR1", hi: 63, lo: 48, color: "var(--c-sign)", top: true });
    for (const l of [0, 1, 2, 3]) {
      const lo = 12 + 9 * (3 - l);
      if (lo < offBits) break;
      out.push({ label: `L${l} index`, range: `bits ${lo + 8}–${lo}`, hi: lo + 8, lo, color: levelColor(arch, l), level: l });
    }
  }
  out.push({ label: `offset in the ${sizeName(2 ** offBits)} ${arch === "riscv" ? "page" : offBits > 12 ? "block" : "page"}`,
    range: `bits ${offBits - 1}–0`, hi: offBits - 1, lo: 0, color: "var(--c-off)" });
  return out;
}

export const sizeName = (bytes: number): string =>
  bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : bytes >= 2 ** 20 ? `${bytes / 2 ** 20} MiB` : `${bytes / 1024} KiB`;

/** Index of `va` at a walk level: RISC-V VPN[level], AArch64 the level-`level` index (4K granule, 48-bit range). */
export function levelIndex(arch: OtherArch, va: bigint, level: number): number {
  const lo = arch === "riscv" ? 12 + 9 * level : 12 + 9 * (3 - level);
  return Number((va >> BigInt(lo)) & 511n);
}

/** How a walk level is called on screen. */
export function levelLabel(arch: OtherArch, level: number): string {
  return arch === "riscv" ? `level ${level}` : `L${level}`;
}

export type FieldGroup = "valid" | "perm" | "status" | "addr" | "attr" | "sw" | "rsvd";
export interface DescField { name: string; bits: string; value: string; on: boolean; group: FieldGroup; title: string }

const hex = (v: bigint | number) => "0x" + v.toString(16);
const one = (name: string, bit: number, on: boolean, group: FieldGroup, title: string): DescField =>
  ({ name, bits: String(bit), value: on ? "1" : "0", on, group, title });

/** A RISC-V PTE's fields (privileged spec, Sv39 PTE): N PBMT reserved PPN RSW D A G U X W R V, high bits first. */
export function rvFields(k: CoreConstants, pte: bigint): DescField[] {
  const f = decodePte(k, pte, false);
  const leaf = f.v && (f.r || f.x);
  return [
    one("N", 63, f.n, "attr", "Svnapot: a 64 KiB NAPOT translation"),
    { name: "PBMT", bits: "62–61", value: ["PMA", "NC", "IO", "rsvd"][f.pbmt]!, on: f.pbmt !== 0, group: "attr", title: "Svpbmt page-based memory type" },
    { name: "reserved", bits: "60–54", value: hex(f.reserved), on: f.reserved !== 0, group: "rsvd", title: "Must be zero: a set bit is a page fault" },
    { name: "PPN", bits: "53–10", value: hex(f.ppn), on: true, group: "addr",
      title: leaf ? "Physical page number of the leaf: PA = PPN × 4096 + offset" : "Physical page number of the next table" },
    { name: "RSW", bits: "9–8", value: String(f.rsw), on: f.rsw !== 0, group: "sw", title: "Reserved for supervisor software" },
    one("D", 7, f.d, "status", "Dirty: written since D was cleared (Svade: a store with D=0 faults)"),
    one("A", 6, f.a, "status", "Accessed (Svade: an access with A=0 faults)"),
    one("G", 5, f.g, "perm", "Global: in every address space (not tagged by ASID)"),
    one("U", 4, f.u, "perm", "User: U-mode may use it; S-mode only with SUM, and never to execute"),
    one("X", 3, f.x, "perm", "Executable"),
    one("W", 2, f.w, "perm", "Writable"),
    one("R", 1, f.r, "perm", "Readable (R=W=X=0: a pointer to the next table)"),
    one("V", 0, f.v, "valid", "Valid"),
  ];
}

const AP_TEXT = ["EL1 RW", "EL0+EL1 RW", "EL1 RO", "EL0+EL1 RO"];
const SH_TEXT = ["non-shareable", "reserved", "outer", "inner"];

/** An AArch64 descriptor's fields (Arm ARM D8.3, 4K granule), high bits first. */
export function a64Fields(value: bigint, level: number): DescField[] {
  const f = decodeA64Descriptor(value, level, "4k");
  const validType: DescField[] = [
    { name: "type", bits: "1", value: ((value >> 1n) & 1n).toString(), on: (value & 2n) !== 0n, group: "valid",
      title: level === 3 ? "1 = page (0 at level 3 is reserved)" : "1 = table, 0 = block" },
    one("valid", 0, (value & 1n) !== 0n, "valid", "Valid: 0 is a Translation fault"),
  ];
  if (f.kind === "invalid" || f.kind === "reserved") return validType;
  if (f.kind === "table") {
    return [
      { name: "APTable", bits: "62–61", value: String(f.apTable), on: f.apTable !== 0, group: "perm", title: "Limits AP below: bit 0 no EL0, bit 1 read-only" },
      one("UXNTable", 60, f.uxnTable, "perm", "No EL0 execution below"),
      one("PXNTable", 59, f.pxnTable, "perm", "No EL1 execution below"),
      { name: "next table", bits: "47–12", value: hex(f.next), on: true, group: "addr", title: "Next-level table address" },
      ...validType,
    ];
  }
  const oaLo = 12 + 9 * (3 - level);
  return [
    one("UXN", 54, f.uxn, "perm", "Unprivileged execute-never"),
    one("PXN", 53, f.pxn, "perm", "Privileged execute-never"),
    one("Contiguous", 52, f.contiguous, "attr", "One of a contiguous set of entries (a TLB hint)"),
    one("DBM", 51, f.dbm, "status", "Dirty bit modifier: with TCR.HD, AP[2] is the dirty state"),
    { name: "OA", bits: `47–${oaLo}`, value: hex(f.oa), on: true, group: "addr", title: `Output address of the ${f.kind}` },
    one("nG", 11, f.ng, "perm", "not Global: tagged with the ASID"),
    one("AF", 10, f.af, "status", "Access flag: 0 is an Access flag fault (or set by hardware with TCR.HA)"),
    { name: "SH", bits: "9–8", value: SH_TEXT[f.sh]!, on: f.sh !== 0, group: "attr", title: "Shareability" },
    { name: "AP[2:1]", bits: "7–6", value: `${f.ap} ${AP_TEXT[f.ap]}`, on: true, group: "perm", title: "Access permissions" },
    one("NS", 5, f.ns, "attr", "Non-secure"),
    { name: "AttrIndx", bits: "4–2", value: String(f.attrIndx), on: f.attrIndx !== 0, group: "attr", title: "Index into MAIR_EL1" },
    ...validType,
  ];
}
