// Where mmap puts a mapping without MAP_FIXED: get_unmapped_area as x86-64 Linux does it
// (arch/x86/kernel/sys_x86_64.c arch_get_unmapped_area_topdown and arch_get_unmapped_area,
// mm/vma.c unmapped_area_topdown / unmapped_area): top-down below mmap_base over every
// gap, then bottom-up from TASK_UNMAPPED_BASE, then ENOMEM; never inside a VMA.
import { describe, expect, test } from "vitest";
import { Kernel } from "../../src/kernel/kernel.js";
import type { Process } from "../../src/kernel/process.js";
import {
  MAP_32BIT, MAP_ANONYMOUS, MAP_FIXED, MAP_GROWSDOWN, MAP_NORESERVE, MAP_PRIVATE, PROT_NONE, PROT_READ, PROT_WRITE,
} from "../../src/kernel/constants.js";

const RW = PROT_READ | PROT_WRITE, ANON = MAP_PRIVATE | MAP_ANONYMOUS, PAGE = 4096n;

/** maps as [start, end) pairs, in the order printed; each VMA non-empty, sorted, disjoint. */
function checkedRanges(k: Kernel, p: Process): [bigint, bigint][] {
  const lines = (k.procfs.read(`/proc/${p.pid}/maps`) as string).trimEnd().split("\n");
  const ranges = lines.map((l) => l.split(" ")[0]!.split("-").map((x) => BigInt("0x" + x)) as [bigint, bigint]);
  ranges.forEach(([s, e], i) => {
    expect(s < e, lines[i]).toBe(true);
    if (i > 0) expect(ranges[i - 1]![1] <= s, `${lines[i - 1]} / ${lines[i]}`).toBe(true);
  });
  return ranges;
}
const inside = (ranges: [bigint, bigint][], a: bigint, len: bigint) => ranges.filter(([s, e]) => a < e && s < a + len);

describe("top-down placement", () => {
  test("5-level: after MAP_FIXED of 2^47 bytes at 0x10000000, mmap(0, 4096) lands outside it and maps stays sorted", async () => {
    const k = await Kernel.create({ ramBytes: 8 << 20, mode: "5level" });
    const p = k.spawn({ name: "t", segments: [{ vaddr: 0x400000, memsz: 0x1000, prot: PROT_READ }] });
    p.mmap(0x10000000, 1n << 47n, RW, ANON | MAP_FIXED | MAP_NORESERVE);
    const before = checkedRanges(k, p);
    const a = p.mmap(0, 4096, RW, ANON);
    expect(inside(before, a, PAGE)).toEqual([]);
    expect(a).toBe(0x10000000n - PAGE);                    // the highest free page below mmap_base
    checkedRanges(k, p);
  });

  test("top-down below mmap_base first; with no room there, bottom-up from TASK_UNMAPPED_BASE; then ENOMEM", async () => {
    const k = await Kernel.create({ ramBytes: 8 << 20 });
    const p = k.spawn({ name: "t", segments: [] });
    const vvar = p.mm.vmas.find((v) => v.special === "[vvar]")!, vdso = p.mm.vmas.find((v) => v.special === "[vdso]")!;
    const stack = p.mm.vmas.find((v) => v.start <= p.mm.startStack && p.mm.startStack < v.end)!;
    expect(p.mmap(0, 4096, RW, ANON)).toBe(vvar.start - PAGE);
    p.mmap(0x10000, vvar.start - 0x10000n, PROT_NONE, ANON | MAP_FIXED);
    // Nothing fits below mmap_base: bottom-up finds the gap above [vdso], below the stack.
    expect(p.mmap(0, 4096, RW, ANON)).toBe(vdso.end);
    const guard = 256n * PAGE;                               // stack_guard_gap stays free below [stack]
    p.mmap(vdso.end, stack.start - guard - vdso.end, PROT_NONE, ANON | MAP_FIXED);
    expect(() => p.mmap(0, 4096, RW, ANON)).toThrow(/ENOMEM/);
    checkedRanges(k, p);
  });

  test("a free hint is taken as is; one within stack_guard_gap of a grows-down mapping is not", async () => {
    const k = await Kernel.create({ ramBytes: 8 << 20 });
    const p = k.spawn({ name: "t", segments: [] });
    const g = p.mmap(0x40000000, 4096, RW, ANON | MAP_FIXED | MAP_GROWSDOWN);
    expect(p.mmap(g - 0x200000n, 4096, RW, ANON)).toBe(g - 0x200000n);
    const near = p.mmap(g - 0x80000n, 4096, RW, ANON);
    expect(near).not.toBe(g - 0x80000n);
    expect(near > 0x40000000n).toBe(true);                    // top-down, below mmap_base
  });

  test("MAP_32BIT places the mapping in [1 GiB, 2 GiB)", async () => {
    const k = await Kernel.create({ ramBytes: 8 << 20 });
    const p = k.spawn({ name: "t", segments: [] });
    expect(p.mmap(0, 8192, RW, ANON | MAP_32BIT)).toBe(0x40000000n);
    expect(p.mmap(0, 8192, RW, ANON | MAP_32BIT)).toBe(0x40002000n);
  });

  test("5-level: a hint above 2^47 opens the whole 57-bit space; without one mmap stays below 2^47", async () => {
    const k = await Kernel.create({ ramBytes: 8 << 20, mode: "5level" });
    const p = k.spawn({ name: "t", segments: [] });
    expect(p.mmap(1n << 52n, 4096, RW, ANON)).toBe(1n << 52n);
    const again = p.mmap(1n << 52n, 4096, RW, ANON);       // taken: search the whole space top-down
    expect(again > 1n << 47n).toBe(true);
    expect(again).toBe(p.mm.mmapBase + ((1n << 56n) - PAGE) - ((1n << 47n) - PAGE) - PAGE);
    expect(p.mmap(0, 4096, RW, ANON) < 1n << 47n).toBe(true);
    checkedRanges(k, p);
  });
});
