// The kernel's edge: JS values no C caller could pass are an ArgumentError (EINVAL) naming
// the argument; the values that pass meet Linux's own rules, in Linux's order (mm/mmap.c
// do_mmap and __get_unmapped_area, mm/vma.c do_vmi_munmap, mm/mprotect.c do_mprotect_pkey,
// mm/mremap.c check_mremap_params and remap_is_valid, mm/mmap.c brk, mm/madvise.c
// do_madvise). A refused call leaves every view as it was.
import { describe, expect, test } from "vitest";
import { Kernel } from "../../src/kernel/kernel.js";
import type { Process } from "../../src/kernel/process.js";
import {
  ArgumentError, KernelError, MADV_DONTNEED, MAP_ANONYMOUS, MAP_FIXED, MAP_GROWSDOWN, MAP_HUGETLB, MAP_NORESERVE, MAP_POPULATE,
  MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MREMAP_FIXED, MREMAP_MAYMOVE, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP,
  PROT_NONE, PROT_READ, PROT_WRITE,
} from "../../src/kernel/constants.js";

const RW = PROT_READ | PROT_WRITE, ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const A = 0x10000000n, PAGE = 4096n, TASK_SIZE = (1n << 47n) - PAGE;

async function world() {
  const k = await Kernel.create({ ramBytes: 4 << 20, swapPages: 256 });
  const p = k.spawn({ name: "t", segments: [{ vaddr: 0x400000, memsz: 0x1000, prot: PROT_READ | PROT_EXEC }] });
  p.mmap(A, 4n * PAGE, RW, ANON | MAP_FIXED);
  p.write(A + PAGE, new Uint8Array([7]));
  return { k, p };
}

/** Everything a refused call must leave alone: every /proc view of the process, and the free frames. */
function state(k: Kernel, p: Process): string {
  return ["maps", "smaps", "status"].map((v) => k.procfs.read(`/proc/${p.pid}/${v}`)).join("") +
    k.procfs.read("/proc/meminfo") + `brk ${p.mm.brk}`;
}

/** The call fails with `code` (and a message matching `msg`) and changes nothing. */
function refused(k: Kernel, p: Process, call: () => unknown, code: string, msg?: RegExp): KernelError {
  const before = state(k, p);
  let err: unknown;
  try { call(); } catch (e) { err = e; }
  expect(err, "the call should have thrown").toBeInstanceOf(KernelError);
  const e = err as KernelError;
  expect(e.code, e.message).toBe(code);
  if (msg) expect(e.message).toMatch(msg);
  expect(state(k, p)).toBe(before);
  return e;
}

describe("JS values no C caller could pass", () => {
  test("negative, fractional, 2^64 and non-numeric addresses and lengths are ArgumentErrors naming the argument", async () => {
    const { k, p } = await world();
    const cases: [() => unknown, string][] = [
      [() => p.mmap(-4096, 4096, RW, ANON), "addr -4096"],
      [() => p.mmap(0, -1, RW, ANON), "length -1"],
      [() => p.mmap(0, -4096, RW, ANON), "length -4096"],
      [() => p.mmap(0, 1.5, RW, ANON), "length 1.5"],
      [() => p.mmap(0, 2n ** 64n, RW, ANON), "length 18446744073709551616n"],
      [() => p.mmap("4096" as never, 4096, RW, ANON), "addr \"4096\""],
      [() => p.mmap(0, 4096, 1.5, ANON), "prot 1.5"],
      [() => p.mmap(0, 4096, RW, 2 ** 32), "flags 4294967296"],
      [() => p.mmap(0, 4096, RW, MAP_PRIVATE, {} as never), "file .path undefined"],
      [() => p.mmap(0, 4096, RW, ANON, undefined, -4096), "offset -4096"],
      [() => p.munmap(A, -1), "length -1"],
      [() => p.munmap(A, -4096), "length -4096"],
      [() => p.mprotect(A, -4096, PROT_READ), "length -4096"],
      [() => p.madvise(A, -1, MADV_DONTNEED), "length -1"],
      [() => p.mremap(A, 4096, -1), "newLength -1"],
      [() => p.brk(-1), "addr -1"],
      [() => p.read(A, -1), "n -1"],
      [() => p.read(A, 1.5), "n 1.5"],
      [() => p.write(A, "abc" as never), "data \"abc\""],
      [() => p.write(-1, new Uint8Array(1)), "va -1"],
      [() => p.touch(A, 4096, "exec" as never), "access \"exec\""],
      [() => p.translate(A, "bogus" as never), "access \"bogus\""],
    ];
    for (const [call, named] of cases) {
      const e = refused(k, p, call, "EINVAL");
      expect(e, named).toBeInstanceOf(ArgumentError);
      expect(e.message).toContain(named);
    }
  });

  test("read and write may not run past 2^64 (EFAULT)", async () => {
    const { k, p } = await world();
    refused(k, p, () => p.read(2n ** 64n - 2n, 4), "EFAULT");
    refused(k, p, () => p.write(2n ** 64n - 1n, new Uint8Array(2)), "EFAULT");
  });

  test("Kernel.create refuses null, unknown keys and a bad mode, naming them", async () => {
    await expect(Kernel.create(null as never)).rejects.toThrow(/options null is not an object/);
    await expect(Kernel.create({ ramByte: 1 << 20 } as never)).rejects.toThrow(/unknown option "ramByte"/);
    await expect(Kernel.create({ mode: "6level" } as never)).rejects.toThrow(/mode: "6level"/);
  });

  test("spawn refuses a malformed image, naming the field, and leaves no address space behind", async () => {
    const { k, p } = await world();
    const spaces = k.mms.size, free = k.frames.free;
    expect(() => k.spawn(null as never)).toThrow(/image null is not a ProcessImage/);
    expect(() => k.spawn({ name: "x" } as never)).toThrow(/image.segments undefined is not an array/);
    expect(() => k.spawn({ name: "x", segments: [{ vaddr: -1, memsz: 1, prot: 1 }] })).toThrow(/segments\[0\]\.vaddr -1/);
    expect(() => k.spawn({ name: "x", segments: [{ vaddr: 0, memsz: 1, filesz: 2, prot: 1 }] })).toThrow(/filesz 2 is more than its memsz 1/);
    // Valid JS, refused by Linux's rules (beyond TASK_SIZE): nothing is left behind either.
    expect(() => k.spawn({ name: "x", segments: [{ vaddr: TASK_SIZE, memsz: 0x1000, prot: 1 }] })).toThrow(KernelError);
    expect([k.mms.size, k.frames.free, k.processes.size]).toEqual([spaces, free, 1]);
    expect(p.read(A + PAGE, 1)[0]).toBe(7);
  });
});

describe("mmap (do_mmap, __get_unmapped_area)", () => {
  test("length 0 is EINVAL; rounding up past 2^64 or more than TASK_SIZE is ENOMEM; none leaves a VMA", async () => {
    const { k, p } = await world();
    refused(k, p, () => p.mmap(0, 0, RW, ANON), "EINVAL", /length is 0/);
    refused(k, p, () => p.mmap(0, 2n ** 64n - 1n, RW, ANON), "ENOMEM", /overflows when rounded up/);
    refused(k, p, () => p.mmap(0, 2n ** 64n - 4096n, PROT_NONE, ANON), "ENOMEM", /more than TASK_SIZE/);
    refused(k, p, () => p.mmap(0, 1n << 47n, PROT_NONE, ANON), "ENOMEM");
  });

  test("MAP_FIXED: a range beyond TASK_SIZE is ENOMEM, checked before alignment (EINVAL)", async () => {
    const { k, p } = await world();
    refused(k, p, () => p.mmap(TASK_SIZE + 1n, 4096, RW, ANON | MAP_FIXED), "ENOMEM");
    refused(k, p, () => p.mmap(TASK_SIZE - 4096n, 8192, RW, ANON | MAP_FIXED), "ENOMEM");
    refused(k, p, () => p.mmap(A + 16n, 4096, RW, ANON | MAP_FIXED), "EINVAL", /not page aligned/);
  });

  test("a hint is page-masked and raised to mmap_min_addr (round_hint_to_min)", async () => {
    const { p } = await world();
    expect(p.mmap(0x1000, 4096, RW, ANON)).toBe(0x10000n);
    expect(p.mmap(0x30000123, 4096, RW, ANON)).toBe(0x30000000n);
  });

  test("flags: an anonymous mapping takes MAP_SHARED or MAP_PRIVATE (not MAP_SHARED_VALIDATE); MAP_GROWSDOWN only private anonymous", async () => {
    const { k, p } = await world();
    const file = { path: "/f", dev: 0xfe00001, inode: 3n, deleted: false };
    refused(k, p, () => p.mmap(0, 4096, RW, MAP_ANONYMOUS), "EINVAL");
    refused(k, p, () => p.mmap(0, 4096, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS), "EINVAL");
    refused(k, p, () => p.mmap(0, 4096, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN), "EINVAL");
    refused(k, p, () => p.mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, file), "EINVAL");
    refused(k, p, () => p.mmap(0, 4096, PROT_READ, 0x0f, file), "EINVAL");
    expect(p.mmap(0, 4096, RW, ANON | MAP_GROWSDOWN)).toBeTypeOf("bigint");
  });

  test("files: no file is EBADF; MAP_SHARED_VALIDATE refuses unknown flags (EOPNOTSUPP), MAP_SHARED ignores them; offsets", async () => {
    const { k, p } = await world();
    const file = { path: "/f", dev: 0xfe00001, inode: 3n, deleted: false };
    refused(k, p, () => p.mmap(0, 4096, PROT_READ, MAP_PRIVATE), "EBADF");
    refused(k, p, () => p.mmap(0, 4096, PROT_READ, MAP_SHARED_VALIDATE | 0x200000, file), "EOPNOTSUPP");
    expect(p.mmap(0, 4096, PROT_READ, MAP_SHARED | 0x200000, file)).toBeTypeOf("bigint");
    refused(k, p, () => p.mmap(0, 4096, PROT_READ, MAP_PRIVATE, file, 100), "EINVAL", /offset 0x64 is not page aligned/);
    refused(k, p, () => p.mmap(0, 4096, PROT_READ, MAP_PRIVATE, file, 1n << 63n), "EOVERFLOW");
    refused(k, p, () => p.mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_HUGETLB, file), "EINVAL");
    refused(k, p, () => p.mmap(0, 4096, RW, ANON | MAP_HUGETLB), "ENOMEM", /huge pages/);
  });

  test("a read-only file shared is VM_MAYSHARE without VM_SHARED or VM_MAYWRITE, as do_mmap clears them", async () => {
    const { k, p } = await world();
    const file = { path: "/ro", dev: 0xfe00001, inode: 4n, deleted: false, writable: false };
    const a = p.mmap(0, 4096, PROT_READ, MAP_SHARED, file);
    expect(k.procfs.read(`/proc/${p.pid}/smaps`)).toContain(`${a.toString(16)}-${(a + PAGE).toString(16)} r--s 00000000 fe:01 4`);
    expect(k.procfs.read(`/proc/${p.pid}/smaps`)).toMatch(/VmFlags: rd mr me ms \n/);
    refused(k, p, () => p.mprotect(a, 4096, RW), "EACCES");
  });

  test("a private writable mapping larger than RAM + swap is ENOMEM (OVERCOMMIT_GUESS); unaccounted ones are not", async () => {
    const { k, p } = await world();
    const pages = BigInt(k.totalRamPages + 255) + 1n;
    refused(k, p, () => p.mmap(0, pages * PAGE, RW, ANON), "ENOMEM", /more than RAM \+ swap/);
    expect(p.mmap(0, pages * PAGE, RW, ANON | MAP_NORESERVE)).toBeTypeOf("bigint");
    expect(p.mmap(0, pages * PAGE, PROT_READ, ANON)).toBeTypeOf("bigint");
    expect(p.mmap(0, pages * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS)).toBeTypeOf("bigint");
    expect(k.procfs.read(`/proc/${p.pid}/smaps`)).toMatch(/VmFlags: rd wr mr mw me nr \n/);
  });

  test("MAP_POPULATE faults in what get_user_pages would: nothing for PROT_NONE, reads for a shared mapping", async () => {
    const { k, p } = await world();
    const none = p.mmap(0, 2 * 4096, PROT_NONE, ANON | MAP_POPULATE);
    expect(p.mm.find(none)).toBeDefined();
    const shared = p.mmap(0, 4096, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE);
    const smaps = k.procfs.read(`/proc/${p.pid}/smaps`) as string;
    const block = smaps.split(/\n(?=[0-9a-f]+-)/).find((b) => b.startsWith(shared.toString(16)))!;
    expect(block).toMatch(/^Rss: +4 kB$/m);
    expect(block).toMatch(/^Shared_Clean: +0 kB$/m);
    expect(block).toMatch(/^Private_Clean: +4 kB$/m);                     // read, not dirtied
  });
});

describe("munmap (do_vmi_munmap)", () => {
  test("unaligned, beyond TASK_SIZE or of length 0 is EINVAL; unmapping nothing succeeds", async () => {
    const { k, p } = await world();
    refused(k, p, () => p.munmap(A + 1n, 4096), "EINVAL", /not page aligned/);
    refused(k, p, () => p.munmap(A, 2n ** 64n - 1n), "EINVAL", /beyond TASK_SIZE/);
    refused(k, p, () => p.munmap(TASK_SIZE, 4096), "EINVAL", /beyond TASK_SIZE/);
    refused(k, p, () => p.munmap(A, 0), "EINVAL", /length is 0/);
    p.munmap(0x20000000, 4096);
  });
});

describe("mprotect (do_mprotect_pkey)", () => {
  test("length 0 succeeds anywhere; a range wrapping past 2^64 is ENOMEM; unknown bits and both grow flags EINVAL", async () => {
    const { k, p } = await world();
    const before = state(k, p);
    p.mprotect(0x50000000, 0, PROT_READ);
    expect(state(k, p)).toBe(before);
    refused(k, p, () => p.mprotect(A, 2n ** 64n - 1n, PROT_READ), "ENOMEM", /wraps past 2\^64/);
    refused(k, p, () => p.mprotect(A, 4096, 0x10), "EINVAL", /unknown prot bits/);
    refused(k, p, () => p.mprotect(A, 4096, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP), "EINVAL");
    refused(k, p, () => p.mprotect(A, 4096, PROT_READ | PROT_GROWSUP), "EINVAL");
    refused(k, p, () => p.mprotect(A, 4096, PROT_READ | PROT_GROWSDOWN), "EINVAL", /does not grow down/);
    refused(k, p, () => p.mprotect(A - PAGE, 2n * PAGE, PROT_READ), "ENOMEM");
  });

  test("like Linux, the VMAs before a hole are changed, then ENOMEM", async () => {
    const { k, p } = await world();
    p.munmap(A + 2n * PAGE, 4096);
    expect(() => p.mprotect(A, 4n * PAGE, PROT_READ)).toThrow(/ENOMEM/);
    expect(k.procfs.read(`/proc/${p.pid}/maps`)).toContain("10000000-10002000 r--p");
    expect(k.procfs.read(`/proc/${p.pid}/maps`)).toContain("10003000-10004000 rw-p");
  });

  test("PROT_GROWSDOWN reaches down to the start of a grows-down mapping", async () => {
    const { k, p } = await world();
    const g = p.mmap(0x20000000, 4n * PAGE, RW, ANON | MAP_FIXED | MAP_GROWSDOWN);
    p.mprotect(g + 2n * PAGE, 4096, PROT_READ | PROT_GROWSDOWN);
    expect(k.procfs.read(`/proc/${p.pid}/maps`)).toMatch(/^20000000-20003000 r--p .*\n20003000-20004000 rw-p/m);
  });
});

describe("brk", () => {
  test("never fails: a break near 2^64, beyond TASK_SIZE or over another mapping returns the old one", async () => {
    const { k, p } = await world();
    const old = p.brk(0);
    for (const want of [2n ** 64n - 1n, TASK_SIZE + PAGE, A + PAGE]) {
      const before = state(k, p);
      expect(p.brk(want)).toBe(old);
      expect(state(k, p)).toBe(before);
    }
  });

  test("grows up to one page below the next mapping; stack_guard_gap below a stack", async () => {
    const { p } = await world();
    const heap = p.brk(0);
    p.mmap(heap + 16n * PAGE, 4096, PROT_READ, ANON | MAP_FIXED);
    expect(p.brk(heap + 15n * PAGE)).toBe(heap + 15n * PAGE);
    expect(p.brk(heap + 15n * PAGE + 1n)).toBe(heap + 15n * PAGE);
    p.brk(heap);
    p.munmap(heap + 16n * PAGE, 4096);
    p.mmap(heap + 300n * PAGE, 4096, RW, ANON | MAP_FIXED | MAP_GROWSDOWN);
    expect(p.brk(heap + 43n * PAGE)).toBe(heap + 43n * PAGE);      // 300 - 256 guard - 1
    expect(p.brk(heap + 44n * PAGE)).toBe(heap + 43n * PAGE);
  });
});

describe("mremap (check_mremap_params, remap_is_valid)", () => {
  test("flag, alignment, length, range and overlap errors, each with Linux's errno", async () => {
    const { k, p } = await world();
    refused(k, p, () => p.mremap(A, 4096, 8192, 8), "EINVAL", /unknown flags/);
    refused(k, p, () => p.mremap(A + 1n, 4096, 8192), "EINVAL");
    refused(k, p, () => p.mremap(A, 4096, 0), "EINVAL");
    refused(k, p, () => p.mremap(A, 4096, 2n ** 64n - 1n), "EINVAL");
    refused(k, p, () => p.mremap(A, 4096, 4096, MREMAP_FIXED, 0x20000000), "EINVAL", /need MREMAP_MAYMOVE/);
    refused(k, p, () => p.mremap(A, 4096, 4096, MREMAP_FIXED | MREMAP_MAYMOVE, 0x20000001), "EINVAL");
    refused(k, p, () => p.mremap(A, 4096, 8192, MREMAP_FIXED | MREMAP_MAYMOVE, TASK_SIZE - PAGE), "EINVAL", /beyond TASK_SIZE/);
    refused(k, p, () => p.mremap(A, 8192, 8192, MREMAP_FIXED | MREMAP_MAYMOVE, A + PAGE), "EINVAL", /overlap/);
    refused(k, p, () => p.mremap(0x50000000, 4096, 8192), "EFAULT");
    refused(k, p, () => p.mremap(A, 8n * PAGE, 16n * PAGE, MREMAP_MAYMOVE), "EFAULT", /not inside one mapping/);
    refused(k, p, () => p.mremap(A, 0, 8192, MREMAP_MAYMOVE), "EINVAL", /duplicates only shared/);
    const vvar = p.mm.vmas.find((v) => v.special === "[vvar]")!;
    refused(k, p, () => p.mremap(vvar.start, 4096, 8192, MREMAP_MAYMOVE), "EFAULT", /may not change size/);
  });

  test("an old length of 0 duplicates a shared mapping: both addresses show the same bytes", async () => {
    const { p } = await world();
    const s = p.mmap(0, 2n * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS);
    p.write(s + PAGE + 5n, new Uint8Array([42]));
    const d = p.mremap(s + PAGE, 0, 4096, MREMAP_MAYMOVE);
    expect(d).not.toBe(s + PAGE);
    expect(p.read(d + 5n, 1)[0]).toBe(42);
    p.write(d + 6n, new Uint8Array([43]));
    expect(p.read(s + PAGE + 6n, 1)[0]).toBe(43);
  });

  test("shrinking is an unmap of the tail, across mappings too; growing in place merges with the next mapping", async () => {
    const { k, p } = await world();
    p.mmap(A + 4n * PAGE, 2n * PAGE, PROT_READ, ANON | MAP_FIXED);
    expect(p.mremap(A, 6n * PAGE, PAGE)).toBe(A);
    expect(k.procfs.read(`/proc/${p.pid}/maps`)).toMatch(/^10000000-10001000 rw-p 00000000 00:00 0 \n0*[0-9a-f]+-/m);
    expect(p.mm.find(A + 4n * PAGE)).toBeUndefined();
    p.mmap(A + 2n * PAGE, PAGE, RW, ANON | MAP_FIXED);
    expect(p.mremap(A, PAGE, 2n * PAGE)).toBe(A);
    expect(k.procfs.read(`/proc/${p.pid}/maps`)).toMatch(/^10000000-10003000 rw-p/m);
  });
});

describe("madvise (do_madvise)", () => {
  test("unaligned or wrapping ranges are EINVAL; length 0 is a no-op; a VM_PFNMAP mapping is EINVAL", async () => {
    const { k, p } = await world();
    refused(k, p, () => p.madvise(A + 1n, 4096, MADV_DONTNEED), "EINVAL");
    refused(k, p, () => p.madvise(A, 2n ** 64n - 1n, MADV_DONTNEED), "EINVAL");
    refused(k, p, () => p.madvise(2n ** 64n - PAGE, 8192, MADV_DONTNEED), "EINVAL", /wraps past 2\^64/);
    refused(k, p, () => p.madvise(A, 4096, 999), "EINVAL");
    p.madvise(0x50000000, 0, MADV_DONTNEED);
    const vvar = p.mm.vmas.find((v) => v.special === "[vvar]")!;
    refused(k, p, () => p.madvise(vvar.start, 4096, MADV_DONTNEED), "EINVAL", /PFN/);
  });

  test("holes are skipped: the mapped pages are dropped, then ENOMEM", async () => {
    const { p } = await world();
    p.write(A + 3n * PAGE, new Uint8Array([9]));
    p.munmap(A + 2n * PAGE, 4096);
    expect(() => p.madvise(A, 4n * PAGE, MADV_DONTNEED)).toThrow(/ENOMEM/);
    expect([p.read(A + PAGE, 1)[0], p.read(A + 3n * PAGE, 1)[0]]).toEqual([0, 0]);
  });
});
