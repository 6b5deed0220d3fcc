// /proc/PID/smaps and smaps_rollup (fs/proc/task_mmu.c show_smap, __show_smap,
// show_smaps_rollup, show_smap_vma_flags). The kernel model computes the counts; this
// only lays them out.
import type { MmLayout, Vma } from "../kernel/vma.js";
import { decW, kbLine } from "./format.js";
import { headerPrefix, mapsLine, withName } from "./maps.js";

/**
 * One VMA's (or the rollup's) counters, as the kernel's mem_size_stats holds them.
 * Plain byte counts are numbers; the proportional ones (pss*, swapPss, locked) are
 * fixed-point bytes << 12 (PSS_SHIFT), so that (4096 << 12) / mapcount stays exact
 * when summed. Numbers, not bigints: fixed-point stays exact below 2^53, i.e. up to
 * 2 TiB of Pss — far beyond any emulated RAM — and the model adds them per PTE.
 */
export interface SmapsCounts {
  rss: number;
  pss: number; pssDirty: number; pssAnon: number; pssFile: number; pssShmem: number;
  sharedClean: number; sharedDirty: number; privateClean: number; privateDirty: number;
  referenced: number; anonymous: number; lazyFree: number;
  anonHugePages: number; shmemPmdMapped: number; filePmdMapped: number;
  sharedHugetlb: number; privateHugetlb: number;
  swap: number; swapPss: number; locked: number; ksm: number;
}

export const PSS_SHIFT = 12;

export function zeroCounts(): SmapsCounts {
  return {
    rss: 0, pss: 0, pssDirty: 0, pssAnon: 0, pssFile: 0, pssShmem: 0,
    sharedClean: 0, sharedDirty: 0, privateClean: 0, privateDirty: 0,
    referenced: 0, anonymous: 0, lazyFree: 0, anonHugePages: 0, shmemPmdMapped: 0, filePmdMapped: 0,
    sharedHugetlb: 0, privateHugetlb: 0, swap: 0, swapPss: 0, locked: 0, ksm: 0,
  };
}

/** Field-wise sum: the rollup accumulates the raw counters, then shifts once. */
export function addCounts(a: SmapsCounts, b: SmapsCounts): SmapsCounts {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof SmapsCounts)[]) out[k] += b[k];
  return out;
}

/**
 * VmFlags codes by vm_flags bit (x86-64, mainline ≥ 6.12 layout). "??" = a bit the
 * kernel has no mnemonic for (bit 11: VM_DENYWRITE, gone since 5.15); "" = a bit never
 * printed (32–35: the protection key, shown as ProtectionKey). Bit 27 "sd" assumes
 * CONFIG_MEM_SOFT_DIRTY with soft-dirty PTEs available. High bits: 37 shadow stack,
 * 40 droppable, 41 uffd-minor, 42 sealed.
 */
export const VMFLAG_CODES: readonly string[] = (() => {
  const t: string[] = new Array<string>(64).fill("??");
  "rd wr ex sh mr mw me ms gd um pf ?? uw lo io sr rr dc de lf ac nr ht sf ar wf dd sd mm hg nh mg"
    .split(" ").forEach((c, i) => { t[i] = c; });
  for (const b of [32, 33, 34, 35]) t[b] = "";
  t[37] = "ss"; t[40] = "dp"; t[41] = "ui"; t[42] = "sl";
  return t;
})();

/** "VmFlags: " + each set bit's code + " ", in bit order, then "\n" (trailing space kept). */
export function vmFlagsLine(flags: number): string {
  if (!Number.isSafeInteger(flags) || flags < 0) throw new RangeError(`vmFlagsLine: bad flags ${flags}`);
  let out = "VmFlags: ";
  for (let i = 0, rest = flags; rest > 0; i++, rest = Math.floor(rest / 2)) {
    if (rest % 2 === 1 && VMFLAG_CODES[i] !== "") out += VMFLAG_CODES[i] + " ";
  }
  return out + "\n";
}

/** Fixed-point bytes << 12 back to bytes (>> PSS_SHIFT, truncating). */
const fromFixed = (fixed: number) => Math.floor(fixed / 2 ** PSS_SHIFT);

/** __show_smap: lines Rss … Locked; the rollup adds Pss_Anon/File/Shmem after Pss_Dirty. */
function countLines(c: SmapsCounts, rollup: boolean): string {
  let s = kbLine("Rss:", c.rss) + kbLine("Pss:", fromFixed(c.pss)) + kbLine("Pss_Dirty:", fromFixed(c.pssDirty));
  if (rollup) s += kbLine("Pss_Anon:", fromFixed(c.pssAnon)) + kbLine("Pss_File:", fromFixed(c.pssFile)) + kbLine("Pss_Shmem:", fromFixed(c.pssShmem));
  return s +
    kbLine("Shared_Clean:", c.sharedClean) + kbLine("Shared_Dirty:", c.sharedDirty) +
    kbLine("Private_Clean:", c.privateClean) + kbLine("Private_Dirty:", c.privateDirty) +
    kbLine("Referenced:", c.referenced) + kbLine("Anonymous:", c.anonymous) + kbLine("KSM:", c.ksm) +
    kbLine("LazyFree:", c.lazyFree) + kbLine("AnonHugePages:", c.anonHugePages) +
    kbLine("ShmemPmdMapped:", c.shmemPmdMapped) + kbLine("FilePmdMapped:", c.filePmdMapped) +
    kbLine("Shared_Hugetlb:", c.sharedHugetlb) + kbLine("Private_Hugetlb: ", c.privateHugetlb, 17, 7) +
    kbLine("Swap:", c.swap) + kbLine("SwapPss:", fromFixed(c.swapPss)) + kbLine("Locked:", fromFixed(c.locked));
}

export interface SmapsOptions {
  thpEligible: boolean;
  /** KernelPageSize and MMUPageSize (equal on x86-64), bytes; default 4096. */
  kernelPageSize?: number;
  /** Printed only when given: x86 PKU in use. */
  protectionKey?: number;
}

/** One VMA's smaps block: maps line, Size…Locked, THPeligible, [ProtectionKey], VmFlags. */
export function smapsEntry(v: Vma, mm: MmLayout, c: SmapsCounts, opts: SmapsOptions): string {
  const page = opts.kernelPageSize ?? 4096;
  return mapsLine(v, mm) + kbLine("Size:", v.end - v.start) + kbLine("KernelPageSize:", page) +
    kbLine("MMUPageSize:", page) + countLines(c, false) +
    "THPeligible:    " + decW(opts.thpEligible ? 1 : 0, 8) + "\n" +
    (opts.protectionKey === undefined ? "" : "ProtectionKey:  " + decW(opts.protectionKey, 8) + "\n") +
    vmFlagsLine(v.flags);
}

export interface SmapsInput extends SmapsOptions { vma: Vma; counts: SmapsCounts }

const isGate = (v: Vma, mm: MmLayout) => mm.gate !== null && (v === mm.gate || v.start === mm.gate.start);

/**
 * The whole file, entries in address order. Like maps, the gate VMA comes last: if
 * mm.gate is set and no entry is for it, one is appended with zero counts (nothing of
 * it is in the task's page tables; the captures show all zeros) and THPeligible 0.
 */
export function renderSmaps(entries: readonly SmapsInput[], mm: MmLayout): string {
  let out = "";
  for (const e of entries) out += smapsEntry(e.vma, mm, e.counts, e);
  if (mm.gate && !entries.some((e) => isGate(e.vma, mm))) out += smapsEntry(mm.gate, mm, zeroCounts(), { thpEligible: false });
  return out;
}

/**
 * smaps_rollup: "first start-last end ---p 00000000 00:00 0 … [rollup]" over the mm's
 * VMAs (the gate VMA is not one of them and is skipped), then the summed counters. No
 * VMAs: the kernel prints the range 00000000-00000000.
 */
export function renderSmapsRollup(entries: readonly SmapsInput[], mm: MmLayout): string {
  const own = entries.filter((e) => !isGate(e.vma, mm));
  const start = own.length ? own[0]!.vma.start : 0n;
  const end = own.length ? own[own.length - 1]!.vma.end : 0n;
  const sum = own.reduce((acc, e) => addCounts(acc, e.counts), zeroCounts());
  return withName(headerPrefix(start, end, 0, 0n, 0, 0n), "[rollup]") + "\n" + countLines(sum, true);
}
