// /proc/meminfo (fs/proc/meminfo.c, hugetlb_report_meminfo, x86 arch_report_meminfo).
//
// Configuration rendered — an x86-64 kernel with: no CONFIG_HIGHMEM (64-bit), no
// CONFIG_ZSWAP, no CONFIG_SHADOW_CALL_STACK (arm64-only), CONFIG_MEMORY_FAILURE
// (HardwareCorrupted), CONFIG_TRANSPARENT_HUGEPAGE (five THP lines), no CONFIG_CMA,
// no CONFIG_UNACCEPTED_MEMORY, hugetlbfs, gbpages (DirectMap1G). EarlyMemtestBad only
// when an early memtest ran (optional value). Lines, in order:
//   MemTotal MemFree MemAvailable Buffers Cached SwapCached Active Inactive
//   Active(anon) Inactive(anon) Active(file) Inactive(file) Unevictable Mlocked
//   SwapTotal SwapFree Dirty Writeback AnonPages Mapped Shmem KReclaimable Slab
//   SReclaimable SUnreclaim KernelStack PageTables SecPageTables NFS_Unstable Bounce
//   WritebackTmp CommitLimit Committed_AS VmallocTotal VmallocUsed VmallocChunk Percpu
//   [EarlyMemtestBad] HardwareCorrupted AnonHugePages ShmemHugePages ShmemPmdMapped
//   FileHugePages FilePmdMapped HugePages_Total HugePages_Free HugePages_Rsvd
//   HugePages_Surp Hugepagesize Hugetlb DirectMap4k DirectMap2M DirectMap1G
import { decW, kbValueLine } from "./format.js";

/** VmallocTotal with 4-level paging: (VMALLOC_END − VMALLOC_START) >> 10 = 32 TiB − 1 byte. */
export const VMALLOC_TOTAL_KB_4LEVEL = 34359738367;
/** 5-level paging: 12.5 PiB − 1 byte. */
export const VMALLOC_TOTAL_KB_5LEVEL = 13743895347199;

/**
 * Every value in kB (the kernel's pages × 4, already converted: one unit for all),
 * except the four HugePages_* counts, which are numbers of huge pages.
 */
export interface MeminfoValues {
  memTotal: number; memFree: number; memAvailable: number; buffers: number; cached: number; swapCached: number;
  active: number; inactive: number; activeAnon: number; inactiveAnon: number; activeFile: number; inactiveFile: number;
  unevictable: number; mlocked: number;
  swapTotal: number; swapFree: number;
  dirty: number; writeback: number; anonPages: number; mapped: number; shmem: number;
  kReclaimable: number; slab: number; sReclaimable: number; sUnreclaim: number;
  kernelStack: number; pageTables: number; secPageTables: number;
  nfsUnstable: number; bounce: number; writebackTmp: number; commitLimit: number; committedAS: number;
  vmallocTotal: number; vmallocUsed: number; vmallocChunk: number; percpu: number;
  /** Present only if an early memtest ran. */
  earlyMemtestBad?: number;
  hardwareCorrupted: number;
  anonHugePages: number; shmemHugePages: number; shmemPmdMapped: number; fileHugePages: number; filePmdMapped: number;
  hugePagesTotal: number; hugePagesFree: number; hugePagesRsvd: number; hugePagesSurp: number;
  hugepagesize: number; hugetlb: number;
  directMap4k: number; directMap2M: number; directMap1G: number;
}

/** The common 16 + 8 line. */
const L = kbValueLine;
/** The 19-char label + 5-wide value lines (HardwareCorrupted, EarlyMemtestBad). */
const L19 = (label: string, kB: number) => kbValueLine(label, kB, 19, 5);
/** HugePages_*: 19-char label, 5-wide count, no unit. */
const count = (label: string, n: number) => label.padEnd(19, " ") + decW(n, 5) + "\n";

export function renderMeminfo(v: MeminfoValues): string {
  return L("MemTotal:", v.memTotal) + L("MemFree:", v.memFree) + L("MemAvailable:", v.memAvailable) +
    L("Buffers:", v.buffers) + L("Cached:", v.cached) + L("SwapCached:", v.swapCached) +
    L("Active:", v.active) + L("Inactive:", v.inactive) +
    L("Active(anon):", v.activeAnon) + L("Inactive(anon):", v.inactiveAnon) +
    L("Active(file):", v.activeFile) + L("Inactive(file):", v.inactiveFile) +
    L("Unevictable:", v.unevictable) + L("Mlocked:", v.mlocked) +
    L("SwapTotal:", v.swapTotal) + L("SwapFree:", v.swapFree) +
    L("Dirty:", v.dirty) + L("Writeback:", v.writeback) + L("AnonPages:", v.anonPages) +
    L("Mapped:", v.mapped) + L("Shmem:", v.shmem) + L("KReclaimable:", v.kReclaimable) +
    L("Slab:", v.slab) + L("SReclaimable:", v.sReclaimable) + L("SUnreclaim:", v.sUnreclaim) +
    L("KernelStack:", v.kernelStack) + L("PageTables:", v.pageTables) + L("SecPageTables:", v.secPageTables) +
    L("NFS_Unstable:", v.nfsUnstable) + L("Bounce:", v.bounce) + L("WritebackTmp:", v.writebackTmp) +
    L("CommitLimit:", v.commitLimit) + L("Committed_AS:", v.committedAS) +
    L("VmallocTotal:", v.vmallocTotal) + L("VmallocUsed:", v.vmallocUsed) +
    L("VmallocChunk:", v.vmallocChunk) + L("Percpu:", v.percpu) +
    (v.earlyMemtestBad === undefined ? "" : L19("EarlyMemtestBad:", v.earlyMemtestBad)) +
    L19("HardwareCorrupted:", v.hardwareCorrupted) +
    L("AnonHugePages:", v.anonHugePages) + L("ShmemHugePages:", v.shmemHugePages) +
    L("ShmemPmdMapped:", v.shmemPmdMapped) + L("FileHugePages:", v.fileHugePages) +
    L("FilePmdMapped:", v.filePmdMapped) +
    count("HugePages_Total:", v.hugePagesTotal) + count("HugePages_Free:", v.hugePagesFree) +
    count("HugePages_Rsvd:", v.hugePagesRsvd) + count("HugePages_Surp:", v.hugePagesSurp) +
    L("Hugepagesize:", v.hugepagesize) + L("Hugetlb:", v.hugetlb) +
    L("DirectMap4k:", v.directMap4k) + L("DirectMap2M:", v.directMap2M) + L("DirectMap1G:", v.directMap1G);
}
