// The RISC-V and AArch64 machines of the walk and TLB panels: an Sv39 hart and an arm64
// 4K-granule PE, each with a small page table built by its arch's builder. DOM-free, so
// the browser test builds the same machines in Node and compares the page with them.
import { RiscvMachine } from "../src/arch/riscv/machine.js";
import { RiscvPageTableBuilder, RV_PAGE_2M, RV_PAGE_4K, type RiscvMapFlags } from "../src/arch/riscv/pageTable.js";
import { AArch64Machine, type A64AccessKind } from "../src/arch/aarch64/machine.js";
import { A64PageTableBuilder, type A64MapFlags } from "../src/arch/aarch64/pageTable.js";

export type OtherArch = "riscv" | "aarch64";

/** One row of a mapping table: what is mapped, and the access clicking the row tries. */
export interface ArchMapping<F> {
  va: bigint; pa: number; size: number; name: string; desc: string; flags: F;
  tryVa: bigint; kind: string; priv: string;
}

export const RV_RAM = { base: 0x80000000, bytes: 8 << 20 };
/** Sv39 (QEMU `virt` RAM at 0x80000000). Tables come from RAM + 1 MiB (the builder's default). */
export const RV_MAPPINGS: ArchMapping<RiscvMapFlags>[] = [
  { va: 0x10000n, pa: 0x80200000, size: RV_PAGE_4K, name: "user code", desc: "R X U (read-only, executable)",
    flags: { r: true, w: false, x: true, u: true }, tryVa: 0x10040n, kind: "fetch", priv: "U" },
  { va: 0x11000n, pa: 0x80201000, size: RV_PAGE_4K, name: "user data", desc: "R W U",
    flags: { r: true, w: true, u: true }, tryVa: 0x11008n, kind: "write", priv: "U" },
  { va: 0x12000n, pa: 0x80202000, size: RV_PAGE_4K, name: "user execute-only", desc: "X U, no R: a read needs MXR",
    flags: { r: false, w: false, x: true, u: true }, tryVa: 0x12010n, kind: "read", priv: "U" },
  { va: 0x40000000n, pa: 0x80400000, size: RV_PAGE_2M, name: "user heap", desc: "2 MiB megapage (leaf at level 1), R W U",
    flags: { r: true, w: true, u: true }, tryVa: 0x40012345n, kind: "read", priv: "U" },
  { va: 0xffffffc000000000n, pa: 0x80203000, size: RV_PAGE_4K, name: "kernel data", desc: "R W G (supervisor only, global)",
    flags: { r: true, w: true, g: true }, tryVa: 0xffffffc000000010n, kind: "read", priv: "S" },
];
export const RV_UNMAPPED = { va: 0x200000n, kind: "read", priv: "U" };

export const A64_RAM = { base: 0x40000000, bytes: 8 << 20 };
/** 4K granule, 48-bit ranges; TTBR0 tables from RAM + 1 MiB, TTBR1 tables from RAM + 1.5 MiB. */
export const A64_MAPPINGS: ArchMapping<A64MapFlags>[] = [
  { va: 0x400000n, pa: 0x40400000, size: 0x1000, name: "user code", desc: "AP=3 (EL0+EL1 read-only), nG, PXN",
    flags: { ap: 3, ng: true, pxn: true }, tryVa: 0x400040n, kind: "fetch", priv: "0" },
  { va: 0x401000n, pa: 0x40401000, size: 0x1000, name: "user data", desc: "AP=1 (EL0+EL1 read/write), nG, UXN, PXN",
    flags: { ap: 1, ng: true, uxn: true, pxn: true }, tryVa: 0x401008n, kind: "write", priv: "0" },
  { va: 0x600000n, pa: 0x40600000, size: 0x200000, name: "user heap", desc: "2 MiB block (level 2), AP=1, nG, UXN, PXN",
    flags: { ap: 1, ng: true, uxn: true, pxn: true }, tryVa: 0x612345n, kind: "read", priv: "0" },
  { va: 0xffff000000000000n, pa: 0x40402000, size: 0x1000, name: "kernel data", desc: "TTBR1, AP=0 (EL1 only), global, UXN, PXN",
    flags: { ap: 0, uxn: true, pxn: true }, tryVa: 0xffff000000000010n, kind: "read", priv: "1" },
  { va: 0xffff000000001000n, pa: 0x40403000, size: 0x1000, name: "kernel text", desc: "TTBR1, AP=2 (EL1 read-only), global, UXN",
    flags: { ap: 2, uxn: true }, tryVa: 0xffff000000001040n, kind: "fetch", priv: "1" },
];
export const A64_UNMAPPED = { va: 0x800000n, kind: "read", priv: "0" };

/** The address-space numbers the TLB panel switches between. */
export const ASIDS = [1, 2] as const;

export interface RiscvDemo { arch: "riscv"; m: RiscvMachine; pt: RiscvPageTableBuilder }
export interface A64Demo { arch: "aarch64"; m: AArch64Machine; lo: A64PageTableBuilder; hi: A64PageTableBuilder }

export async function buildRiscvDemo(asid: number = ASIDS[0]): Promise<RiscvDemo> {
  const m = await RiscvMachine.create({ arch: "riscv", mode: "sv39", ramBase: RV_RAM.base, ramBytes: RV_RAM.bytes, tlb: { kind: "arch" } });
  const pt = new RiscvPageTableBuilder(m);
  for (const mp of RV_MAPPINGS) pt.map(mp.va, mp.pa, mp.size, mp.flags);
  m.setControl({ satp: pt.satp(asid) });
  return { arch: "riscv", m, pt };
}

/** TCR_EL1 of the demo: 4K granule both ranges, 48-bit VAs, IPS 52 bits, AS = 1 (16-bit ASIDs from TTBR0). */
export const A64_TCR = AArch64Machine.tcrFor("4k", 52) | (1n << 36n);

export async function buildA64Demo(asid: number = ASIDS[0]): Promise<A64Demo> {
  const m = await AArch64Machine.create({ arch: "aarch64", granule: "4k", ramBase: A64_RAM.base, ramBytes: A64_RAM.bytes, tlb: { kind: "arch" } });
  const lo = new A64PageTableBuilder(m, { granule: "4k", allocBase: A64_RAM.base + 0x100000, allocLimit: A64_RAM.base + 0x180000 });
  const hi = new A64PageTableBuilder(m, { granule: "4k", range: 1, allocBase: A64_RAM.base + 0x180000, allocLimit: A64_RAM.base + 0x200000 });
  for (const mp of A64_MAPPINGS) (mp.va >> 48n === 0xffffn ? hi : lo).map(mp.va, mp.pa, mp.size, mp.flags);
  m.setControl({ tcr: A64_TCR, ttbr0: lo.ttbr(asid), ttbr1: hi.ttbr(0) });
  return { arch: "aarch64", m, lo, hi };
}

/** The address-space switch: satp.ASID (RISC-V), TTBR0_EL1.ASID (AArch64, TCR.A1 = 0); the tables stay. */
export function switchAsid(d: RiscvDemo | A64Demo, asid: number): void {
  if (d.arch === "riscv") d.m.setControl({ satp: d.pt.satp(asid) });
  else d.m.setControl({ ttbr0: d.lo.ttbr(asid) });
}

/** Run every mapping's own access once through the TLB (what the TLB panel's "touch" button does). */
export function touchAll(d: RiscvDemo | A64Demo): void {
  if (d.arch === "riscv") {
    for (const mp of RV_MAPPINGS) d.m.translate(mp.tryVa, mp.kind as "read", mp.priv as "U");
  } else {
    for (const mp of A64_MAPPINGS) d.m.translate(mp.tryVa, mp.kind as A64AccessKind, Number(mp.priv) as 0 | 1);
  }
}
