// The rule each replayed step followed (ReplayStep.rules, .rule): noted by the kernel code
// where it decides (rules.ts), so the rule names the path the model took. One test per
// rule kind: on a known syscall of the four real histories where one shows it, else on a
// hand-written log over ls's initial maps, with the address or value that proves the path.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Kernel } from "../../src/kernel/kernel.js";
import { SyscallReplay, type ReplayStep } from "../../src/kernel/replaySyscalls.js";
import { ruleSentence } from "../../src/kernel/rules.js";
import { FIXTURES } from "../helpers/fixtures.js";

const DIR = FIXTURES + "processes/";
const read = (f: string) => readFileSync(DIR + f, "latin1");

/** Memory syscall #k of a real history (replayed up to it). */
async function historyStep(name: string, k: number): Promise<ReplayStep> {
  const kernel = await Kernel.create({ ramBytes: 64 << 20, mmapMinAddr: 4096 });
  const r = new SyscallReplay(kernel, read(`${name}.initial.maps`), read(`${name}.syscalls.jsonl`), name);
  const steps = r.run(k);
  const s = steps.at(-1)!;
  expect(s.record.mm).toBe(k);
  return s;
}

const SP = "0x7fffffffe000";
const NR: Record<string, number> = { mmap: 9, mprotect: 10, munmap: 11, brk: 12, mremap: 25, msync: 26, madvise: 28, mlock: 149, close: 3 };
const hx = (v: number | bigint) => "0x" + v.toString(16);
const FILE = { path: "/usr/share/big", dev: "fe:00", ino: 77, size: 8 << 20, mode: "0100644" };

/**
 * A hand-written log over ls's initial maps: each call is [name, args, Linux's ret, extra];
 * returns the memory steps (auxiliary ones only when asked).
 */
async function logSteps(calls: [string, (number | bigint)[], string, object?][], all = false): Promise<ReplayStep[]> {
  let mm = 0;
  const lines = calls.map(([name, args, ret, extra], i) => JSON.stringify({
    i, mm: name === "close" ? 0 : ++mm, name, nr: NR[name], args: args.map(hx), ret, sp: SP, ...extra,
  }));
  const k = await Kernel.create({ ramBytes: 16 << 20, mmapMinAddr: 4096 });
  const r = new SyscallReplay(k, read("ls.initial.maps"), lines.join("\n") + "\n");
  const steps = r.run();
  return all ? steps : steps.filter((s) => s.record.mm !== 0);
}

const kinds = (s: ReplayStep) => s.rules.map((r) => r.kind);
const RW = 3, PRIVATE_ANON = 0x22, FIXED = 0x10;
const MB = 1 << 20;

describe("placement rules (get_unmapped_area)", () => {
  test("top-down: ls's first anonymous mmap goes at the top of the highest gap below mmap_base (gzip #2)", async () => {
    const s = await historyStep("gzip", 2);
    expect(s.model).toBe(0x7ffff7fc0000n);           // just below [vvar], as Linux
    expect(kinds(s)).toEqual(["top-down"]);
    expect(s.rule).toBe("Top-down first fit below mmap_base 0x7ffff7fff000 (vm_unmapped_area).");
  });

  test("hint: a free hint is taken as is; a taken one falls back to top-down and says so", async () => {
    const [a, b] = await logSteps([
      ["mmap", [0x60000000, 0x1000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x60000000"],
      ["mmap", [0x555555558000, 0x1000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x7ffff7fc1000"],
    ]);
    expect(a!.model).toBe(0x60000000n);
    expect(kinds(a!)).toEqual(["hint"]);
    expect(a!.rule).toBe("The hint 0x60000000 is free: the mapping goes there (arch_get_unmapped_area_topdown).");
    expect(b!.model).toBe(0x7ffff7fc1000n);
    expect(kinds(b!)).toEqual(["top-down"]);
    expect(b!.rule).toContain("the hint 0x555555558000 cannot be used");
  });

  test("bottom-up: with nothing free below mmap_base the search goes up from TASK_UNMAPPED_BASE (above ld.so)", async () => {
    const steps = await logSteps([
      ["mmap", [0x1000, 0x555555554000 - 0x1000, 0, PRIVATE_ANON | FIXED, 0xffffffff, 0], "0x1000"],
      ["mmap", [0x55555557a000, 0x7ffff7fc2000 - 0x55555557a000, 0, PRIVATE_ANON | FIXED, 0xffffffff, 0], "0x55555557a000"],
      ["mmap", [0, 0x1000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x7ffff7fff000"],
    ]);
    const s = steps[2]!;
    expect(s.model).toBe(0x7ffff7fff000n);
    expect(kinds(s)).toEqual(["bottom-up"]);
    expect(s.rule).toContain("(arch_get_unmapped_area)");
    expect(s.rule).toContain("TASK_UNMAPPED_BASE 0x2aaaaaaab000");
  });

  test("bottom-up: MAP_32BIT searches [1 GiB, 2 GiB) from below", async () => {
    const [s] = await logSteps([["mmap", [0, 0x1000, RW, PRIVATE_ANON | 0x40, 0xffffffff, 0], "0x40000000"]]);
    expect(s!.model).toBe(0x40000000n);
    expect(kinds(s!)).toEqual(["bottom-up"]);
    expect(s!.rule).toBe("MAP_32BIT: bottom-up first fit in [1 GiB, 2 GiB) (arch_get_unmapped_area).");
  });

  test("thp: a file mapping holding a whole 2 MiB of the file starts on a 2 MiB boundary, as its offset", async () => {
    const [s] = await logSteps([["mmap", [0, 4 * MB, 1, 2, 3, 0], "0x7ffff7a00000", { file: FILE }]]);
    expect(s!.model! % BigInt(2 * MB)).toBe(0n);
    expect(s!.model).toBe(0x7ffff7a00000n);
    expect(kinds(s!)).toEqual(["thp"]);
    expect(s!.rule).toContain("(thp_get_unmapped_area)");
  });

  test("thp: an anonymous mapping of 2 MiB without a hint is 2 MiB aligned; one page is not", async () => {
    const [a, b] = await logSteps([
      ["mmap", [0, 2 * MB, RW, PRIVATE_ANON, 0xffffffff, 0], "0x7ffff7c00000"],
      ["mmap", [0, 0x1000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x7ffff7fc1000"],
    ]);
    expect(a!.model).toBe(0x7ffff7c00000n);
    expect(kinds(a!)).toEqual(["thp"]);
    expect(a!.rule).toContain("(thp_get_unmapped_area_vmflags)");
    expect(kinds(b!)).toEqual(["top-down"]);
  });
});

describe("MAP_FIXED and merging", () => {
  test("fixed-replace: ld.so maps libc's text over its reservation (gzip #5): MAP_FIXED replaces, the VMA is split", async () => {
    const s = await historyStep("gzip", 5);
    expect(kinds(s)).toEqual(["fixed-replace"]);
    expect(s.rule).toBe("MAP_FIXED replaces what was there: the part of the VMA there is unmapped first (the rest is split off) (do_mmap → mmap_region).");
    expect(s.changes.map((c) => c.kind)).toEqual(["split"]);
  });

  test("fixed-replace, merge-above: gzip #6 maps libc's rodata over the same file at a contiguous offset: it merges with the VMA above", async () => {
    const s = await historyStep("gzip", 6);
    expect(kinds(s)).toEqual(["fixed-replace", "merge-above"]);
    expect(s.rule).toContain("merged with the VMA above: same flags, same file and contiguous offset (vma_merge_new_range)");
  });

  test("fixed: MAP_FIXED at a free range goes exactly there, nothing replaced", async () => {
    const [s] = await logSteps([["mmap", [0x60000000, 0x2000, RW, PRIVATE_ANON | FIXED, 0xffffffff, 0], "0x60000000"]]);
    expect(kinds(s!)).toEqual(["fixed"]);
    expect(s!.rule).toBe("MAP_FIXED at a free range: the mapping goes exactly there (do_mmap → mmap_region).");
  });

  test("merge-below: a second anonymous mapping right above the first (same flags, contiguous page offset) merges into it", async () => {
    const [, b] = await logSteps([
      ["mmap", [0x60000000, 0x1000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x60000000"],
      ["mmap", [0x60001000, 0x1000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x60001000"],
    ]);
    expect(kinds(b!)).toEqual(["hint", "merge-below"]);
    expect(b!.changes.map((c) => c.kind)).toEqual(["merged"]);
    expect(b!.rule).toContain("merged with the VMA below");
  });

  test("merge after mprotect: restoring a split piece's rights merges it back (vma_merge_existing_range)", async () => {
    const [, b, c] = await logSteps([
      ["mmap", [0x60000000, 0x3000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x60000000"],
      ["mprotect", [0x60001000, 0x1000, 1], "0x0"],
      ["mprotect", [0x60001000, 0x1000, RW], "0x0"],
    ]);
    expect(kinds(b!)).toEqual(["protect-split"]);
    expect(kinds(c!)).toEqual(["protect-whole", "merge-above", "merge-below"]);
    expect(c!.rule).toContain("(vma_merge_existing_range)");
  });
});

describe("brk and the stack", () => {
  test("brk-query: brk(0) returns the break and changes nothing (gzip #1)", async () => {
    const s = await historyStep("gzip", 1);
    expect(s.model).toBe(0x555555634000n);
    expect(kinds(s)).toEqual(["brk-query"]);
    expect(s.rule).toBe("brk(0) asks for the break: the current one, 0x555555634000, is returned and nothing changes (sys_brk).");
  });

  test("brk-new, then brk-grow: bash's first growth makes [heap] (never merged into bss), later ones extend it", async () => {
    const first = await historyStep("bash-recurse", 20);
    expect(kinds(first)).toEqual(["brk-new"]);
    expect(first.rule).toBe("brk creates [heap]: a new VMA at start_brk, never merged into the bss below (do_brk_flags).");
    expect(first.changes.map((c) => c.kind)).toEqual(["created"]);
    const later = await historyStep("bash-recurse", 34);
    expect(kinds(later)).toEqual(["brk-grow"]);
    expect(later.rule).toBe("brk grows [heap]: the VMA below the old break is extended (do_brk_flags).");
  });

  test("brk-shrink: sqlite3 #44 gives heap back (do_vmi_align_munmap)", async () => {
    const s = await historyStep("sqlite3", 44);
    expect(kinds(s)).toEqual(["brk-shrink"]);
    expect(s.rule).toContain("(do_vmi_align_munmap)");
  });

  test("brk-same-page and brk-refused: a break in the same page only moves mm->brk; one past TASK_SIZE returns the old break", async () => {
    const [, b, c] = await logSteps([
      ["brk", [0x55555557a010], "0x55555557a010"],
      ["brk", [0x55555557a020], "0x55555557a020"],
      ["brk", [0x800000000000n], "0x55555557a020"],
    ]);
    expect(kinds(b!)).toEqual(["brk-same-page"]);
    expect(b!.model).toBe(0x55555557a020n);
    expect(kinds(c!)).toEqual(["brk-refused"]);
    expect(c!.model).toBe(0x55555557a020n);
    expect(c!.rule).toBe("brk refused: the heap would pass TASK_SIZE; the old break is returned (check_brk_limits).");
  });

  test("stack-grow: bash's recursion moves sp below [stack]; the fault before #37 grows it (expand_downwards)", async () => {
    const s = await historyStep("bash-recurse", 37);
    expect(kinds(s)).toEqual(["stack-grow", "brk-grow"]);
    expect(s.faults.map((c) => c.kind)).toEqual(["grown"]);
    expect(s.rule).toMatch(/^A fault at 0x[0-9a-f]+, below \[stack\]: the stack grows down to cover its page \(expand_downwards\); brk grows/);
  });

  test("stack-grow on a constructed log: an sp one page below [stack] grows it by that page", async () => {
    const [s] = await logSteps([["close", [3], "0x0", { sp: "0x7ffffffdd008" }]], true);
    expect(kinds(s!)).toEqual(["stack-grow"]);
    expect(s!.faults[0]!.after[0]!.start).toBe(0x7ffffffdd000n);
  });
});

describe("munmap, mprotect, mremap, madvise, msync", () => {
  test("munmap-remove: ld.so drops ld.so.cache (gzip #13)", async () => {
    const s = await historyStep("gzip", 13);
    expect(kinds(s)).toEqual(["munmap-remove"]);
    expect(s.rule).toBe("munmap removes the whole VMA (do_vmi_align_munmap).");
  });

  test("munmap-split and munmap-nothing", async () => {
    const [, b, c] = await logSteps([
      ["mmap", [0x60000000, 0x3000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x60000000"],
      ["munmap", [0x60001000, 0x1000], "0x0"],
      ["munmap", [0x70000000, 0x1000], "0x0"],
    ]);
    expect(kinds(b!)).toEqual(["munmap-split"]);
    expect(b!.rule).toBe("munmap of the middle of a VMA splits it in two and removes the middle (do_vmi_align_munmap → split_vma).");
    expect(kinds(c!)).toEqual(["munmap-nothing"]);
  });

  test("protect-split: RELRO made read-only (gzip #11) splits the program's data VMA", async () => {
    const s = await historyStep("gzip", 11);
    expect(kinds(s)).toEqual(["protect-split"]);
    expect(s.rule).toBe("mprotect splits the VMA: the part in the range gets the new rights (mprotect_fixup → vma_modify_flags).");
  });

  test("protect-whole and protect-same", async () => {
    const [, b, c] = await logSteps([
      ["mmap", [0x60000000, 0x2000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x60000000"],
      ["mprotect", [0x60000000, 0x2000, 1], "0x0"],
      ["mprotect", [0x60000000, 0x2000, 1], "0x0"],
    ]);
    expect(kinds(b!)).toEqual(["protect-whole"]);
    expect(kinds(c!)).toEqual(["protect-same"]);
  });

  test("mremap-move: sqlite3 #56 cannot grow in place and moves, placed top-down", async () => {
    const s = await historyStep("sqlite3", 56);
    expect(kinds(s)).toEqual(["mremap-move", "top-down"]);
    expect(s.rule).toContain("(move_vma → move_page_tables)");
  });

  test("mremap-grow, mremap-shrink, mremap-same, mremap-fixed", async () => {
    const [, grow, shrink, same, fixed] = await logSteps([
      ["mmap", [0x60000000, 0x1000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x60000000"],
      ["mremap", [0x60000000, 0x1000, 0x3000, 1], "0x60000000"],
      ["mremap", [0x60000000, 0x3000, 0x2000, 0], "0x60000000"],
      ["mremap", [0x60000000, 0x2000, 0x2000, 0], "0x60000000"],
      ["mremap", [0x60000000, 0x2000, 0x2000, 3, 0x61000000], "0x61000000"],
    ]);
    expect(kinds(grow!)).toEqual(["mremap-grow"]);
    expect(grow!.rule).toContain("(expand_vma_in_place → vma_merge_extend)");
    expect(kinds(shrink!)).toEqual(["mremap-shrink"]);
    expect(kinds(same!)).toEqual(["mremap-same"]);
    expect(kinds(fixed!)).toEqual(["mremap-fixed"]);
    expect(fixed!.model).toBe(0x61000000n);
  });

  test("madvise: DONTNEED zaps, WILLNEED changes nothing, DONTFORK on part splits (madvise_update_vma)", async () => {
    const [, zap, none, flags] = await logSteps([
      ["mmap", [0x60000000, 0x2000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x60000000"],
      ["madvise", [0x60000000, 0x2000, 4], "0x0"],
      ["madvise", [0x60000000, 0x2000, 3], "0x0"],
      ["madvise", [0x60000000, 0x1000, 10], "0x0"],
    ]);
    expect(kinds(zap!)).toEqual(["madvise-zap"]);
    expect(zap!.rule).toContain("(zap_page_range_single)");
    expect(kinds(none!)).toEqual(["madvise-none"]);
    expect(kinds(flags!)).toEqual(["protect-split"]);
    expect(flags!.rule).toContain("(madvise_update_vma → vma_modify_flags)");
  });

  test("msync: no VMA changes", async () => {
    const [, s] = await logSteps([
      ["mmap", [0x60000000, 0x1000, RW, PRIVATE_ANON, 0xffffffff, 0], "0x60000000"],
      ["msync", [0x60000000, 0x1000, 4], "0x0"],
    ]);
    expect(kinds(s!)).toEqual(["msync"]);
    expect(s!.changes).toEqual([]);
  });
});

describe("refusals and calls not modelled", () => {
  test("refused: the model's errno, and whether Linux said the same", async () => {
    const [a, b] = await logSteps([
      ["munmap", [0x60000800, 0x1000], "-22"],
      ["mmap", [0, 0, RW, PRIVATE_ANON, 0xffffffff, 0], "0x0"],
    ]);
    expect(kinds(a!)).toEqual(["refused"]);
    expect(a!.rule).toBe("Refused with EINVAL: munmap: address 0x60000800 is not page aligned, as Linux did (sys_munmap).");
    expect(kinds(b!)).toEqual(["refused"]);
    expect(b!.rule).not.toContain("as Linux did");
  });

  test("not-modelled: mlock is a memory syscall the model lacks", async () => {
    const [s] = await logSteps([["mlock", [0x555555554000, 0x1000], "0x0"]]);
    expect(kinds(s!)).toEqual(["not-modelled"]);
    expect(s!.rule).toBe("The model cannot replay it: mlock is not modelled (sys_mlock).");
  });

  test("ruleSentence: empty for no rules; one sentence joined by semicolons", () => {
    expect(ruleSentence([])).toBe("");
    expect(ruleSentence([{ kind: "hint", fn: "f", text: "one" }, { kind: "merge-below", fn: "g", text: "two" }])).toBe("One (f); two (g).");
  });

  test("rules are collected only during a replay step: outside it the address space records nothing", async () => {
    const k = await Kernel.create({ ramBytes: 16 << 20, mmapMinAddr: 4096 });
    const r = new SyscallReplay(k, read("ls.initial.maps"), "");
    expect(r.process.mm.rules).toBeNull();
    r.process.mmap(0, 0x1000, RW, PRIVATE_ANON);
    expect(r.process.mm.rules).toBeNull();
  });
});
