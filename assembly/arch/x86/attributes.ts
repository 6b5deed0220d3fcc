// The attributes of the last successful walk (lastWalkAttributes), packed in a u32:
//
//   31    24 23        16 15   12 11   8  7   5   4   3    2    1    0
//  ┌────────┬────────────┬───────┬──────┬─────┬───┬───┬────┬────┬────┐
//  │   0    │ page shift │   0   │ key  │  0  │ D │ G │ XD │U/S │R/W │
//  └────────┴────────────┴───────┴──────┴─────┴───┴───┴────┴────┴────┘
//  R/W, U/S: ANDed over the path; XD: ORed (with NXE); G: the leaf's, with CR4.PGE;
//  D: the leaf's after this access; key: the leaf's protection key (IA-32e);
//  page shift: 12, 21, 22 or 30.

export const ATTR_RW: u32 = 1;
export const ATTR_US: u32 = 2;
export const ATTR_XD: u32 = 4;
export const ATTR_GLOBAL: u32 = 8;
export const ATTR_DIRTY: u32 = 16;
export const ATTR_KEY_SHIFT: u32 = 8;
export const ATTR_KEY_MASK: u32 = 0xf;
export const ATTR_SHIFT_SHIFT: u32 = 16;
export const ATTR_SHIFT_MASK: u32 = 0xff;
