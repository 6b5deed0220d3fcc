// /proc/PID/maps: real captures parse and re-render byte for byte; the name rules,
// big addresses, odd paths and device numbers survive; bad input is named by line.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  type MmLayout, type Vma, VM_ACCOUNT, VM_EXEC, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE,
  VM_READ, VM_SHARED, VM_WRITE,
} from "../../src/kernel/vma.js";
import { MapsFormatError, makeDev, mapsLine, parseMaps, renderMaps } from "../../src/views/maps.js";
import { FIXTURES } from "../helpers/fixtures.js";

const DIR = FIXTURES + "maps/";
const read = (f: string) => readFileSync(DIR + f, "utf8");
const HEADER = /^[0-9a-f]+-[0-9a-f]+ [r-][w-][x-][ps] /;
/** The maps-shaped lines of an smaps file. */
const headers = (smaps: string) => smaps.split("\n").filter((l) => HEADER.test(l)).map((l) => l + "\n").join("");
const roundTrip = (text: string) => { const { vmas, mm } = parseMaps(text); return renderMaps(vmas, mm); };

const noMm: MmLayout = { startBrk: 0n, brk: 0n, startStack: 0n, gate: null };
const anon = (start: bigint, end: bigint, extra: Partial<Vma> = {}): Vma =>
  ({ start, end, flags: VM_READ | VM_WRITE, pgoff: 0n, file: null, special: null, anonName: null, ...extra });

describe("maps round trip of the real captures", () => {
  test.each(["perl.maps", "sqlite3.maps"])("%s re-renders byte for byte", (f) => {
    const text = read(f);
    expect(roundTrip(text)).toBe(text);
  });
  test.each(["perl.smaps", "sqlite3.smaps"])("the header lines of %s re-render byte for byte", (f) => {
    const text = headers(read(f));
    expect(text.split("\n").length).toBeGreaterThan(50);
    expect(roundTrip(text)).toBe(text);
  });
  test("brk and start_stack are recovered from [heap] and [stack]", () => {
    const { vmas, mm } = parseMaps(read("perl.maps"));
    expect(mm.startBrk).toBe(0x563c65dbe000n);
    expect(mm.brk).toBe(0x563c669ea000n);
    expect(mm.startStack).toBe(0x7fff442f2000n - 8n);
    expect(vmas.every((v) => v.end <= 0x7fffffffffffn)).toBe(true);
    const libc = vmas.find((v) => v.start === 0x7f61f328f000n)!;
    expect(libc.file).toMatchObject({ path: "/usr/lib/x86_64-linux-gnu/libc.so.6", dev: makeDev(0xfe, 0), inode: 339380n, deleted: false });
    expect(libc.pgoff).toBe(0x26n);
  });
});

describe("maps addresses above 2^53", () => {
  test("[vsyscall] becomes mm.gate with exact bigint addresses and is printed last", () => {
    const { vmas, mm } = parseMaps(read("sqlite3.maps"));
    expect(mm.gate).toMatchObject({ start: 0xffffffffff600000n, end: 0xffffffffff601000n, special: "[vsyscall]", flags: VM_EXEC });
    expect(vmas.some((v) => v.special === "[vsyscall]")).toBe(false);
    expect(renderMaps(vmas, mm).trimEnd().split("\n").at(-1)).toBe(
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]");
  });
  test("a 16-digit range survives unchanged; a 17-digit (65-bit) end is no kernel's", () => {
    const line = "ffffffffffffe000-fffffffffffff000 rw-p 00000000 00:00 0 \n";
    expect(roundTrip(line)).toBe(line);
    expect(parseMaps(line).vmas[0]!.end).toBe((1n << 64n) - 4096n);
    expect(() => parseMaps("fffffffffffff000-10000000000000000 rw-p 00000000 00:00 0 \n"))
      .toThrow(/maps line 1: bad address range "fffffffffffff000-10000000000000000" \(want two hex numbers below 2\^64\)/);
  });
});

describe("maps names", () => {
  test("an unnamed line ends with the inode and one space; the name column is 73", () => {
    const v = anon(0x563c36d67000n, 0x563c36d6d000n);
    expect(mapsLine(v, noMm)).toBe("563c36d67000-563c36d6d000 rw-p 00000000 00:00 0 \n");
    const named = mapsLine({ ...v, anonName: "x" }, noMm);
    expect(named.indexOf("[anon:x]")).toBe(73);
  });
  test("short addresses pad to 8 digits and the line still pads to column 72", () => {
    const line = mapsLine(anon(0x400000n, 0x401000n, { special: "[x]" }), noMm);
    expect(line).toBe("00400000-00401000 rw-p 00000000 00:00 0" + " ".repeat(33) + " [x]\n");
  });
  test("[heap] is strict at both ends: touching start_brk or brk is not the heap", () => {
    const mm = { ...noMm, startBrk: 0x2000n, brk: 0x3000n };
    expect(mapsLine(anon(0x1000n, 0x2000n), mm)).not.toContain("[heap]");
    expect(mapsLine(anon(0x3000n, 0x4000n), mm)).not.toContain("[heap]");
    expect(mapsLine(anon(0x2000n, 0x4000n), mm)).toContain("[heap]");
    expect(mapsLine(anon(0x2000n, 0x3000n), { ...mm, brk: 0x2000n })).not.toContain("[heap]");
  });
  test("[stack] is inclusive at both ends", () => {
    expect(mapsLine(anon(0x1000n, 0x2000n), { ...noMm, startStack: 0x2000n })).toContain("[stack]");
    expect(mapsLine(anon(0x1000n, 0x2000n), { ...noMm, startStack: 0x1000n })).toContain("[stack]");
    expect(mapsLine(anon(0x1000n, 0x2000n), { ...noMm, startStack: 0x2008n })).not.toContain("[stack]");
  });
  test("[anon:name] and [anon_shmem:name] parse and re-render", () => {
    const text =
      "7f0000000000-7f0000001000 rw-p 00000000 00:00 0                          [anon:my buffer]\n" +
      "7f0000001000-7f0000002000 rw-s 00000000 00:01 4242                       [anon_shmem:ring]\n";
    const { vmas } = parseMaps(text);
    expect(vmas[0]).toMatchObject({ file: null, anonName: "my buffer" });
    expect(vmas[1]).toMatchObject({ anonName: "ring", file: { path: "/dev/zero", deleted: true, dev: 1, inode: 4242n } });
    expect(vmas[1]!.flags & (VM_SHARED | VM_MAYSHARE)).toBe(VM_SHARED | VM_MAYSHARE);
    expect(roundTrip(text)).toBe(text);
  });
  test("paths with spaces, ' (deleted)' and an escaped newline", () => {
    const text =
      "7f0000000000-7f0000001000 r--p 00002000 fe:00 12                         /tmp/a b  c.so\n" +
      "7f0000001000-7f0000002000 rw-s 00000000 00:01 7                          /dev/zero (deleted)\n" +
      "7f0000002000-7f0000003000 r--p 00000000 fe:00 13                         /tmp/new\\012line (deleted)\n";
    const { vmas } = parseMaps(text);
    expect(vmas[0]!.file).toMatchObject({ path: "/tmp/a b  c.so", deleted: false });
    expect(vmas[0]!.pgoff).toBe(2n);
    expect(vmas[1]!.file).toMatchObject({ path: "/dev/zero", deleted: true });
    expect(vmas[2]!.file).toMatchObject({ path: "/tmp/new\\012line", deleted: true });
    expect(roundTrip(text)).toBe(text);
  });
  test("a real newline in a kernel path is printed as \\012", () => {
    const v: Vma = { ...anon(0x1000n, 0x2000n), file: { path: "/a\nb", dev: 0, inode: 1n, deleted: false } };
    expect(mapsLine(v, noMm)).toMatch(/ \/a\\012b\n$/);
  });
  test("file offset is pgoff << 12 for files and 0 otherwise", () => {
    expect(mapsLine({ ...anon(0x1000n, 0x2000n), pgoff: 5n }, noMm)).toContain(" 00000000 00:00 0 ");
    const f: Vma = { ...anon(0x1000n, 0x2000n), pgoff: 0x123456789n, file: { path: "/big", dev: 0, inode: 1n, deleted: false } };
    expect(mapsLine(f, noMm)).toContain(" 123456789000 00:00 1 ");
  });
});

describe("maps device numbers", () => {
  test("three-hex-digit majors (NVMe 259 = 0x103) parse to a dev_t and print back", () => {
    const text = "55a5a1993000-55a5a199b000 r--p 00000000 103:02 260885                    /usr/bin/sqlite3\n";
    const { vmas } = parseMaps(text);
    expect(vmas[0]!.file!.dev).toBe(259 * 2 ** 20 + 2);
    expect(roundTrip(text)).toBe(text);
  });
  test("a major above 0x7ff (dev_t beyond int32) prints exactly", () => {
    const v: Vma = { ...anon(0x1000n, 0x2000n), file: { path: "/x", dev: makeDev(0xfff, 0xabcde), inode: 9n, deleted: false } };
    expect(mapsLine(v, noMm)).toContain(" fff:abcde 9 ");
  });
});

describe("maps flags inferred from a line", () => {
  test("private, shared read-only, shared writable, stack", () => {
    const text =
      "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n" +
      "7f0000001000-7f0000002000 r--s 00000000 fe:00 5                          /cache\n" +
      "7f0000002000-7f0000003000 rw-s 00000000 fe:00 6                          /shared\n";
    const [a, ro, rw] = parseMaps(text).vmas as [Vma, Vma, Vma];
    expect(a.flags).toBe(VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT);
    expect(ro.flags).toBe(VM_READ | VM_MAYREAD | VM_MAYEXEC | VM_MAYSHARE);
    expect(rw.flags).toBe(VM_READ | VM_WRITE | VM_SHARED | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_MAYSHARE);
  });
});

describe("maps parse errors name the 1-based line", () => {
  const pad = " ".repeat(33) + " ";
  const good = `00400000-00401000 r--p 00000000 fe:00 1${pad}/bin/x\n`;
  test.each([
    ["00401000-00402000 rwzp 00000000 00:00 0 ", /maps line 2: bad permissions "rwzp"/],
    ["00401000-00402000 rw-p 00000000 00:00", /maps line 2: expected/],
    ["00401000-0040200g rw-p 00000000 00:00 0 ", /maps line 2: bad address range/],
    ["00402000-00401000 rw-p 00000000 00:00 0 ", /maps line 2: empty or reversed range/],
    [`00401000-00402000 r--p 00000800 fe:00 1${pad}/bin/x`, /maps line 2: offset 00000800 is not page aligned/],
    ["00401000-00402000 rw-p 00000000 0:00 0 ", /maps line 2: bad device "0:00"/],
    ["00401000-00402000 rw-p 00000000 00:00 x ", /maps line 2: bad inode "x"/],
    ["00401000-00402000 rw-p 00000000 fe:00 3 ", /maps line 2: no name but device fe:00 inode 3/],
    ["00400000-00402000 rw-p 00000000 00:00 0 ", /maps line 2: .*address order/],
    ["00401000-00402000 rw-p 00000000 00:00 0   ", /maps line 2: does not re-render identically/],
  ])("%s", (bad, msg) => {
    expect(() => parseMaps(good + bad + "\n")).toThrow(msg);
  });
  test("an end or start off a page, or a 65-bit address, is refused with the input line's number and text", () => {
    const unaligned = "00401000-00401800 rw-p 00000000 00:00 0 ";
    expect(() => parseMaps(good + unaligned + "\n")).toThrow(
      `maps line 2: range 00401000-00401800 does not start and end on 4 KiB pages: ${JSON.stringify(unaligned)}`);
    expect(() => parseMaps(good + "00401800-00402000 rw-p 00000000 00:00 0 \n")).toThrow(/maps line 2: .*4 KiB pages/);
    expect(() => parseMaps("10000000000000000-10000000000001000 rw-p 00000000 00:00 0 \n")).toThrow(/maps line 1: bad address range/);
    expect(() => parseMaps(good + `00401000-00402000 r--p 10000000000000000 fe:00 1${pad}/bin/x\n`)).toThrow(/maps line 2: bad offset/);
    try { parseMaps(good + unaligned + "\n"); } catch (e) {
      expect(e).toBeInstanceOf(MapsFormatError);
      expect([(e as MapsFormatError).lineNumber, (e as MapsFormatError).line]).toEqual([2, unaligned]);
    }
  });
  test("a line that does not re-render shows the input and what the kernel would print", () => {
    const bad = "00401000-00402000 rw-p 00000000 00:00 0   ";
    expect(() => parseMaps(good + bad + "\n")).toThrow(
      `maps line 2: does not re-render identically under the kernel's rules (it would print as "00401000-00402000 rw-p 00000000 00:00 0 "): ${JSON.stringify(bad)}`);
  });
  test("a mapping at address 0 without a [stack] line round-trips (start_stack lies in no VMA)", () => {
    const text = "00000000-00001000 r--p 00000000 00:00 0 \n00001000-00003000 rw-p 00000000 00:00 0 \n00010000-00011000 rw-p 00000000 00:00 0 \n";
    expect(roundTrip(text)).toBe(text);
    expect(parseMaps(text).mm.startStack).toBe(0x3001n);
  });
  test("an empty line in the middle", () => {
    expect(() => parseMaps(good + "\n" + good)).toThrow(/maps line 2: empty line/);
  });
  test("a line after [vsyscall]", () => {
    const vs = "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";
    expect(() => parseMaps(vs + good)).toThrow(/maps line 2: a line after \[vsyscall\]/);
  });
});
