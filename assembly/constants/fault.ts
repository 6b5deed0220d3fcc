// The fault record: what the core leaves in memory when it stops on a fault.
//
//  offset  size  field
//  0       4     kind         FAULT_*
//  4       4     errorCode    #PF error code (PF_*), 0 for #GP(0) and bus faults
//  8       8     address      the linear address (CR2 for #PF)
//  16      8     busAddress   physical address that lay outside RAM (FAULT_BUS only)
//  24      4     level        walk level that stopped (LEVEL_*), 0 if none
//  28      4     access       the access byte (ACC_*) as passed, valid or not

export const FAULT_NONE: u32 = 0;
export const FAULT_PF: u32 = 1;
export const FAULT_GP: u32 = 2;
/** A paging-structure or the final physical address lay outside the RAM image (emulator policy, not an x86 exception). */
export const FAULT_BUS: u32 = 3;
/**
 * The access value was not an access byte (kind 3, or bits above 3 set): an embedder's
 * error, not an x86 event. Nothing was looked up, walked or filled; `access` holds the value.
 */
export const FAULT_BAD_ACCESS: u32 = 4;

export const FAULT_KIND: u32 = 0;
export const FAULT_ERROR_CODE: u32 = 4;
export const FAULT_ADDRESS: u32 = 8;
export const FAULT_BUS_ADDRESS: u32 = 16;
export const FAULT_LEVEL: u32 = 24;
export const FAULT_ACCESS: u32 = 28;
export const FAULT_RECORD_SIZE: u32 = 32;

/** Return value of the per-call translate entry points when they stop on a fault. */
export const TRANSLATE_FAULT: i32 = -1;
