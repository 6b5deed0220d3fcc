// /proc/meminfo and the status Vm* lines: label widths, value columns, the
// exceptions (HugePages_* counts, HardwareCorrupted, overflowing VmallocTotal).
import { describe, expect, test } from "vitest";
import { type MeminfoValues, VMALLOC_TOTAL_KB_4LEVEL, renderMeminfo } from "../../src/views/meminfo.js";
import { type StatusMemory, renderStatusMemory } from "../../src/views/status.js";

const values = (): MeminfoValues => ({
  memTotal: 16303568, memFree: 9876540, memAvailable: 13000000, buffers: 123456, cached: 2345678, swapCached: 0,
  active: 1000000, inactive: 2000000, activeAnon: 500000, inactiveAnon: 600000, activeFile: 500000, inactiveFile: 1400000,
  unevictable: 0, mlocked: 0, swapTotal: 1048572, swapFree: 1048572, dirty: 44, writeback: 0, anonPages: 1100000,
  mapped: 300000, shmem: 20000, kReclaimable: 150000, slab: 250000, sReclaimable: 150000, sUnreclaim: 100000,
  kernelStack: 12000, pageTables: 30000, secPageTables: 0, nfsUnstable: 0, bounce: 0, writebackTmp: 0,
  commitLimit: 9200356, committedAS: 5000000, vmallocTotal: VMALLOC_TOTAL_KB_4LEVEL, vmallocUsed: 40000,
  vmallocChunk: 0, percpu: 5000, hardwareCorrupted: 0, anonHugePages: 0, shmemHugePages: 0, shmemPmdMapped: 0,
  fileHugePages: 0, filePmdMapped: 0, hugePagesTotal: 0, hugePagesFree: 0, hugePagesRsvd: 0, hugePagesSurp: 0,
  hugepagesize: 2048, hugetlb: 0, directMap4k: 300000, directMap2M: 8000000, directMap1G: 9437184,
});

describe("meminfo", () => {
  const out = renderMeminfo(values());
  const lines = out.split("\n").slice(0, -1);

  test("the configured line list, in kernel order", () => {
    expect(lines.map((l) => l.split(":")[0])).toEqual([
      "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active", "Inactive",
      "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked",
      "SwapTotal", "SwapFree", "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem", "KReclaimable", "Slab",
      "SReclaimable", "SUnreclaim", "KernelStack", "PageTables", "SecPageTables", "NFS_Unstable", "Bounce",
      "WritebackTmp", "CommitLimit", "Committed_AS", "VmallocTotal", "VmallocUsed", "VmallocChunk", "Percpu",
      "HardwareCorrupted", "AnonHugePages", "ShmemHugePages", "ShmemPmdMapped", "FileHugePages", "FilePmdMapped",
      "HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp", "Hugepagesize", "Hugetlb",
      "DirectMap4k", "DirectMap2M", "DirectMap1G"]);
    expect(out).not.toContain("ShadowCallStack");
    expect(out.endsWith("\n")).toBe(true);
  });
  test("16-char labels, value right-aligned to column 24, then ' kB'", () => {
    expect(lines[0]).toBe("MemTotal:       16303568 kB");
    expect(lines[9]).toBe("Inactive(anon):   600000 kB");
    expect(lines[16]).toBe("Dirty:                44 kB");
    for (const l of lines.filter((x) => !/^(HugePages_|HardwareCorrupted|VmallocTotal)/.test(x))) {
      expect(l).toMatch(/^[A-Za-z0-9_()]+: *[0-9]+ kB$/);
      expect(l.length).toBe(27);
    }
  });
  test("VmallocTotal overflows the 8-wide field", () => {
    expect(lines).toContain("VmallocTotal:   34359738367 kB");
  });
  test("HardwareCorrupted: 19-char label, 5-wide value, kB", () => {
    expect(lines).toContain("HardwareCorrupted:     0 kB");
  });
  test("HugePages_*: 19-char labels, 5-wide counts, no unit", () => {
    const out2 = renderMeminfo({ ...values(), hugePagesTotal: 512, hugePagesFree: 500, hugePagesRsvd: 3, hugePagesSurp: 0 });
    expect(out2).toContain("HugePages_Total:     512\nHugePages_Free:      500\nHugePages_Rsvd:        3\n" +
      "HugePages_Surp:        0\nHugepagesize:       2048 kB\nHugetlb:               0 kB\n");
  });
  test("EarlyMemtestBad only when given, 19 + 5 like HardwareCorrupted", () => {
    expect(renderMeminfo({ ...values(), earlyMemtestBad: 0 })).toContain("Percpu:             5000 kB\nEarlyMemtestBad:       0 kB\nHardwareCorrupted:");
  });
});

describe("status memory lines", () => {
  const v: StatusMemory = {
    vmPeak: 10_000 * 1024, vmSize: 9_000 * 1024, vmLck: 0, vmPin: 0, vmHWM: 3_000 * 1024, vmRSS: 2_900 * 1024 + 1023,
    rssAnon: 1_000 * 1024, rssFile: 1_900 * 1024, rssShmem: 0, vmData: 1_500 * 1024, vmStk: 132 * 1024,
    vmExe: 1_620 * 1024, vmLib: 3_000 * 1024, vmPTE: 60 * 1024, vmSwap: 0, hugetlbPages: 0,
  };
  test("name, TAB, decW(kB, 8), ' kB', in task_mem order, HugetlbPages last", () => {
    expect(renderStatusMemory(v)).toBe(
      "VmPeak:\t   10000 kB\nVmSize:\t    9000 kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\n" +
      "VmHWM:\t    3000 kB\nVmRSS:\t    2900 kB\nRssAnon:\t    1000 kB\nRssFile:\t    1900 kB\n" +
      "RssShmem:\t       0 kB\nVmData:\t    1500 kB\nVmStk:\t     132 kB\nVmExe:\t    1620 kB\n" +
      "VmLib:\t    3000 kB\nVmPTE:\t      60 kB\nVmSwap:\t       0 kB\nHugetlbPages:\t       0 kB\n");
  });
});
