// RISC-V values decoded for people: PTE fields, satp, exception causes. Bit positions come
// from the core's exports (assembly/arch/riscv/constants.ts), never retyped here.
import type { CoreConstants } from "../../core/constants.js";

export type RiscvMode = "bare" | "sv32" | "sv39" | "sv48" | "sv57";
export const RISCV_MODES: readonly RiscvMode[] = ["bare", "sv32", "sv39", "sv48", "sv57"];
export type Privilege = "S" | "U";

/** Levels, VPN bits per level and PTE bytes of each mode (the walker's mode table). */
export const MODE_GEOMETRY: Record<RiscvMode, { levels: number; idxBits: number; pteSize: number; satpMode: number }> = {
  bare: { levels: 0, idxBits: 0, pteSize: 8, satpMode: 0 },
  sv32: { levels: 2, idxBits: 10, pteSize: 4, satpMode: 1 },
  sv39: { levels: 3, idxBits: 9, pteSize: 8, satpMode: 8 },
  sv48: { levels: 4, idxBits: 9, pteSize: 8, satpMode: 9 },
  sv57: { levels: 5, idxBits: 9, pteSize: 8, satpMode: 10 },
};

export const CAUSE_NAMES: Record<number, string> = {
  1: "instruction access fault", 5: "load access fault", 7: "store/AMO access fault",
  12: "instruction page fault", 13: "load page fault", 15: "store/AMO page fault",
};

/** The fields of a PTE, as the spec names them. */
export interface RiscvPteFields {
  v: boolean; r: boolean; w: boolean; x: boolean; u: boolean; g: boolean; a: boolean; d: boolean;
  rsw: number; ppn: bigint; pbmt: number; n: boolean; reserved: number;
}

export function decodePte(k: CoreConstants, pte: bigint, narrow: boolean): RiscvPteFields {
  const B = k.big;
  const bit = (m: bigint) => (pte & m) !== 0n;
  return {
    v: bit(B.PTE_V), r: bit(B.PTE_R), w: bit(B.PTE_W), x: bit(B.PTE_X), u: bit(B.PTE_U), g: bit(B.PTE_G),
    a: bit(B.PTE_A), d: bit(B.PTE_D), rsw: Number((pte >> B.PTE_RSW_SHIFT) & 3n),
    ppn: narrow ? (pte >> 10n) & 0x3fffffn : (pte >> 10n) & ((1n << 44n) - 1n),
    pbmt: narrow ? 0 : Number((pte & B.PTE_PBMT_MASK) >> B.PTE_PBMT_SHIFT),
    n: !narrow && bit(B.PTE_N), reserved: narrow ? 0 : Number((pte & B.PTE_RSVD_MASK) >> 54n),
  };
}

/** "V R W X U G A D" style summary: set bits in capitals, the PPN in hex, extras named. */
export function describePte(k: CoreConstants, pte: bigint, narrow: boolean): string {
  const f = decodePte(k, pte, narrow);
  const bits = ([["V", f.v], ["R", f.r], ["W", f.w], ["X", f.x], ["U", f.u], ["G", f.g], ["A", f.a], ["D", f.d]] as const)
    .map(([name, on]) => on ? name : name.toLowerCase()).join(" ");
  let s = `${bits} ppn=0x${f.ppn.toString(16)}`;
  if (f.rsw) s += ` rsw=${f.rsw}`;
  if (f.pbmt) s += ` pbmt=${["PMA", "NC", "IO", "reserved"][f.pbmt]}`;
  if (f.n) s += " N";
  if (f.reserved) s += ` rsvd[60:54]=0x${f.reserved.toString(16)}`;
  if (!f.v) return `not valid (${s})`;
  if (!f.r && !f.x) return `pointer ${s}`;
  return `leaf ${s}`;
}

/** VPN[level] of `va`: the index of its PTE in that level's table. */
export function vpnIndex(mode: RiscvMode, va: bigint, level: number): number {
  const g = MODE_GEOMETRY[mode];
  return Number((va >> BigInt(12 + level * g.idxBits)) & ((1n << BigInt(g.idxBits)) - 1n));
}
