// The architectural TLB's entries in RISC-V terms: the shared reader (src/tlbStats.ts)
// decodes the arch-neutral fields (page, frame, size, tag, global, LRU age); the rights
// bits are RISC-V's raw R/W/X/U/D (assembly/arch/riscv/constants.ts, RV_META_*), renamed here.
import type { ArchTlbEntry, ArchTlbLevel, TlbStatsReader } from "../../tlbStats.js";

export interface RiscvTlbEntry {
  level: ArchTlbLevel; set: number; way: number;
  /** First VA of the TLB piece (a 512 GiB or 256 TiB leaf is held as 1 GiB pieces, a Svnapot 64 KiB one as 4 KiB pieces). */
  va: bigint; pageSize: number; pa: number;
  /** satp.ASID when it was filled (global entries match every ASID). */
  asid: number; global: boolean;
  r: boolean; w: boolean; x: boolean; u: boolean; d: boolean;
  stamp: bigint; age: number;
}

export function riscvTlbEntries(tlb: TlbStatsReader, level: ArchTlbLevel): RiscvTlbEntry[] {
  return tlb.entries(level).map((e: ArchTlbEntry) => ({
    level: e.level, set: e.set, way: e.way, va: e.va, pageSize: e.pageSize, pa: e.pa, asid: e.pcid, global: e.global,
    // RV_META_W/U/X/D sit where x86 keeps R/W, U/S, XD and D; RV_META_R is the key field's low bit.
    r: (e.key & 1) !== 0, w: e.rw, x: e.nx, u: e.user, d: e.dirty, stamp: e.stamp, age: e.age,
  }));
}
