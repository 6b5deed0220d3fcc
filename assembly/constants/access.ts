// One access, packed in a byte so batches cost one load per item:
//
//    7      4     3        2       1  0
//  ┌────────┬──────────┬──────┬──────┐
//  │  zero  │ implicit │ user │ kind │
//  └────────┴──────────┴──────┴──────┘
//  kind: 0 read, 1 write, 2 fetch. user: CPL 3 and not implicit.
//  Any other value (kind 3, user and implicit together, a bit above 3 set, anything ≥ 16
//  a host passes in a u8 or u32) is not an access: the core stops on it with a
//  FAULT_BAD_ACCESS record and touches nothing else (no TLB lookup counted, no walk, no fill).
//  implicit: a supervisor access to a system structure (GDT, IDT, TSS...):
//  SMAP applies to it whatever EFLAGS.AC says.

export const ACC_READ: u32 = 0;
export const ACC_WRITE: u32 = 1;
export const ACC_FETCH: u32 = 2;
export const ACC_KIND_MASK: u32 = 3;
export const ACC_USER: u32 = 1 << 2;
export const ACC_IMPLICIT: u32 = 1 << 3;
/** Access bytes are below this (the rights table has this many rows per R/W, U/S, XD). */
export const ACC_COUNT: u32 = 16;
/** Bit `acc` set for each valid access byte below ACC_COUNT: kinds 0-2 × {supervisor, user, implicit}. */
export const ACC_VALID: u32 = 0x777;
/** Rows of the access-byte → fast-TLB slot table: one per u8 value; invalid bytes get a slot that never hits. */
export const ACC_SLOT_ENTRIES: u32 = 256;
