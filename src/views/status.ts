// The memory lines of /proc/PID/status (fs/proc/task_mmu.c task_mem, then
// hugetlb_report_usage): "Name:" TAB decW(kB, 8) " kB".
import { decW, toKb } from "./format.js";

/** All in bytes; printed truncated to kB. */
export interface StatusMemory {
  vmPeak: number; vmSize: number; vmLck: number; vmPin: number; vmHWM: number; vmRSS: number;
  rssAnon: number; rssFile: number; rssShmem: number;
  vmData: number; vmStk: number; vmExe: number; vmLib: number; vmPTE: number; vmSwap: number;
  hugetlbPages: number;
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
