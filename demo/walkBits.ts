// The bits of a paging entry as the walk panel shows them: every bit value comes from the
// core's exported constants (machine.k), never retyped here; plus which bits made a walk
// fault (the red outlines) and the entry's physical-address field.
import type { WalkStep, WalkTrace } from "../src/machine.js";
import { W } from "./walkState.js";

export const LEVEL_COLOR: Record<number, string> = { 4: "var(--c-l4)", 3: "var(--c-l3)", 2: "var(--c-l2)", 1: "var(--c-l1)" };
export const LEVEL_LONG: Record<number, string> = {
  4: "page-map level 4", 3: "page-directory-pointer table", 2: "page directory", 1: "page table",
};

export interface FlagDef { key: string; id: string; bit: bigint; title: string; on: string; off: string }

/** The entry bits, in display order, with their values read from the core. */
export function flagDefs(): FlagDef[] {
  const B = W.m.k.big;
  return [
    { key: "P", id: "P", bit: B.PTE_PRESENT, title: "Present: 0 = nothing here, the walk stops with #PF", on: "present", off: "absent" },
    { key: "R/W", id: "RW", bit: B.PTE_WRITE, title: "Read/write: 0 = read-only for everything below", on: "write", off: "read-only" },
    { key: "U/S", id: "US", bit: B.PTE_USER, title: "User/supervisor: 0 = kernel only (CPL 0) for everything below", on: "user", off: "kernel" },
    { key: "PWT", id: "PWT", bit: B.PTE_PWT, title: "Page-level write-through (caching)", on: "wt", off: "wb" },
    { key: "PCD", id: "PCD", bit: B.PTE_PCD, title: "Page-level cache disable", on: "uc", off: "cached" },
    { key: "A", id: "A", bit: B.PTE_ACCESSED, title: "Accessed: set by the MMU when a walk uses the entry", on: "used", off: "–" },
    { key: "D", id: "D", bit: B.PTE_DIRTY, title: "Dirty: set by the MMU on the first write (leaf entries only)", on: "dirty", off: "clean" },
    { key: "PS", id: "PS", bit: B.PTE_PS, title: "Page size: 1 = this entry maps a large page and the walk ends here", on: "large", off: "table" },
    { key: "G", id: "G", bit: B.PTE_GLOBAL, title: "Global: survives a CR3 reload (leaf entries, with CR4.PGE)", on: "global", off: "–" },
    { key: "NX", id: "NX", bit: B.PTE_XD, title: "Execute-disable (XD): 1 = no instruction fetch from everything below", on: "no-exec", off: "exec" },
  ];
}

/** Bit number of a one-bit mask. */
export const bitIndex = (bit: bigint): number => bit.toString(2).length - 1;

export const isPresent = (v: bigint): boolean => (v & W.m.k.big.PTE_PRESENT) !== 0n;

/** Bits M−1..12 of an entry (M = MAXPHYADDR): the next table, or the frame of a leaf. */
export function entryAddress(v: bigint): bigint {
  return v & ((1n << BigInt(W.m.maxPhyAddr)) - 1n) & ~0xfffn;
}

export function isLeaf(st: WalkStep): boolean {
  const k = W.m.k.num;
  return st.level === k.LEVEL_PT || ((st.value & W.m.k.big.PTE_PS) !== 0n && (st.level === k.LEVEL_PD || st.level === k.LEVEL_PDPT));
}

export interface Denial { level: number; flag: string; why: string }

/** Which bits of which levels made the walk fault (for the red outlines). */
export function denials(trace: WalkTrace): Denial[] {
  const r = trace.result;
  if (r.ok || r.fault.kind !== "PF") return [];
  const e = r.fault.error;
  const last = trace.steps.at(-1);
  if (!last) return [];
  if (!e.P) return [{ level: last.level, flag: "P", why: "P=0: not present. The walk stops here." }];
  if (e.RSVD) return [{ level: last.level, flag: "", why: "A reserved bit is set in this entry (e.g. PS where a large page is not allowed, or an unaligned large-page address)." }];
  const c = W.m.control(), B = W.m.k.big;
  const wp = (c.cr0 & B.CR0_WP) !== 0n, nxe = (c.efer & B.EFER_NXE) !== 0n;
  const smep = (c.cr4 & B.CR4_SMEP) !== 0n, smap = (c.cr4 & B.CR4_SMAP) !== 0n;
  const user = W.cpl === 3;
  const out: Denial[] = [];
  for (const st of trace.steps) {
    const v = st.value;
    if (user && (v & B.PTE_USER) === 0n) out.push({ level: st.level, flag: "US", why: "U/S=0: kernel only. A user-mode (CPL 3) access is denied." });
    if (W.kind === "write" && (v & B.PTE_WRITE) === 0n && (user || wp)) {
      out.push({ level: st.level, flag: "RW", why: `R/W=0: read-only. A write is denied${user ? "" : " (CR0.WP=1 holds the kernel to it too)"}.` });
    }
    if (W.kind === "fetch" && nxe && (v & B.PTE_XD) !== 0n) out.push({ level: st.level, flag: "NX", why: "NX=1: no execute. An instruction fetch is denied." });
  }
  if (!user && out.length === 0 && trace.steps.every((st) => (st.value & B.PTE_USER) !== 0n)) {
    if (W.kind === "fetch" && smep) out.push({ level: last.level, flag: "US", why: "U/S=1 with CR4.SMEP: the kernel may not execute a user page." });
    if (W.kind !== "fetch" && smap) out.push({ level: last.level, flag: "US", why: "U/S=1 with CR4.SMAP: the kernel may not touch a user page (EFLAGS.AC=0)." });
  }
  if (out.length === 0 && e.PK) out.push({ level: last.level, flag: "", why: "The protection key's rights in PKRU deny the access." });
  return out;
}
