// The architectural TLB's entry meta word (assembly/tlb/arch.ts has the box diagram):
// exported so hosts can draw or inspect TLB contents without retyping the layout.
//
// The arch-neutral part of an entry: its address-space tag (16 bits: x86's 12-bit PCID,
// RISC-V's ASID of up to 16 bits, Arm's 8- or 16-bit ASID), the global bit (x86 G with
// CR4.PGE, RISC-V G, Arm !nG) and the page-size class (beside the page number in the tag
// word too). The rights bits are raw bits of the walk, evaluated per arch at access time.
export const META_ASID_MASK: u32 = 0xffff;
/** x86's name for the same field (bench/native reads it by this name). */
export const META_PCID_MASK: u32 = META_ASID_MASK;
export const META_RW: u32 = 1 << 16;
export const META_US: u32 = 1 << 17;
export const META_XD: u32 = 1 << 18;
export const META_DIRTY: u32 = 1 << 19;
export const META_GLOBAL: u32 = 1 << 20;
export const META_KEY_SHIFT: u32 = 21;
export const META_CLASS_SHIFT: u32 = 25;
