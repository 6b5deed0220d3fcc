// One access, packed in a byte so batches cost one load per item:
//
//    7      4     3        2       1  0
//  ┌────────┬──────────┬──────┬──────┐
//  │  zero  │ implicit │ user │ kind │
//  └────────┴──────────┴──────┴──────┘
//  kind: 0 read, 1 write, 2 fetch. user: CPL 3 and not implicit.
//  implicit: a supervisor access to a system structure (GDT, IDT, TSS...):
//  SMAP applies to it whatever EFLAGS.AC says.

export const ACC_READ: u32 = 0;
export const ACC_WRITE: u32 = 1;
export const ACC_FETCH: u32 = 2;
export const ACC_KIND_MASK: u32 = 3;
export const ACC_USER: u32 = 1 << 2;
export const ACC_IMPLICIT: u32 = 1 << 3;
/** Number of distinct access bytes (tables indexed by the access byte have this many rows). */
export const ACC_COUNT: u32 = 16;
