// RISC-V paging constants (privileged spec, supervisor chapter; riscv.md). Exported
// through assembly/index.ts, so the host reads them instead of retyping them. Names
// follow Spike's riscv/encoding.h (PTE_V, SATP_MODE_SV39, CAUSE_LOAD_PAGE_FAULT); the
// few that would collide with x86's in the one export namespace carry RV_.
//
//  PTE (Sv39/48/57; Sv32 has bits 31:0 only, PPN at 31:10):
//   63  62 61  60    54 53        10 9  8  7   6   5   4   3   2   1   0
//  ┌───┬──────┬────────┬────────────┬─────┬───┬───┬───┬───┬───┬───┬───┬───┐
//  │ N │ PBMT │  rsvd  │    PPN     │ RSW │ D │ A │ G │ U │ X │ W │ R │ V │
//  └───┴──────┴────────┴────────────┴─────┴───┴───┴───┴───┴───┴───┴───┴───┘

export const PTE_V: u64 = 1 << 0;
export const PTE_R: u64 = 1 << 1;
export const PTE_W: u64 = 1 << 2;
export const PTE_X: u64 = 1 << 3;
export const PTE_U: u64 = 1 << 4;
export const PTE_G: u64 = 1 << 5;
export const PTE_A: u64 = 1 << 6;
export const PTE_D: u64 = 1 << 7;
export const PTE_RSW_SHIFT: u64 = 8;
export const PTE_PPN_SHIFT: u64 = 10;
/** Bits 60:54: reserved for future standard use (a page fault when set). */
export const PTE_RSVD_MASK: u64 = 0x7f << 54;
export const PTE_PBMT_SHIFT: u64 = 61;
export const PTE_PBMT_MASK: u64 = 3 << 61;
/** Svpbmt memory types: 0 PMA, 1 NC, 2 IO, 3 reserved. */
export const PBMT_PMA: u32 = 0;
export const PBMT_NC: u32 = 1;
export const PBMT_IO: u32 = 2;
export const PTE_N: u64 = 1 << 63;
/** PPN field of an RV64 PTE (bits 53:10), unshifted. */
export const PTE_PPN_MASK64: u64 = ((<u64>1 << 44) - 1) << 10;

// satp. RV64: MODE 63:60, ASID 59:44, PPN 43:0. RV32: MODE 31, ASID 30:22, PPN 21:0.
export const SATP_MODE_BARE: u32 = 0;
export const SATP_MODE_SV32: u32 = 1;
export const SATP_MODE_SV39: u32 = 8;
export const SATP_MODE_SV48: u32 = 9;
export const SATP_MODE_SV57: u32 = 10;
export const SATP64_MODE_SHIFT: u64 = 60;
export const SATP64_ASID_SHIFT: u64 = 44;
export const SATP64_ASID_MASK: u64 = 0xffff;
export const SATP64_PPN_MASK: u64 = (<u64>1 << 44) - 1;
export const SATP32_MODE_SHIFT: u64 = 31;
export const SATP32_ASID_SHIFT: u64 = 22;
export const SATP32_ASID_MASK: u64 = 0x1ff;
export const SATP32_PPN_MASK: u64 = (<u64>1 << 22) - 1;

// menvcfg bits the walker reads.
export const MENVCFG_PBMTE: u64 = <u64>1 << 62;
export const MENVCFG_ADUE: u64 = <u64>1 << 61;

// Exception codes (mcause/scause with interrupt = 0).
export const CAUSE_FETCH_ACCESS: u32 = 1;
export const CAUSE_LOAD_ACCESS: u32 = 5;
export const CAUSE_STORE_ACCESS: u32 = 7;
export const CAUSE_FETCH_PAGE_FAULT: u32 = 12;
export const CAUSE_LOAD_PAGE_FAULT: u32 = 13;
export const CAUSE_STORE_PAGE_FAULT: u32 = 15;

/** Fault-record kinds (constants/fault.ts: x86 uses 1-4): errorCode holds the cause, address stval. */
export const FAULT_RV_PAGE: u32 = 5;
export const FAULT_RV_ACCESS: u32 = 6;

// Extensions and options (rvConfigure's `features`).
export const RV_EXT_SVNAPOT: u32 = 1;
export const RV_EXT_SVPBMT: u32 = 2;
/** Svadu: menvcfg.ADUE is writable; with ADUE = 1 the walker sets A/D instead of faulting (Svade). */
export const RV_EXT_SVADU: u32 = 4;
/** QEMU 7.2's deviations (shared/oracle/riscv/README.md) instead of the specification. */
export const RV_QUIRKS_QEMU: u32 = 8;

// PMP (pmpcfg byte): R W X, A (0 OFF, 1 TOR, 2 NA4, 3 NAPOT), L.
export const PMP_R: u32 = 1;
export const PMP_W: u32 = 2;
export const PMP_X: u32 = 4;
export const PMP_A_SHIFT: u32 = 3;
export const PMP_OFF: u32 = 0;
export const PMP_TOR: u32 = 1;
export const PMP_NA4: u32 = 2;
export const PMP_NAPOT: u32 = 3;
export const PMP_L: u32 = 0x80;
export const PMP_ENTRIES: u32 = 16;

// The architectural TLB's rights bits for RISC-V entries (tlb/arch.ts keeps raw bits of
// the walk, evaluated per arch at access time): the same positions as x86's R/W, U/S,
// XD and D, plus R in the low bit of the key field x86 uses for protection keys.
export const RV_META_W: u32 = 1 << 16;
export const RV_META_U: u32 = 1 << 17;
export const RV_META_X: u32 = 1 << 18;
export const RV_META_D: u32 = 1 << 19;
export const RV_META_R: u32 = 1 << 21;
