// AArch64 stage-1 (EL1&0, VMSAv8-64, DS = 0) constants: descriptor bits, TCR_EL1 fields,
// fault status codes and exception classes, the access flag for LDTR/STTR, the TLB's raw
// rights bits. Exported to the host (src/core/constants.ts reads them; one source of truth).

// Descriptor bits (Arm ARM D8.3, VMSAv8-64 translation table descriptor formats).
export const DESC_VALID: u64 = 1 << 0;
/** bits[1:0] = 11: a table (levels 0-2) or a page (level 3); 01: a block. */
export const DESC_TABLE: u64 = 1 << 1;
export const DESC_AP1: u64 = 1 << 6;
export const DESC_AP2: u64 = 1 << 7;
export const DESC_AF: u64 = 1 << 10;
export const DESC_NG: u64 = 1 << 11;
export const DESC_DBM: u64 = <u64>1 << 51;
export const DESC_PXN: u64 = <u64>1 << 53;
export const DESC_UXN: u64 = <u64>1 << 54;
export const DESC_PXN_TABLE: u64 = <u64>1 << 59;
export const DESC_UXN_TABLE: u64 = <u64>1 << 60;
export const DESC_AP_TABLE0: u64 = <u64>1 << 61;
export const DESC_AP_TABLE1: u64 = <u64>1 << 62;
/** Output-address field desc<47:12> (the granule's low bits are cleared per granule). */
export const DESC_OA_MASK: u64 = 0x0000fffffffff000;

// TCR_EL1 fields (bit positions).
export const TCR_T0SZ_SHIFT: u32 = 0;
export const TCR_EPD0_SHIFT: u32 = 7;
export const TCR_TG0_SHIFT: u32 = 14;
export const TCR_T1SZ_SHIFT: u32 = 16;
export const TCR_A1_SHIFT: u32 = 22;
export const TCR_EPD1_SHIFT: u32 = 23;
export const TCR_TG1_SHIFT: u32 = 30;
export const TCR_IPS_SHIFT: u32 = 32;
export const TCR_AS_SHIFT: u32 = 36;
export const TCR_TBI0_SHIFT: u32 = 37;
export const TCR_HA_SHIFT: u32 = 39;
export const TCR_HD_SHIFT: u32 = 40;
export const TCR_HPD0_SHIFT: u32 = 41;
export const TCR_TBID0_SHIFT: u32 = 51;
export const TCR_E0PD0_SHIFT: u32 = 55;

// Fault status codes (ESR_ELx.ISS DFSC/IFSC), the level added where the code has one.
export const FSC_ADDRESS_SIZE: u32 = 0x00;
export const FSC_TRANSLATION: u32 = 0x04;
export const FSC_ACCESS_FLAG: u32 = 0x08;
export const FSC_PERMISSION: u32 = 0x0c;
/** Synchronous external abort, not on a translation table walk (the final access found no memory). */
export const FSC_EXTERNAL: u32 = 0x10;
/** Synchronous external abort on a translation table walk, + level. */
export const FSC_EXTERNAL_WALK: u32 = 0x14;

// ESR_ELx: exception classes and fields.
export const EC_IABORT_LOWER: u32 = 0x20;
export const EC_IABORT_SAME: u32 = 0x21;
export const EC_DABORT_LOWER: u32 = 0x24;
export const EC_DABORT_SAME: u32 = 0x25;
export const ESR_EC_SHIFT: u32 = 26;
export const ESR_IL: u32 = 1 << 25;
export const ESR_WNR: u32 = 1 << 6;
export const ESR_FSC_MASK: u32 = 0x3f;

/**
 * The fault record kind of an AArch64 abort (assembly/fault.ts): errorCode holds ESR_EL1
 * (EC, IL, WnR, FSC), address FAR_EL1, busAddress the physical address of an external
 * abort, level the FSC's level (A64_LEVEL_NONE for an external abort not on the walk).
 */
export const FAULT_A64_ABORT: u32 = 7;
export const A64_LEVEL_NONE: u32 = 0xffffffff;

/**
 * AArch64 access bytes reuse the shared layout (constants/access.ts): kind 0-2, ACC_USER
 * for an EL0 access, and bit 3 (x86's ACC_IMPLICIT) for an unprivileged load/store at EL1
 * (LDTR/STTR): checked as EL0 unless PSTATE.UAO. A fetch with bit 3 is an EL1 fetch.
 */
export const ACC_A64_UNPRIV: u32 = 1 << 3;

// Machine features (a64Configure).
export const A64_QUIRKS_QEMU: u32 = 1;
/** FEAT_LVA: 64K-granule VAs up to 52 bits (TxSZ down to 12). */
export const A64_FEAT_LVA: u32 = 2;

// The architectural TLB's raw rights bits for an AArch64 leaf (beside META_GLOBAL and the
// ASID, constants/tlb.ts), after the table attributes were folded in: judged at access
// time with the current PAN, UAO and WXN (a64RightsOk).
export const A64_META_AP1: u32 = 1 << 16;
export const A64_META_AP2: u32 = 1 << 17;
export const A64_META_PXN: u32 = 1 << 18;
export const A64_META_UXN: u32 = 1 << 19;
export const A64_META_DBM: u32 = 1 << 21;

/** Granules: log2 of the size. */
export const A64_GRANULE_4K: u32 = 12;
export const A64_GRANULE_16K: u32 = 14;
export const A64_GRANULE_64K: u32 = 16;
