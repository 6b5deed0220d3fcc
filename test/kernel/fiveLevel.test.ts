// Processes with 5-level page tables: 57-bit user space, mmap below 2^47 unless asked.
import { expect, test } from "vitest";
import { Kernel } from "../../src/kernel/kernel.js";
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_NONE, PROT_READ, PROT_WRITE } from "../../src/kernel/constants.js";

const RW = PROT_READ | PROT_WRITE, ANON = MAP_PRIVATE | MAP_ANONYMOUS;

test("a 5-level process maps above 2^47 only when asked, forks with COW, and exits clean", async () => {
  const k = await Kernel.create({ ramBytes: 8 << 20, mode: "5level" });
  expect(k.machine.mode).toBe("5level");
  const p = k.spawn({ name: "la57", segments: [{ vaddr: 0x400000, memsz: 0x1000, prot: PROT_READ }] });
  const free = k.frames.free;
  const low = p.mmap(0, 0x2000, RW, ANON);
  expect(low < 1n << 47n).toBe(true);
  const high = p.mmap(1n << 52n, 0x2000, RW, ANON | MAP_FIXED);
  expect(high).toBe(1n << 52n);
  p.write(high + 0x1ffen, new Uint8Array([1, 2]));
  expect(p.read(high + 0x1ffen, 2)).toEqual(new Uint8Array([1, 2]));
  expect(k.machine.walk(high, "read", 3).steps.map((s) => s.levelName)).toEqual(["PML5", "PML4", "PDPT", "PD", "PT"]);
  const c = k.fork(p);
  c.write(high + 0x1ffen, new Uint8Array([9]));
  expect(p.read(high + 0x1ffen, 1)[0]).toBe(1);
  expect(() => p.read(0xffff888000000000n, 1)).toThrow(/kernel address/);
  expect(() => p.mmap((1n << 56n) - 0x1000n, 0x2000, RW, ANON | MAP_FIXED)).toThrow(/ENOMEM/);
  k.exit(c);
  p.munmap(high, 0x2000);
  p.munmap(low, 0x2000);
  expect(k.procfs.read(`/proc/${p.pid}/maps`)).toMatch(/\[stack\]\nffffffffff600000-/);
  expect(k.frames.free).toBeGreaterThanOrEqual(free - 8);        // only the page tables built on the way remain
});

test("a 5-level process's VmSize past 2^53 bytes prints exactly in status and smaps (sizes stay bigint)", async () => {
  const k = await Kernel.create({ ramBytes: 8 << 20, mode: "5level" });
  const p = k.spawn({ name: "huge", segments: [{ vaddr: 0x400000, memsz: 0x1000, prot: PROT_READ }] });
  const size = 1n << 54n;                          // 16 PiB of PROT_NONE: no accounting, no pages
  const at = p.mmap(1n << 54n, size, PROT_NONE, ANON | MAP_FIXED);
  expect(at).toBe(1n << 54n);
  const status = k.procfs.read(`/proc/${p.pid}/status`) as string;
  const vmSize = BigInt(/VmSize:\s+(\d+) kB/.exec(status)![1]);
  expect(vmSize).toBeGreaterThan(size >> 10n);     // 2^44 kB plus the binary, stack and vdso
  expect(vmSize - (size >> 10n)).toBeLessThan(1n << 20n);
  expect(status).toContain(`VmPeak:\t${vmSize} kB`);
  const smaps = k.procfs.read(`/proc/${p.pid}/smaps`) as string;
  expect(smaps).toContain(`${(1n << 54n).toString(16)}-${(1n << 55n).toString(16)} ---p 00000000 00:00 0`);
  expect(smaps).toMatch(new RegExp(`Size:\\s+${size >> 10n} kB`));
});
