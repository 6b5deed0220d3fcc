// x86 paging bit layouts (Intel SDM Vol. 3A ch. 4). The one source of truth:
// TypeScript reads every value below from the core's exports (src/core/constants.ts).
//
// Paging-structure entry, low bits (all modes):
//
//   11  9  8   7    6   5   4    3    2    1    0
//  ┌─────┬───┬────┬───┬───┬────┬────┬────┬────┬───┐
//  │ ign │ G │ PS │ D │ A │PCD │PWT │U/S │R/W │ P │
//  └─────┴───┴────┴───┴───┴────┴────┴────┴────┴───┘
//  PS is PAT in a 4 KiB PTE; bit 12 is PAT in a large leaf.
//  IA-32e/PAE high bits: 63 XD (NXE=1, else reserved), 62:59 protection key (IA-32e leaves).

export const PTE_PRESENT: u64 = 1 << 0;
export const PTE_WRITE: u64 = 1 << 1;
export const PTE_USER: u64 = 1 << 2;
export const PTE_PWT: u64 = 1 << 3;
export const PTE_PCD: u64 = 1 << 4;
export const PTE_ACCESSED: u64 = 1 << 5;
export const PTE_DIRTY: u64 = 1 << 6;
export const PTE_PS: u64 = 1 << 7;
export const PTE_GLOBAL: u64 = 1 << 8;
export const PTE_PAT_LARGE: u64 = 1 << 12;
export const PTE_XD: u64 = 0x8000000000000000;
export const PTE_PKEY_SHIFT: u32 = 59;

// 32-bit paging 4 MiB PDE (PSE-36): bits 20:13 hold PA bits 39:32.
export const PSE36_HIGH_SHIFT: u32 = 13;
export const PSE36_HIGH_MASK: u32 = 0xff;

// Control registers.
export const CR0_PE: u64 = 1 << 0;
export const CR0_WP: u64 = 1 << 16;
export const CR0_NW: u64 = 1 << 29;
export const CR0_CD: u64 = 1 << 30;
export const CR0_PG: u64 = 1 << 31;
export const CR4_PSE: u64 = 1 << 4;
export const CR4_PAE: u64 = 1 << 5;
export const CR4_PGE: u64 = 1 << 7;
export const CR4_LA57: u64 = 1 << 12;
export const CR4_PCIDE: u64 = 1 << 17;
export const CR4_SMEP: u64 = 1 << 20;
export const CR4_SMAP: u64 = 1 << 21;
export const CR4_PKE: u64 = 1 << 22;
export const EFER_LME: u64 = 1 << 8;
export const EFER_LMA: u64 = 1 << 10;
export const EFER_NXE: u64 = 1 << 11;
export const EFER_SCE: u64 = 1 << 0;

// Reserved bits: a MOV to CR0/CR4 or a WRMSR to EFER that sets one raises #GP(0).
/** CR0 bits 63:32 (bits 31:0 that the SDM reserves are ignored by MOV, so they are stored as given). */
export const CR0_RESERVED: u64 = 0xffffffff00000000;
/**
 * CR4 bits that are not defined, or that enable a paging feature the core does not
 * model (CET 23, PKS 24, LASS 27, LAM_SUP 28: as on a CPU without it, they are reserved).
 * Defined bits that do not change translation (VME, PVI, TSD, DE, MCE, PCE, OSFXSR,
 * OSXMMEXCPT, UMIP, VMXE, SMXE, FSGSBASE, OSXSAVE, KL, UINTR, FRED) are stored, unused.
 */
export const CR4_RESERVED: u64 = ~(<u64>0x7fff | <u64>0x7f0000 | <u64>1 << 25 | <u64>1 << 32);
/** IA32_EFER bits other than SCE, LME, LMA and NXE (Intel SDM). */
export const EFER_RESERVED: u64 = ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
/** MOV to CR3 with PCIDE=1: bit 63 of the source says "do not invalidate"; it is not stored. */
export const CR3_NOFLUSH: u64 = 0x8000000000000000;
export const CR3_PCID_MASK: u64 = 0xfff;

// #PF error code (SDM "Interrupt 14").
export const PF_P: u32 = 1 << 0;
export const PF_W: u32 = 1 << 1;
export const PF_U: u32 = 1 << 2;
export const PF_RSVD: u32 = 1 << 3;
export const PF_ID: u32 = 1 << 4;
export const PF_PK: u32 = 1 << 5;

// Paging modes, derived from CR0.PG, CR4.PAE, EFER.LMA and CR4.LA57.
export const MODE_NONE: u32 = 0;
export const MODE_LEGACY32: u32 = 1;
export const MODE_PAE: u32 = 2;
export const MODE_4LEVEL: u32 = 3;
export const MODE_5LEVEL: u32 = 4;

// Walk levels, numbered as the SDM counts them from the leaf up.
export const LEVEL_PT: u32 = 1;
export const LEVEL_PD: u32 = 2;
export const LEVEL_PDPT: u32 = 3;
export const LEVEL_PML4: u32 = 4;
export const LEVEL_PML5: u32 = 5;

// Quirk sets (see src/machine.ts): silicon per the SDM, or what QEMU 7.2 TCG does.
export const QUIRKS_SDM: u32 = 0;
export const QUIRKS_QEMU: u32 = 1;

// CPU features that can be switched off.
export const FEATURE_PAGES_1G: u32 = 1 << 0;
