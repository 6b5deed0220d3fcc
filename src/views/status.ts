// The memory lines of /proc/PID/status (fs/proc/task_mmu.c task_mem, then
// hugetlb_report_usage): "Name:" TAB decW(kB, 8) " kB".
import { decW, toKb } from "./format.js";

/** Bytes (a 5-level process's VmSize passes 2^53: sizes of VMAs stay bigint); printed truncated to kB. */
type Bytes = number | bigint;
export interface StatusMemory {
  vmPeak: Bytes; vmSize: Bytes; vmLck: Bytes; vmPin: Bytes; vmHWM: Bytes; vmRSS: Bytes;
  rssAnon: Bytes; rssFile: Bytes; rssShmem: Bytes;
  vmData: Bytes; vmStk: Bytes; vmExe: Bytes; vmLib: Bytes; vmPTE: Bytes; vmSwap: Bytes;
  hugetlbPages: Bytes;
}

const ORDER: readonly [string, keyof StatusMemory][] = [
  ["VmPeak", "vmPeak"], ["VmSize", "vmSize"], ["VmLck", "vmLck"], ["VmPin", "vmPin"],
  ["VmHWM", "vmHWM"], ["VmRSS", "vmRSS"], ["RssAnon", "rssAnon"], ["RssFile", "rssFile"],
  ["RssShmem", "rssShmem"], ["VmData", "vmData"], ["VmStk", "vmStk"], ["VmExe", "vmExe"],
  ["VmLib", "vmLib"], ["VmPTE", "vmPTE"], ["VmSwap", "vmSwap"], ["HugetlbPages", "hugetlbPages"],
];

export function renderStatusMemory(v: StatusMemory): string {
  return ORDER.map(([name, k]) => `${name}:\t${decW(toKb(v[k]), 8)} kB\n`).join("");
}
