// The architectural TLB's entry meta word (assembly/tlb/arch.ts has the box diagram):
// exported so hosts can draw or inspect TLB contents without retyping the layout.
export const META_PCID_MASK: u32 = 0xfff;
export const META_RW: u32 = 1 << 12;
export const META_US: u32 = 1 << 13;
export const META_XD: u32 = 1 << 14;
export const META_DIRTY: u32 = 1 << 15;
export const META_GLOBAL: u32 = 1 << 16;
export const META_KEY_SHIFT: u32 = 17;
export const META_CLASS_SHIFT: u32 = 21;
