// exit(2): everything the process owned goes back, and from then on it is gone: every
// system call on it is ESRCH (no such process), its /proc files are ENOENT.
import { expect, test } from "vitest";
import { Kernel } from "../../src/kernel/kernel.js";
import { KernelError, MADV_DONTNEED, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../src/kernel/constants.js";

const RW = PROT_READ | PROT_WRITE, ANON = MAP_PRIVATE | MAP_ANONYMOUS;

test("an exited process refuses every call with ESRCH, a second exit included; its pages and PCID go back", async () => {
  const k = await Kernel.create({ ramBytes: 8 << 20, swapPages: 64 });
  const free = k.frames.free, pcids = k.pcids.available;
  const p = k.spawn({ name: "t", segments: [] });
  const a = p.mmap(0, 0x4000, RW, ANON);
  p.write(a, new Uint8Array([1, 2, 3]));
  k.exit(p);
  expect([k.frames.free, k.pcids.available, k.processes.has(p.pid)]).toEqual([free, pcids, false]);
  const calls: [string, () => unknown][] = [
    ["mmap", () => p.mmap(0, 4096, RW, ANON)], ["munmap", () => p.munmap(a, 4096)], ["mprotect", () => p.mprotect(a, 4096, PROT_READ)],
    ["brk", () => p.brk(0)], ["mremap", () => p.mremap(a, 4096, 8192)], ["madvise", () => p.madvise(a, 4096, MADV_DONTNEED)],
    ["read", () => p.read(a, 1)], ["write", () => p.write(a, new Uint8Array([9]))], ["touch", () => p.touch(a, 4096)],
    ["translate", () => p.translate(a, "read")], ["fork", () => k.fork(p)], ["fork", () => p.fork()],
    ["exit", () => k.exit(p)], ["exit", () => p.exit()],
  ];
  for (const [name, call] of calls) {
    let err: unknown;
    try { call(); } catch (e) { err = e; }
    expect(err, name).toBeInstanceOf(KernelError);
    expect((err as KernelError).code, name).toBe("ESRCH");
    expect((err as KernelError).message).toContain(`${name}: process ${p.pid} has exited`);
  }
  expect(() => k.procfs.read(`/proc/${p.pid}/maps`)).toThrow(/ENOENT/);
  expect([k.frames.free, k.pcids.available]).toEqual([free, pcids]);
});

test("a process of another kernel is ESRCH to this one", async () => {
  const k1 = await Kernel.create({ ramBytes: 2 << 20 }), k2 = await Kernel.create({ ramBytes: 2 << 20 });
  const p = k1.spawn({ name: "t", segments: [] });
  expect(() => k2.fork(p)).toThrow(/ESRCH: fork: process 1 belongs to another kernel/);
  expect(() => k2.exit(p)).toThrow(/ESRCH/);
  expect(() => k2.fork({} as never)).toThrow(/EINVAL: fork: an object is not a Process/);
});
