// mmap/munmap/mprotect/brk/mremap/madvise: VMA split and merge, Linux's errno rules,
// and what each does to later accesses.
import { describe, expect, test } from "vitest";
import { Kernel } from "../../src/kernel/kernel.js";
import {
  MADV_DONTNEED, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_POPULATE, MAP_PRIVATE, MAP_SHARED, MREMAP_FIXED,
  MREMAP_MAYMOVE, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, KernelError, SegmentationFault,
} from "../../src/kernel/constants.js";

const RW = PROT_READ | PROT_WRITE, ANON = MAP_PRIVATE | MAP_ANONYMOUS;

async function proc(ramBytes = 16 << 20, swapPages = 0) {
  const k = await Kernel.create({ ramBytes, swapPages });
  const p = k.spawn({ name: "test", segments: [{ vaddr: 0x400000, memsz: 0x2000, prot: PROT_READ | PROT_EXEC }] });
  return { k, p };
}
const ranges = (p: Awaited<ReturnType<typeof proc>>["p"], from = 0x10000000n, to = 0x20000000n) =>
  p.mm.vmas.filter((v) => v.start >= from && v.end <= to).map((v) => [Number(v.start - from) / 4096, Number(v.end - from) / 4096, v.flags & 7]);
const errno = (f: () => unknown) => { try { f(); return "ok"; } catch (e) { return e instanceof KernelError ? e.code : String(e); } };

describe("mmap", () => {
  test("adjacent anonymous mappings with the same flags merge into one VMA", async () => {
    const { p } = await proc();
    p.mmap(0x10000000, 0x2000, RW, ANON | MAP_FIXED);
    p.mmap(0x10002000, 0x3000, RW, ANON | MAP_FIXED);
    p.mmap(0x10005000, 0x1000, PROT_READ, ANON | MAP_FIXED);
    expect(ranges(p)).toEqual([[0, 5, 3], [5, 6, 1]]);
  });

  test("errno rules: length 0, unaligned offset or MAP_FIXED address, no type, beyond TASK_SIZE, NOREPLACE overlap", async () => {
    const { p } = await proc();
    expect(errno(() => p.mmap(0, 0, RW, ANON))).toBe("EINVAL");
    expect(errno(() => p.mmap(0, 4096, RW, ANON, undefined, 100))).toBe("EINVAL");
    expect(errno(() => p.mmap(0x10000010, 4096, RW, ANON | MAP_FIXED))).toBe("EINVAL");
    expect(errno(() => p.mmap(0, 4096, RW, MAP_ANONYMOUS))).toBe("EINVAL");
    expect(errno(() => p.mmap(0x7ffffffff000n, 0x2000, RW, ANON | MAP_FIXED))).toBe("ENOMEM");
    p.mmap(0x10000000, 0x2000, RW, ANON | MAP_FIXED);
    expect(errno(() => p.mmap(0x10001000, 0x1000, RW, ANON | MAP_FIXED_NOREPLACE))).toBe("EEXIST");
    const file = { path: "/etc/ro", dev: 0xfe00000, inode: 5n, deleted: false, writable: false };
    expect(errno(() => p.mmap(0, 4096, RW, MAP_SHARED, file))).toBe("EACCES");
  });

  test("MAP_FIXED replaces what was there; a free hint is used; otherwise top-down below mmap_base", async () => {
    const { p } = await proc();
    const a = p.mmap(0x10000000, 0x3000, RW, ANON | MAP_FIXED);
    p.write(a, new Uint8Array([7]));
    p.mmap(0x10001000, 0x1000, PROT_READ, ANON | MAP_FIXED);
    expect(ranges(p)).toEqual([[0, 1, 3], [1, 2, 1], [2, 3, 3]]);
    expect(p.mmap(0x30000000, 4096, RW, ANON)).toBe(0x30000000n);
    const x = p.mmap(0, 4096, RW, ANON), y = p.mmap(0, 4096, RW, ANON);
    expect(y).toBe(x - 4096n);
    expect(x < p.mm.startStack).toBe(true);
  });

  test("file mappings read the file; MAP_POPULATE faults everything in at once", async () => {
    const { p } = await proc();
    const content = new TextEncoder().encode("hello, page cache".padEnd(5000, "."));
    const file = { path: "/data/f", dev: 0xfe00000, inode: 42n, deleted: false, content };
    const a = p.mmap(0, 8192, PROT_READ, MAP_PRIVATE | MAP_POPULATE, file);
    expect(p.mm.minorFaults).toBe(2);
    expect(new TextDecoder().decode(p.read(a, 5))).toBe("hello");
    expect(p.read(a + 4999n, 2)).toEqual(new Uint8Array([46, 0]));
  });
});

describe("munmap, mprotect, brk, mremap, madvise", () => {
  test("munmap in the middle splits; the hole faults with SIGSEGV", async () => {
    const { p } = await proc();
    const a = p.mmap(0x10000000, 0x4000, RW, ANON | MAP_FIXED);
    p.write(a + 0x1000n, new Uint8Array([1]));
    p.munmap(a + 0x1000n, 0x2000);
    expect(ranges(p)).toEqual([[0, 1, 3], [3, 4, 3]]);
    expect(() => p.read(a + 0x1000n, 1)).toThrow(SegmentationFault);
    expect(errno(() => p.munmap(a + 1n, 4096))).toBe("EINVAL");
    expect(errno(() => p.munmap(a, 0))).toBe("EINVAL");
  });

  test("mprotect splits, rewrites PTEs at once (the TLB too), and merges back", async () => {
    const { p } = await proc();
    const a = p.mmap(0x10000000, 0x3000, RW, ANON | MAP_FIXED);
    p.write(a + 0x1000n, new Uint8Array([5]));
    p.mprotect(a + 0x1000n, 0x1000, PROT_READ);
    expect(ranges(p)).toEqual([[0, 1, 3], [1, 2, 1], [2, 3, 3]]);
    expect(p.read(a + 0x1000n, 1)[0]).toBe(5);
    expect(() => p.write(a + 0x1000n, new Uint8Array([6]))).toThrow(/SIGSEGV: write .*permission/);
    p.mprotect(a + 0x1000n, 0x1000, PROT_NONE);
    expect(() => p.read(a + 0x1000n, 1)).toThrow(/permission/);
    p.mprotect(a + 0x1000n, 0x1000, RW);
    expect(ranges(p)).toEqual([[0, 3, 3]]);
    expect(p.read(a + 0x1000n, 1)[0]).toBe(5);
    p.write(a + 0x1000n, new Uint8Array([6]));
    expect(errno(() => p.mprotect(a + 0x5000n, 0x1000, RW))).toBe("ENOMEM");
    expect(errno(() => p.mprotect(a + 1n, 0x1000, RW))).toBe("EINVAL");
  });

  test("brk grows and shrinks the heap; a request below start_brk returns the current break", async () => {
    const { p } = await proc();
    const start = p.brk(0);
    expect(start).toBe(p.mm.startBrk);
    expect(p.brk(start + 0x5000n)).toBe(start + 0x5000n);
    p.write(start + 0x4000n, new Uint8Array([1]));
    expect(p.brk(start + 0x1000n)).toBe(start + 0x1000n);
    expect(() => p.read(start + 0x4000n, 1)).toThrow(SegmentationFault);
    expect(p.brk(start - 0x1000n)).toBe(start + 0x1000n);
  });

  test("mremap shrinks and grows in place, and moves with the data", async () => {
    const { p } = await proc();
    const a = p.mmap(0x10000000, 0x2000, RW, ANON | MAP_FIXED);
    p.write(a + 0x1ff0n, new Uint8Array([1, 2, 3]));
    expect(p.mremap(a, 0x2000, 0x4000)).toBe(a);                    // grow in place
    p.mmap(0x10004000, 0x1000, PROT_READ, ANON | MAP_FIXED);         // block further growth
    expect(errno(() => p.mremap(a, 0x4000, 0x8000))).toBe("ENOMEM");
    const b = p.mremap(a, 0x4000, 0x8000, MREMAP_MAYMOVE);
    expect(b).not.toBe(a);
    expect(p.read(b + 0x1ff0n, 3)).toEqual(new Uint8Array([1, 2, 3]));
    expect(() => p.read(a, 1)).toThrow(SegmentationFault);
    const c = p.mremap(b, 0x8000, 0x2000, MREMAP_MAYMOVE | MREMAP_FIXED, 0x18000000);
    expect(c).toBe(0x18000000n);
    expect(p.read(c + 0x1ff0n, 3)).toEqual(new Uint8Array([1, 2, 3]));
    expect(errno(() => p.mremap(c, 0x2000, 0))).toBe("EINVAL");
    expect(errno(() => p.mremap(0x50000000, 0x1000, 0x2000))).toBe("EFAULT");
  });

  test("MADV_DONTNEED drops pages: anonymous memory reads back as zeros", async () => {
    const { p, k } = await proc();
    const a = p.mmap(0, 0x2000, RW, ANON);
    p.write(a, new Uint8Array([9, 9]));
    const free = k.frames.free;
    p.madvise(a, 0x2000, MADV_DONTNEED);
    expect(k.frames.free).toBe(free + 1);
    expect(p.read(a, 2)).toEqual(new Uint8Array([0, 0]));
  });
});

describe("faults", () => {
  test("a user access to the kernel half is SIGSEGV; so is an address outside every VMA", async () => {
    const { p } = await proc();
    expect(() => p.read(0xffff888000000000n, 1)).toThrow(/kernel address/);
    expect(() => p.read(0x1234000, 1)).toThrow(/no mapping/);
  });

  test("reading untouched anonymous memory maps the shared zero page; the first write gets a frame", async () => {
    const { p, k } = await proc();
    const a = p.mmap(0, 0x2000, RW, ANON);
    p.read(a + 0x1000n, 1);                                  // builds the page tables on the way
    const free = k.frames.free;
    expect(p.read(a, 4)).toEqual(new Uint8Array(4));
    expect(k.frames.free).toBe(free);
    p.write(a, new Uint8Array([1]));
    expect(k.frames.free).toBe(free - 1);
  });
});
