// The rules a real program's address space follows, one test each, named after the Linux
// function that makes them (mm/mmap.c, mm/vma.c, mm/mremap.c, mm/mprotect.c, mm/huge_memory.c,
// fs/binfmt_elf.c, fs/proc/task_mmu.c). Each starts from the layout the ELF loader built
// for `ls` (test/fixtures/processes/ls.initial.maps): what the replayed histories start
// from, and what other recorded programs are checked against.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Kernel } from "../../src/kernel/kernel.js";
import type { MappedFile, Process } from "../../src/kernel/process.js";
import {
  EEXIST, MADV_DONTDUMP, MADV_DONTFORK, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_WILLNEED, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_NORESERVE, MAP_PRIVATE, MAP_STACK, MREMAP_FIXED,
  MREMAP_MAYMOVE, PROT_READ, PROT_WRITE, SegmentationFault,
} from "../../src/kernel/constants.js";
import { FIXTURES } from "../helpers/fixtures.js";
import { MS_ASYNC, MS_SYNC } from "../../src/kernel/msync.js";

const RW = PROT_READ | PROT_WRITE, ANON = MAP_PRIVATE | MAP_ANONYMOUS, PAGE = 0x1000n, MiB = 1n << 20n, PMD = 2n * MiB;
const INITIAL = readFileSync(FIXTURES + "processes/ls.initial.maps", "latin1");

async function ls(opts: { mmapMinAddr?: number } = {}): Promise<{ k: Kernel; p: Process }> {
  const k = await Kernel.create({ ramBytes: 16 << 20, mmapMinAddr: opts.mmapMinAddr ?? 4096 });
  return { k, p: k.importMaps(INITIAL, "ls") };
}
const maps = (k: Kernel, p: Process) => k.procfs.read(`/proc/${p.pid}/maps`) as string;
const lineAt = (k: Kernel, p: Process, a: bigint) => maps(k, p).split("\n").filter((l) => l.startsWith(a.toString(16) + "-"));
/** The VmFlags line of the smaps entry starting at `a`. */
function vmFlagsAt(k: Kernel, p: Process, a: bigint): string {
  const s = "\n" + (k.procfs.read(`/proc/${p.pid}/smaps`) as string);
  const i = s.indexOf("\n" + a.toString(16) + "-");
  expect(i, `no smaps entry at ${a.toString(16)}`).toBeGreaterThanOrEqual(0);
  return /\nVmFlags: ([^\n]*)/.exec(s.slice(i))![1]!;
}
/** The lowest VMA start above the 47-bit window's top 128 MiB: where top-down placement starts under mmap_base. */
const lowestTopVma = (p: Process) => p.mm.vmas.filter((v) => v.start >= 0x7ff000000000n && v.end <= p.mm.mmapBase)
  .reduce((a, v) => (v.start < a ? v.start : a), p.mm.mmapBase);

describe("placement (get_unmapped_area)", () => {
  test("arch_get_unmapped_area_topdown: mmap_base is TASK_SIZE less the 128 MiB minimum gap; first fit from the top below it", async () => {
    const { p } = await ls();
    expect(p.mm.mmapBase).toBe(0x7ffffffff000n - 128n * MiB);
    // ld.so ends at mmap_base; vvar, vvar_vclock and vdso lie below it: the first free range is under vvar.
    const a = p.mmap(0, 0x2000, RW, ANON);
    expect(a + 0x2000n).toBe(p.mm.vmas.find((v) => v.special === "[vvar]")!.start);
  });

  test("arch_get_unmapped_area_topdown: a free hint is taken as is; a busy one falls back to top-down", async () => {
    const { p } = await ls();
    expect(p.mmap(0x10000000, 0x3000, RW, ANON)).toBe(0x10000000n);
    const below = lowestTopVma(p);
    expect(p.mmap(0x10001000, 0x1000, RW, ANON)).toBe(below - PAGE);
  });

  test("do_mmap MAP_FIXED_NOREPLACE: EEXIST over any mapping, the exact address when free", async () => {
    const { k, p } = await ls();
    const before = maps(k, p);
    expect(() => p.mmap(0x555555554000n, 0x1000, RW, ANON | MAP_FIXED_NOREPLACE)).toThrow(expect.objectContaining({ errno: EEXIST }));
    expect(maps(k, p)).toBe(before);
    expect(p.mmap(0x20000000, 0x1000, RW, ANON | MAP_FIXED_NOREPLACE)).toBe(0x20000000n);
  });

  test("round_hint_to_min: a hint below vm.mmap_min_addr is raised to it (a kernel option: 65536 by default, 4096 as recorded)", async () => {
    const dflt = await Kernel.create({ ramBytes: 16 << 20 });
    const p1 = dflt.importMaps(INITIAL);
    expect(p1.mmap(0x1000, 0x1000, RW, ANON)).toBe(0x10000n);
    const { p } = await ls({ mmapMinAddr: 4096 });
    expect(p.mmap(0x1000, 0x1000, RW, ANON)).toBe(0x1000n);
    await expect(Kernel.create({ mmapMinAddr: -1 })).rejects.toThrow(/mmapMinAddr/);
  });

  test("__get_unmapped_area + thp_get_unmapped_area_vmflags: anonymous lengths that are multiples of 2 MiB are THP aligned; others are not", async () => {
    const { p } = await ls();
    const top = lowestTopVma(p);
    const a = p.mmap(0, 4n * MiB, RW, ANON);
    expect(a % PMD).toBe(0n);
    expect(a).toBe(((top - 4n * MiB) / PMD) * PMD);          // the highest 2 MiB-aligned fit
    const top2 = lowestTopVma(p);
    const b = p.mmap(0, 3n * MiB, RW, ANON);                  // not a multiple of 2 MiB: plain top-down
    expect(b).toBe(top2 - 3n * MiB);
    const c = p.mmap(0x30000000, 4n * MiB, RW, ANON);         // a hint: no THP alignment (a free hint is taken)
    expect(c).toBe(0x30000000n);
  });

  test("__thp_get_unmapped_area: a file mapping holding 2 MiB of aligned offsets gets address = offset modulo 2 MiB; a smaller one does not", async () => {
    const { p } = await ls();
    const f: MappedFile = { path: "/usr/lib/big.so", dev: 0xfe00000, inode: 77n, deleted: false };
    const a = p.mmap(0, 5n * MiB, PROT_READ, MAP_PRIVATE, f, 0x1000);   // offsets 0x1000..: hold [2 MiB, 4 MiB)
    expect(a % PMD).toBe(0x1000n);
    const b = p.mmap(0, 1n * MiB, PROT_READ, MAP_PRIVATE, f, 0);      // no 2 MiB of offsets: plain, at the top of a gap
    expect(p.mm.vmas.some((v) => v.start === b + MiB)).toBe(true);
    const c = p.mmap(0, 3n * MiB, PROT_READ, MAP_PRIVATE, f, 0x100000); // [1 MiB, 4 MiB) holds [2, 4): aligned
    expect((c - 0x100000n) % PMD).toBe(0n);
    // A shmem file (tmpfs, memfd) or one on a pseudo filesystem (device major 0) is placed plainly.
    for (const g of [{ ...f, shmem: true }, { ...f, dev: 0x1a }]) {
      const d = p.mmap(0, 4n * MiB, PROT_READ, MAP_PRIVATE, g, 0);
      expect(p.mm.vmas.some((v) => v.start === d + 4n * MiB)).toBe(true);
    }
  });

  test("mremap (vrm_set_new_addr): a move goes through __get_unmapped_area too: 4 MiB of anonymous memory lands THP aligned", async () => {
    const { p } = await ls();
    const a = p.mmap(0x40000000, 0x1000, RW, ANON);
    p.mmap(0x40001000, 0x1000, PROT_READ, ANON | MAP_FIXED);      // blocks growth in place
    const b = p.mremap(a, 0x1000, 4n * MiB, MREMAP_MAYMOVE);
    expect(b % PMD).toBe(0n);
    expect(b).not.toBe(a);
  });
});

describe("merging (vma_merge_new_range, vma_modify: is_mergeable_vma, can_vma_merge_before/after)", () => {
  test("is_mergeable_vma: VM_ACCOUNT stays after mprotect to read-only, so the RELRO piece never merges with the read-only segment below", async () => {
    const { k, p } = await ls();
    // ld.so's data segment (rw-p, accounted): glibc's RELRO mprotect makes its first pages read-only.
    const data = p.mm.vmas.find((v) => v.file?.path.endsWith("ld-linux-x86-64.so.2") && v.flags & 2)!;
    const below = p.mm.vmas[p.mm.vmas.indexOf(data) - 1]!;
    p.mprotect(data.start, 0x2000, PROT_READ);
    const l = lineAt(k, p, data.start);
    expect(l).toHaveLength(1);
    expect(l[0]).toMatch(/ r--p /);
    expect(lineAt(k, p, below.start)[0]!.split(" ")[0]).toBe(`${below.start.toString(16)}-${data.start.toString(16)}`);
    expect(vmFlagsAt(k, p, data.start)).toBe("rd mr mw me ac ");
    expect(vmFlagsAt(k, p, below.start)).toBe("rd mr mw me ");
  });

  test("is_mergeable_vma: VM_NORESERVE (MAP_NORESERVE) and VM_NOHUGEPAGE (MAP_STACK) keep equal-looking neighbours apart; smaps shows nr and nh", async () => {
    const { k, p } = await ls();
    const x = 0x50000000n;
    p.mmap(x, 0x1000, RW, ANON | MAP_FIXED);
    p.mmap(x + PAGE, 0x1000, RW, ANON | MAP_FIXED | MAP_NORESERVE);
    p.mmap(x + 2n * PAGE, 0x1000, RW, ANON | MAP_FIXED | MAP_STACK);
    p.mmap(x + 3n * PAGE, 0x1000, RW, ANON | MAP_FIXED | MAP_STACK);   // same hidden flags as its neighbour: merges
    const lines = maps(k, p).split("\n").filter((l) => l.startsWith("5000"));
    expect(lines.map((l) => l.split(" ")[0])).toEqual(["50000000-50001000", "50001000-50002000", "50002000-50004000"]);
    expect(vmFlagsAt(k, p, x)).toBe("rd wr mr mw me ac ");
    expect(vmFlagsAt(k, p, x + PAGE)).toBe("rd wr mr mw me nr ");
    expect(vmFlagsAt(k, p, x + 2n * PAGE)).toBe("rd wr mr mw me ac nh ");
  });

  test("is_mergeable_vma: the same open file merges at contiguous offsets; another open of the same inode does not", async () => {
    const { k, p } = await ls();
    const f1: MappedFile = { path: "/usr/share/x", dev: 0xfe00000, inode: 9n, deleted: false };
    const f2: MappedFile = { ...f1 };                              // a second open(): another struct file
    const x = 0x60000000n;
    p.mmap(x, 0x1000, PROT_READ, MAP_PRIVATE | MAP_FIXED, f1, 0);
    p.mmap(x + PAGE, 0x1000, PROT_READ, MAP_PRIVATE | MAP_FIXED, f1, 0x1000);
    p.mmap(x + 2n * PAGE, 0x1000, PROT_READ, MAP_PRIVATE | MAP_FIXED, f2, 0x2000);
    p.mmap(x + 3n * PAGE, 0x1000, PROT_READ, MAP_PRIVATE | MAP_FIXED, f2, 0x5000);   // same file, offsets not contiguous
    expect(maps(k, p).split("\n").filter((l) => l.startsWith("6000")).map((l) => l.split(" ").slice(0, 3).join(" "))).toEqual([
      "60000000-60002000 r--p 00000000", "60002000-60003000 r--p 00002000", "60003000-60004000 r--p 00005000"]);
  });

  test("can_vma_merge_after: an anonymous VMA moved by mremap keeps its vm_pgoff and merges with nothing it does not line up with", async () => {
    const { k, p } = await ls();
    const x = 0x70000000n;
    p.mmap(x, 0x3000, RW, ANON | MAP_FIXED);
    p.munmap(x + PAGE, 0x1000);
    expect(p.mremap(x + 2n * PAGE, 0x1000, 0x1000, MREMAP_MAYMOVE | MREMAP_FIXED, x + PAGE)).toBe(x + PAGE);
    const ranges = () => maps(k, p).split("\n").filter((l) => l.startsWith("7000")).map((l) => l.split(" ")[0]);
    expect(ranges()).toEqual(["70000000-70001000", "70001000-70002000"]);
    // A fresh page gets vm_pgoff = its page number: at x+2 pages that is the moved VMA's own offset, not the one after it.
    p.mmap(x + 2n * PAGE, 0x1000, RW, ANON | MAP_FIXED);
    expect(ranges()).toEqual(["70000000-70001000", "70001000-70002000", "70002000-70003000"]);
    // Moving the page back where its offset belongs lines it up again: it merges.
    p.munmap(x + 2n * PAGE, 0x1000);
    expect(p.mremap(x + PAGE, 0x1000, 0x1000, MREMAP_MAYMOVE | MREMAP_FIXED, x + 2n * PAGE)).toBe(x + 2n * PAGE);
    p.mmap(x + PAGE, 0x1000, RW, ANON | MAP_FIXED);
    expect(ranges()).toEqual(["70000000-70003000"]);
  });

  test("do_vmi_munmap: unmapping never merges what is left (the bss and [heap] stay two VMAs)", async () => {
    const { k, p } = await ls();
    const start = p.brk(0);
    p.brk(start + 0x3000n);
    p.munmap(start + 0x2000n, 0x1000);
    const around = maps(k, p).split("\n").filter((l) => l.startsWith("555555579") || l.startsWith(start.toString(16)));
    expect(around.map((l) => l.split(" ")[0])).toEqual([`555555579000-${start.toString(16)}`, `${start.toString(16)}-${(start + 0x2000n).toString(16)}`]);
  });
});

describe("mremap (mremap_at, vma_merge_extend, move_vma)", () => {
  test("vma_merge_extend: growing in place absorbs a matching VMA after it, never the one before (the heap grown by mremap stays apart from the bss)", async () => {
    const { k, p } = await ls();
    const s = p.brk(0);
    p.brk(s + 0x1000n);
    expect(p.mremap(s, 0x1000, 0x2000)).toBe(s);                          // in place: the page after is free
    expect(lineAt(k, p, 0x555555579000n)[0]!.split(" ")[0]).toBe(`555555579000-${s.toString(16)}`);
    expect(lineAt(k, p, s)[0]!.split(" ")[0]).toBe(`${s.toString(16)}-${(s + 0x2000n).toString(16)}`);
    const x = 0x48000000n;
    p.mmap(x, 0x1000, RW, ANON | MAP_FIXED);
    p.mmap(x + 0x2000n, 0x1000, RW, ANON | MAP_FIXED);                   // vm_pgoff = its page number: lines up after x's growth
    expect(p.mremap(x, 0x1000, 0x2000)).toBe(x);
    expect(lineAt(k, p, x)[0]!.split(" ")[0]).toBe("48000000-48003000");
  });

  test("mremap_at: without MREMAP_MAYMOVE a blocked growth is ENOMEM; with it the VMA moves top-down and the old range is gone", async () => {
    const { k, p } = await ls();
    const x = 0x49000000n;
    p.mmap(x, 0x1000, RW, ANON | MAP_FIXED);
    p.mmap(x + PAGE, 0x1000, PROT_READ, ANON | MAP_FIXED);
    expect(() => p.mremap(x, 0x1000, 0x2000)).toThrow(expect.objectContaining({ errno: 12 }));
    const top = lowestTopVma(p);
    expect(p.mremap(x, 0x1000, 0x2000, MREMAP_MAYMOVE)).toBe(top - 0x2000n);
    expect(lineAt(k, p, x)).toEqual([]);
  });
});

describe("madvise (madvise_vma_behavior, madvise_update_vma)", () => {
  test("hugepage_madvise: MADV_HUGEPAGE / MADV_NOHUGEPAGE split the range off with hg / nh, and merge back when undone", async () => {
    const { k, p } = await ls();
    const x = 0x58000000n;
    p.mmap(x, 0x4000, RW, ANON | MAP_FIXED);
    p.madvise(x + PAGE, 0x1000, MADV_HUGEPAGE);
    p.madvise(x + 2n * PAGE, 0x1000, MADV_NOHUGEPAGE);
    const ranges = () => maps(k, p).split("\n").filter((l) => l.startsWith("5800")).map((l) => l.split(" ")[0]);
    expect(ranges()).toEqual(["58000000-58001000", "58001000-58002000", "58002000-58003000", "58003000-58004000"]);
    expect(vmFlagsAt(k, p, x + PAGE)).toBe("rd wr mr mw me ac hg ");
    expect(vmFlagsAt(k, p, x + 2n * PAGE)).toBe("rd wr mr mw me ac nh ");
    // MADV_NOHUGEPAGE over the hg page: now both say nh and merge; MADV_DONTFORK adds dc.
    p.madvise(x + PAGE, 0x1000, MADV_NOHUGEPAGE);
    expect(ranges()).toEqual(["58000000-58001000", "58001000-58003000", "58003000-58004000"]);
    p.madvise(x, 0x4000, MADV_DONTFORK);
    expect(vmFlagsAt(k, p, x)).toBe("rd wr mr mw me dc ac ");
  });

  test("madvise_walk_vmas: holes are skipped and reported as ENOMEM after the rest is advised; unknown advice is EINVAL first", async () => {
    const { k, p } = await ls();
    const x = 0x59000000n;
    p.mmap(x, 0x1000, RW, ANON | MAP_FIXED);
    p.mmap(x + 2n * PAGE, 0x1000, RW, ANON | MAP_FIXED);
    expect(() => p.madvise(x, 0x3000, MADV_DONTDUMP)).toThrow(expect.objectContaining({ errno: 12 }));
    expect(vmFlagsAt(k, p, x)).toBe("rd wr mr mw me ac dd ");
    expect(vmFlagsAt(k, p, x + 2n * PAGE)).toBe("rd wr mr mw me ac dd ");
    expect(() => p.madvise(x + 1n, 0x1000, 999)).toThrow(expect.objectContaining({ errno: 22 }));
    p.madvise(x, 0x1000, MADV_WILLNEED);                                 // accepted, no VMA change
    expect(vmFlagsAt(k, p, x)).toBe("rd wr mr mw me ac dd ");
  });
});

describe("msync (mm/msync.c)", () => {
  test("SYSCALL_DEFINE3(msync): bad flags EINVAL; a hole is ENOMEM at once with MS_ASYNC, after the rest with MS_SYNC; no VMA changes", async () => {
    const { k, p } = await ls();
    const x = 0x5a000000n;
    p.mmap(x, 0x1000, RW, ANON | MAP_FIXED);
    p.mmap(x + 2n * PAGE, 0x1000, RW, ANON | MAP_FIXED);
    const before = maps(k, p);
    p.msync(x, 0x1000, MS_SYNC);
    expect(() => p.msync(x, 0x1000, MS_SYNC | MS_ASYNC)).toThrow(expect.objectContaining({ errno: 22 }));
    expect(() => p.msync(x, 0x1000, 8)).toThrow(expect.objectContaining({ errno: 22 }));
    expect(() => p.msync(x + 1n, 0x1000, MS_SYNC)).toThrow(expect.objectContaining({ errno: 22 }));
    expect(() => p.msync(x, 0x3000, MS_ASYNC)).toThrow(expect.objectContaining({ errno: 12 }));
    expect(() => p.msync(x, 0x3000, MS_SYNC)).toThrow(expect.objectContaining({ errno: 12 }));
    p.msync(x, 0, MS_SYNC);
    expect(maps(k, p)).toBe(before);
  });
});

describe("brk (SYSCALL_DEFINE1(brk), do_brk_flags; load_elf_binary's start_brk)", () => {
  test("load_elf_binary: start_brk is the page-aligned end of the bss; brk(0) returns it", async () => {
    const { p } = await ls();
    const bss = p.mm.vmas.find((v) => v.file === null && v.special === null && v.start < 0x600000000000n)!;
    expect(p.brk(0)).toBe(bss.end);
  });

  test("do_brk_flags: the heap is a new VMA beside the bss (vma_prev_limit(start_brk) never finds the bss), then grows in place", async () => {
    const { k, p } = await ls();
    const s = p.brk(0);
    expect(p.brk(s + 0x21000n)).toBe(s + 0x21000n);
    expect(lineAt(k, p, s)[0]).toMatch(/ rw-p 00000000 00:00 0 +\[heap\]$/);
    expect(lineAt(k, p, 0x555555579000n)[0]).toMatch(/^555555579000-55555557a000 rw-p 00000000 00:00 0 $/);
    p.brk(s + 0x42000n);
    expect(lineAt(k, p, s)[0]!.split(" ")[0]).toBe(`${s.toString(16)}-${(s + 0x42000n).toString(16)}`);
    // Shrinking unmaps the tail; back at start_brk, nothing is called [heap] (vma_is_initial_heap).
    expect(p.brk(s + 0x1000n)).toBe(s + 0x1000n);
    expect(lineAt(k, p, s)[0]!.split(" ")[0]).toBe(`${s.toString(16)}-${(s + 0x1000n).toString(16)}`);
    p.brk(s);
    expect(maps(k, p)).not.toMatch(/\[heap\]/);
  });

  test("get_vma_name (vma_is_initial_heap): an anonymous mapping merged onto the heap's end is [heap] as a whole", async () => {
    const { k, p } = await ls();
    const s = p.brk(0);
    p.brk(s + 0x1000n);
    p.mmap(s + 0x1000n, 0x1000, RW, ANON | MAP_FIXED);                 // pgoff lines up, same flags: vma_merge_new_range
    expect(lineAt(k, p, s)[0]).toMatch(new RegExp(`^${s.toString(16)}-${(s + 0x2000n).toString(16)} rw-p .*\\[heap\\]$`));
  });
});

describe("the stack (expand_stack, expand_downwards, acct_stack_growth)", () => {
  test("expand_downwards: a touch below [stack] grows it to that page; beyond RLIMIT_STACK (8 MiB) it is SIGSEGV", async () => {
    const { k, p } = await ls();
    const stack = p.mm.vmas.find((v) => v.start <= p.mm.startStack && p.mm.startStack < v.end)!;
    const end = stack.end;
    p.touch(end - 0x100000n + 8n, 8, "write");
    expect(lineAt(k, p, end - 0x100000n)[0]).toMatch(/ rw-p 00000000 00:00 0 +\[stack\]$/);
    expect(vmFlagsAt(k, p, end - 0x100000n)).toBe("rd wr mr mw me gd ac ");
    expect(() => p.touch(end - 8n * MiB - PAGE, 1, "write")).toThrow(SegmentationFault);
    p.touch(end - 8n * MiB, 1, "write");                                // exactly 8 MiB: allowed
    expect(lineAt(k, p, end - 8n * MiB)).toHaveLength(1);
  });

  test("expand_downwards: the stack may not come within stack_guard_gap (1 MiB) of an accessible mapping below", async () => {
    const { p } = await ls();
    const stack = p.mm.vmas.find((v) => v.start <= p.mm.startStack && p.mm.startStack < v.end)!;
    const low = stack.start - 0x200000n;
    p.mmap(low - PAGE, 0x1000, RW, ANON | MAP_FIXED);
    expect(() => p.touch(low + 0x80000n, 1, "write")).toThrow(SegmentationFault);   // 512 KiB above it: too close
    p.touch(low + 0x100000n, 1, "write");                                             // exactly the gap: fine
  });
});
