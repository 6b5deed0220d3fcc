// /proc views computed from the kernel's real state: smaps counters after scripted
// touches and fork, pagemap bits, meminfo totals, status, and real maps imported.
import { describe, expect, test } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { Kernel } from "../../src/kernel/kernel.js";
import { Process } from "../../src/kernel/process.js";
import { MAP_ANONYMOUS, MAP_FIXED, MAP_NORESERVE, MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../src/kernel/constants.js";
import { FrameUse } from "../../src/kernel/frames.js";
import { demoImage } from "../../src/kernel/spawn.js";
import { FIXTURES } from "../helpers/fixtures.js";

const RW = PROT_READ | PROT_WRITE, ANON = MAP_PRIVATE | MAP_ANONYMOUS;

/** The kB value of `key` in the smaps block whose header starts with `start` (hex). */
function smapsValue(text: string, start: bigint, key: string): number {
  const blocks = text.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/);
  const b = blocks.find((x) => x.startsWith(start.toString(16).padStart(8, "0") + "-"))!;
  return Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(b)![1]);
}

async function boot(swapPages = 0, ramBytes = 16 << 20) {
  const k = await Kernel.create({ ramBytes, swapPages });
  const p = k.spawn({ name: "t", segments: [{ vaddr: 0x400000, memsz: 0x1000, prot: PROT_READ }] });
  return { k, p };
}

describe("smaps", () => {
  test("Rss, Anonymous and Private_Dirty count written pages; the zero page counts nothing", async () => {
    const { k, p } = await boot();
    const a = p.mmap(0, 8 * 4096, RW, ANON);
    for (let i = 0; i < 3; i++) p.write(a + BigInt(i) * 4096n, new Uint8Array([1]));
    p.read(a + 5n * 4096n, 1);                                   // zero page
    const s = k.procfs.read(`/proc/${p.pid}/smaps`) as string;
    expect([smapsValue(s, a, "Size"), smapsValue(s, a, "Rss"), smapsValue(s, a, "Anonymous"),
      smapsValue(s, a, "Private_Dirty"), smapsValue(s, a, "Pss")]).toEqual([32, 12, 12, 12, 12]);
  });

  test("after fork, shared pages count half in Pss and as Shared_*; a COW write makes a page private", async () => {
    const { k, p } = await boot();
    const a = p.mmap(0, 4 * 4096, RW, ANON);
    for (let i = 0; i < 4; i++) p.write(a + BigInt(i) * 4096n, new Uint8Array([1]));
    const c = k.fork(p);
    c.write(a, new Uint8Array([2]));
    const s = k.procfs.read(`/proc/${p.pid}/smaps`) as string;
    expect([smapsValue(s, a, "Rss"), smapsValue(s, a, "Pss"), smapsValue(s, a, "Shared_Dirty"),
      smapsValue(s, a, "Private_Dirty")]).toEqual([16, 10, 12, 4]);
    const rollup = k.procfs.read(`/proc/${c.pid}/smaps_rollup`) as string;
    expect(rollup).toMatch(/\[rollup\]\n/);
    expect(rollup).toMatch(/^Pss_Anon:\s+10 kB$/m);
  });

  test("Swap and SwapPss follow pages to the swap device", async () => {
    const { k, p } = await boot(4096, 2 << 20);
    const a = p.mmap(0, 600 * 4096, RW, ANON);
    for (let i = 0; i < 600; i++) p.write(a + BigInt(i) * 4096n, new Uint8Array([i & 255]));
    const s = k.procfs.read(`/proc/${p.pid}/smaps`) as string;
    const rss = smapsValue(s, a, "Rss"), swap = smapsValue(s, a, "Swap");
    expect(swap).toBeGreaterThan(0);
    expect(rss + swap).toBe(2400);
    expect(smapsValue(s, a, "SwapPss")).toBe(swap);
    expect(k.procfs.read(`/proc/${p.pid}/status`)).toMatch(new RegExp(`^VmSwap:\\t\\s*${swap} kB$`, "m"));
  });
});

describe("pagemap", () => {
  test("entries at (va >> 12) * 8: present+exclusive+PFN, zero page, swapped, unmapped", async () => {
    const { k, p } = await boot(4096, 2 << 20);
    const a = p.mmap(0, 4 * 4096, RW, ANON);
    p.write(a, new Uint8Array([1]));
    p.read(a + 4096n, 1);
    const bytes = k.procfs.read(`/proc/${p.pid}/pagemap`, { offset: (a >> 12n) * 8n, length: 32 }) as Uint8Array;
    const e = new BigUint64Array(bytes.buffer, bytes.byteOffset, 4);
    const pa = p.translate(a, "read");
    expect(e[0]).toBe((1n << 63n) | (1n << 56n) | BigInt(pa >> 12));
    expect(e[1]! >> 63n).toBe(1n);                               // the zero page: present, not exclusive
    expect((e[1]! >> 56n) & 1n).toBe(0n);
    expect(e[2]).toBe(0n);
    expect(() => k.procfs.read(`/proc/${p.pid}/pagemap`, { offset: 3, length: 8 })).toThrow(/EINVAL|multiple of 8/);
  });
});

describe("meminfo and status", () => {
  test("MemFree + AnonPages + Cached + PageTables add up to MemTotal", async () => {
    const { k, p } = await boot();
    const a = p.mmap(0, 64 * 4096, RW, ANON);
    for (let i = 0; i < 64; i++) p.write(a + BigInt(i) * 4096n, new Uint8Array([1]));
    const m = k.procfs.read("/proc/meminfo") as string;
    const v = (key: string) => Number(new RegExp(`^${key.replace(/[()]/g, "\\$&")}:\\s+(\\d+)`, "m").exec(m)![1]);
    expect(v("MemFree") + v("AnonPages") + v("Cached") + v("PageTables")).toBe(v("MemTotal"));
    expect(v("AnonPages")).toBe(64 * 4);
    expect(m.split("\n")[0]).toMatch(/^MemTotal: {7}[ \d]{8} kB$/);
  });

  test("status: VmRSS = RssAnon + RssFile + RssShmem, VmSize = the VMAs", async () => {
    const { k, p } = await boot();
    const a = p.mmap(0, 16 * 4096, RW, MAP_SHARED | MAP_ANONYMOUS);
    p.write(a, new Uint8Array([1]));
    const st = k.procfs.read(`/proc/${p.pid}/status`) as string;
    const v = (key: string) => Number(new RegExp(`^${key}:\\t\\s*(\\d+) kB$`, "m").exec(st)![1]);
    expect(v("VmRSS")).toBe(v("RssAnon") + v("RssFile") + v("RssShmem"));
    expect(v("RssShmem")).toBe(4);
    expect(v("VmSize")).toBe(Number(p.mm.virtualSize() / 1024n));
    expect(k.procfs.read("getconf PAGESIZE")).toBe("4096\n");
  });
});

describe("status Vm* lines (task_mem over vm_stat_account's counters)", () => {
  const vm = (st: string, key: string) => Number(new RegExp(`^${key}:\\t\\s*(\\d+) kB$`, "m").exec(st)![1]);
  const lines = (k: Kernel, pid: number) => {
    const st = k.procfs.read(`/proc/${pid}/status`) as string;
    return ["VmExe", "VmLib", "VmData", "VmStk", "VmSize"].map((key) => vm(st, key));
  };

  test("a shared anonymous writable+executable mapping in a process without a program file renders (it counts nowhere)", async () => {
    const k = await Kernel.create({ ramBytes: 8 << 20 });
    const p = k.spawn({ name: "t", segments: [] });
    p.mmap(0, 0x33000, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS);
    // no text; lib = [vdso] 8 kB; no data; stack 132 kB
    expect(lines(k, p.pid)).toEqual([0, 8, 0, 132, 204 + 132 + 16 + 8]);
  });

  test("a shared writable+executable mapping is neither text, library nor data; VmExe is the program's text", async () => {
    const k = await Kernel.create({ ramBytes: 8 << 20 });
    const p = k.spawn(demoImage());
    // text 4 kB (r-x segment), lib 8 kB ([vdso]), data 12 kB (.data + bss), stack 132 kB
    expect(lines(k, p.pid)).toEqual([4, 8, 12, 132, 4 + 4 + 12 + 132 + 16 + 8]);
    p.mmap(0, 0x33000, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS);
    expect(lines(k, p.pid)).toEqual([4, 8, 12, 132, 176 + 204]);
    p.mmap(0, 0x3000, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS);
    p.mmap(0, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS);
    expect(lines(k, p.pid)).toEqual([4, 8 + 12, 12 + 8, 132, 176 + 204 + 12 + 8]);
  });

  test("VmPTE counts the page-table pages that exist, also after a fault that found no frame for a table", async () => {
    const k = await Kernel.create({ ramBytes: 2 << 20 });
    const p = k.spawn({ name: "t", segments: [] });
    const a = p.mmap(0, 1024 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
    expect(() => { for (let i = 0; i < 1024; i++) p.write(a + BigInt(i) * 4096n, new Uint8Array([1])); }).toThrow(/ENOMEM/);
    const far = p.mmap(0x40000000000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    for (let i = 0; i < 3; i++) expect(() => p.write(far, new Uint8Array([1]))).toThrow(/ENOMEM/);   // its PDPT cannot be had
    const st = k.procfs.read(`/proc/${p.pid}/status`) as string;
    expect(vm(st, "VmPTE")).toBe(k.frames.count_(FrameUse.Table) * 4);
  });

  test("an imported process: VmExe is the first file's executable part, VmLib the other executable mappings", async () => {
    const k = await Kernel.create({ ramBytes: 4 << 20 });
    const p = Process.fromMaps(readFileSync(`${FIXTURES}maps/perl.maps`, "utf8"), k);
    const [exe, lib] = lines(k, p.pid);
    const execKb = (pred: (name: string) => boolean) => p.mm.vmas.filter((v) => (v.flags & 6) === 4 && pred(v.file?.path ?? v.special ?? ""))
      .reduce((s, v) => s + Number(v.end - v.start) / 1024, 0);
    expect(exe).toBe(execKb((n) => n.endsWith("/perl")));
    expect(exe).toBeGreaterThan(0);
    expect(lib).toBe(execKb((n) => !n.endsWith("/perl")));
  });
});

describe("real maps files", () => {
  for (const f of readdirSync(`${FIXTURES}maps`).filter((x) => x.endsWith(".maps"))) {
    test(`${f}: imported as a process, its /proc/PID/maps renders the same bytes`, async () => {
      const k = await Kernel.create({ ramBytes: 4 << 20 });
      const text = readFileSync(`${FIXTURES}maps/${f}`, "utf8");
      const p = Process.fromMaps(text, k);
      expect(k.procfs.read(`/proc/${p.pid}/maps`)).toBe(text);
    });
  }

  test("a maps line above this kernel's TASK_SIZE is refused by line, and nothing is created", async () => {
    const k = await Kernel.create({ ramBytes: 4 << 20 });
    const spaces = k.mms.size, free = k.frames.free;
    const high = "00400000-00401000 r--p 00000000 00:00 0 \n800000000000-800000001000 rw-p 00000000 00:00 0 \n";
    expect(() => k.importMaps(high)).toThrow(/maps line 2: range ends above this kernel's TASK_SIZE 0x7ffffffff000 \(4-level paging\): "800000000000-/);
    expect(() => k.importMaps("00400000-00401800 r--p 00000000 00:00 0 \n")).toThrow(/maps line 1: .*4 KiB pages/);
    expect(() => k.importMaps(42 as never)).toThrow(/EINVAL: importMaps: text 42 is not a string/);
    expect([k.mms.size, k.frames.free, k.processes.size]).toEqual([spaces, free, 0]);
    const k5 = await Kernel.create({ ramBytes: 4 << 20, mode: "5level" });
    expect(k5.procfs.read(`/proc/${k5.importMaps(high).pid}/maps`)).toBe(high);
  });

  test("an imported process maps new memory top-down below mmap_base, as a spawned one", async () => {
    const k = await Kernel.create({ ramBytes: 4 << 20 });
    const p = Process.fromMaps(readFileSync(`${FIXTURES}maps/perl.maps`, "utf8"), k);
    const a = p.mmap(0, 4096, PROT_READ | PROT_WRITE, ANON);
    expect(a < 0x7ffff7fff000n && a > 0x7f0000000000n).toBe(true);
    expect(p.mm.vmas.filter((v) => v.start < a + 4096n && a < v.end)).toHaveLength(1);
  });

  test("a spawned process looks like x86-64 Linux: heap after bss, stack at the top, vvar/vdso, vsyscall last", async () => {
    const { k, p } = await boot();
    p.brk(p.mm.startBrk + 0x2000n);
    const maps = k.procfs.read(`/proc/${p.pid}/maps`) as string;
    expect(maps).toMatch(/^00401000-00403000 rw-p 00000000 00:00 0 {34}\[heap\]$/m);
    expect(maps).toMatch(/^7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 {26}\[stack\]$/m);
    expect(maps).toMatch(/ \[vvar\]\n.* \[vdso\]\n/);
    expect(maps.trimEnd().split("\n").at(-1)).toBe("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]");
  });
});
