// /proc/PID/smaps: the real captures reproduced byte for byte from their own numbers;
// VmFlags codes and order; fixed-point Pss; the smaps_rollup header and sums.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { type MmLayout, type Vma, VM_ACCOUNT, VM_LOCKED, VM_READ, VM_WRITE } from "../../src/kernel/vma.js";
import { parseMaps } from "../../src/views/maps.js";
import {
  type SmapsCounts, type SmapsInput, VMFLAG_CODES, renderSmaps, renderSmapsRollup, smapsEntry, vmFlagsLine, zeroCounts,
} from "../../src/views/smaps.js";
import { FIXTURES } from "../helpers/fixtures.js";

const HEADER = /^[0-9a-f]+-[0-9a-f]+ [r-][w-][x-][ps] /;
const FIELD: Record<string, keyof SmapsCounts> = {
  Rss: "rss", Pss: "pss", Pss_Dirty: "pssDirty", Shared_Clean: "sharedClean", Shared_Dirty: "sharedDirty",
  Private_Clean: "privateClean", Private_Dirty: "privateDirty", Referenced: "referenced", Anonymous: "anonymous",
  KSM: "ksm", LazyFree: "lazyFree", AnonHugePages: "anonHugePages", ShmemPmdMapped: "shmemPmdMapped",
  FilePmdMapped: "filePmdMapped", Shared_Hugetlb: "sharedHugetlb", Private_Hugetlb: "privateHugetlb",
  Swap: "swap", SwapPss: "swapPss", Locked: "locked",
};
const FIXED = new Set<keyof SmapsCounts>(["pss", "pssDirty", "swapPss", "locked"]);
const codeBit = new Map(VMFLAG_CODES.map((c, i) => [c, i] as const).filter(([c]) => c !== "" && c !== "??"));

function flagsFromCodes(line: string): number {
  const codes = line.slice("VmFlags: ".length).trim().split(" ").filter(Boolean);
  return codes.reduce((f, c) => f + 2 ** codeBit.get(c)!, 0);
}

/** A real smaps file → its VMAs (from the header lines) with counts, THPeligible and VmFlags. */
function parseSmapsFixture(text: string): { entries: SmapsInput[]; mm: MmLayout; inferred: number[] } {
  const blocks: string[][] = [];
  for (const l of text.split("\n").slice(0, -1)) {
    if (HEADER.test(l)) blocks.push([l]); else blocks.at(-1)!.push(l);
  }
  const { vmas, mm } = parseMaps(blocks.map((b) => b[0] + "\n").join(""));
  const all = mm.gate ? [...vmas, mm.gate] : vmas;
  const entries = blocks.map((b, i): SmapsInput => {
    const counts = zeroCounts();
    let thpEligible = false, flags = 0;
    for (const l of b.slice(1)) {
      const m = /^(\w+):\s+(\d+)( kB)?$/.exec(l);
      if (m && FIELD[m[1]!]) {
        const k = FIELD[m[1]!]!;
        counts[k] = Number(m[2]) * 1024 * (FIXED.has(k) ? 4096 : 1);
      } else if (m?.[1] === "THPeligible") thpEligible = m[2] === "1";
      else if (l.startsWith("VmFlags: ")) flags = flagsFromCodes(l);
    }
    return { vma: { ...all[i]!, flags }, counts, thpEligible };
  });
  if (mm.gate) mm.gate = entries.at(-1)!.vma;
  return { entries, mm, inferred: all.map((v) => v.flags) };
}

describe("smaps reproduces the real captures byte for byte", () => {
  test.each(["perl.smaps", "sqlite3.smaps"])("%s", (f) => {
    const text = readFileSync(FIXTURES + "maps/" + f, "utf8");
    const { entries, mm } = parseSmapsFixture(text);
    expect(entries.length).toBeGreaterThan(50);
    expect(renderSmaps(entries, mm)).toBe(text);
    // The gate entry, left out, is appended with zero counts: same bytes.
    expect(renderSmaps(entries.slice(0, -1), mm)).toBe(text);
  });
  test.each(["perl.smaps", "sqlite3.smaps"])("flags inferred from the maps lines of %s match VmFlags but for RELRO's ac", (f) => {
    const text = readFileSync(FIXTURES + "maps/" + f, "utf8");
    const { entries, inferred } = parseSmapsFixture(text);
    let relros = 0;
    entries.forEach((e, i) => {
      const relro = e.vma.file !== null && !(e.vma.flags & VM_WRITE) && e.vma.flags === (inferred[i]! | VM_ACCOUNT);
      if (relro) relros++;
      else expect([e.vma.start.toString(16), inferred[i]]).toEqual([e.vma.start.toString(16), e.vma.flags]);
    });
    expect(relros).toBe(text.split("VmFlags: rd mr mw me ac \n").length - 1);
  });
});

describe("VmFlags", () => {
  test("codes in bit order with a trailing space", () => {
    expect(vmFlagsLine(0)).toBe("VmFlags: \n");
    expect(vmFlagsLine(0b1110001)).toBe("VmFlags: rd mr mw me \n");
    expect(vmFlagsLine(2 ** 31 + 2 ** 20 + 2 ** 8 + 3)).toBe("VmFlags: rd wr gd ac mg \n");
    expect(vmFlagsLine(0x7fffffff & ~(1 << 11))).toBe("VmFlags: rd wr ex sh mr mw me ms gd um pf uw lo io sr rr dc de lf ac nr ht sf ar wf dd sd mm hg nh \n");
  });
  test("unknown bits print ??: bit 11 (former dw) and bit 36", () => {
    expect(vmFlagsLine(1 | (1 << 11))).toBe("VmFlags: rd ?? \n");
    expect(vmFlagsLine(2 ** 36)).toBe("VmFlags: ?? \n");
  });
  test("protection-key bits 32–35 are not printed; high bits 37, 40–42 have codes", () => {
    expect(vmFlagsLine(1 + 2 ** 32 + 2 ** 35)).toBe("VmFlags: rd \n");
    expect(vmFlagsLine(2 ** 37 + 2 ** 40 + 2 ** 41 + 2 ** 42)).toBe("VmFlags: ss dp ui sl \n");
  });
});

const anonVma = (start: bigint, end: bigint, flags = VM_READ | VM_WRITE): Vma =>
  ({ start, end, flags, pgoff: 0n, file: null, special: null, anonName: null });
const mm: MmLayout = { startBrk: 0n, brk: 0n, startStack: 0n, gate: null };
const linesOf = (s: string) => new Map(s.split("\n").map((l) => [l.split(":")[0]!, l] as const));

describe("smaps entry layout", () => {
  test("Pss is fixed-point, truncated once; Private_Hugetlb keeps column 24; ProtectionKey only when given", () => {
    const c = { ...zeroCounts(), rss: 3 * 4096, pss: Math.floor((3 * 4096 * 4096) / 2), privateHugetlb: 2 << 20 };
    const s = smapsEntry(anonVma(0x1000n, 0x5000n), mm, c, { thpEligible: true, protectionKey: 5 });
    const l = linesOf(s);
    expect(l.get("Pss")).toBe("Pss:                   6 kB");
    expect(l.get("Private_Hugetlb")).toBe("Private_Hugetlb:    2048 kB");
    expect(l.get("THPeligible")).toBe("THPeligible:           1");
    expect(l.get("ProtectionKey")).toBe("ProtectionKey:         5");
    expect(s.endsWith("THPeligible:           1\nProtectionKey:         5\nVmFlags: rd wr \n")).toBe(true);
    expect(smapsEntry(anonVma(0x1000n, 0x5000n), mm, c, { thpEligible: false })).not.toContain("ProtectionKey");
  });
  test("KernelPageSize and MMUPageSize follow the page size given (hugetlb)", () => {
    const l = linesOf(smapsEntry(anonVma(0n, 0x400000n), mm, zeroCounts(), { thpEligible: false, kernelPageSize: 2 << 20 }));
    expect(l.get("KernelPageSize")).toBe("KernelPageSize:     2048 kB");
    expect(l.get("MMUPageSize")).toBe("MMUPageSize:        2048 kB");
  });
});

describe("smaps_rollup", () => {
  const third = Math.floor((4096 * 4096) / 3); // one page mapped 3 times
  const e = (start: bigint, end: bigint, flags?: number): SmapsInput => ({
    vma: anonVma(start, end, flags), thpEligible: false,
    counts: { ...zeroCounts(), rss: 4096, pss: third, pssAnon: third, sharedClean: 4096, locked: flags ? third : 0 },
  });
  const entries = [e(0x555555554000n, 0x555555555000n), e(0x7ffffffde000n, 0x7ffffffff000n, VM_READ | VM_LOCKED)];
  const gate = anonVma(0xffffffffff600000n, 0xffffffffff601000n, 4);
  const out = renderSmapsRollup([...entries, { vma: gate, counts: { ...zeroCounts(), rss: 1 << 20 }, thpEligible: false }], { ...mm, gate });

  test("header: first start to last end, ---p, padded, [rollup]; the gate is left out", () => {
    expect(out.split("\n")[0]).toBe("555555554000-7ffffffff000 ---p 00000000 00:00 0" + " ".repeat(25) + " [rollup]");
  });
  test("lines 4–22 with Pss_Anon/File/Shmem after Pss_Dirty, summed in fixed point", () => {
    const keys = out.split("\n").slice(1, -1).map((l) => l.split(":")[0]);
    expect(keys).toEqual(["Rss", "Pss", "Pss_Dirty", "Pss_Anon", "Pss_File", "Pss_Shmem", "Shared_Clean", "Shared_Dirty",
      "Private_Clean", "Private_Dirty", "Referenced", "Anonymous", "KSM", "LazyFree", "AnonHugePages", "ShmemPmdMapped",
      "FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss", "Locked"]);
    const l = linesOf(out);
    expect(l.get("Rss")).toBe("Rss:                   8 kB");
    expect(l.get("Pss")).toBe("Pss:                   2 kB"); // 2 × 1365.33 bytes; per VMA each prints 1 kB
    expect(l.get("Pss_Anon")).toBe("Pss_Anon:              2 kB");
    expect(l.get("Locked")).toBe("Locked:                1 kB");
    expect(linesOf(smapsEntry(entries[0]!.vma, mm, entries[0]!.counts, entries[0]!)).get("Pss")).toBe("Pss:                   1 kB");
  });
  test("no VMAs: 00000000-00000000", () => {
    expect(renderSmapsRollup([], mm).split("\n")[0]).toBe("00000000-00000000 ---p 00000000 00:00 0" + " ".repeat(33) + " [rollup]");
  });
});
