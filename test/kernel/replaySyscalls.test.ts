// The replay machinery on hand-written logs: every bad line is refused naming its line and
// field; fds say which open file an mmap maps (two mmaps through one open file share a
// struct file and merge, two opens of one inode do not; dup shares, close forgets); a
// memory syscall the model lacks is a difference, not a silent skip; each step's VMA
// changes are classified as created, split, merged, changed or removed.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Kernel } from "../../src/kernel/kernel.js";
import { diffVmas, SyscallReplay, type VmaLine } from "../../src/kernel/replaySyscalls.js";
import { parseSyscallLog, SyscallLogError } from "../../src/kernel/syscallLog.js";
import { FIXTURES } from "../helpers/fixtures.js";

const INITIAL = readFileSync(FIXTURES + "processes/ls.initial.maps", "latin1");
const SP = "0x7fffffffe000";
let n = 0;
const mmapLine = (mm: number, args: string[], ret: string, file?: object) =>
  JSON.stringify({ i: n++, mm, name: "mmap", nr: 9, args, ret, sp: SP, ...(file ? { file } : {}) });
const aux = (name: string, args: string[], ret: string, extra: object = {}) =>
  JSON.stringify({ i: n++, mm: 0, name, nr: 0, args, ret, sp: SP, ...extra });
const FILE = { path: "/usr/share/x", dev: "fe:00", ino: 42, size: 65536, mode: "0100644" };

async function replay(lines: string[]): Promise<SyscallReplay> {
  const k = await Kernel.create({ ramBytes: 16 << 20, mmapMinAddr: 4096 });
  return new SyscallReplay(k, INITIAL, lines.join("\n") + "\n");
}

describe("parseSyscallLog: a bad line names its line number and field", () => {
  const good = mmapLine(1, ["0x0", "0x1000", "0x3", "0x22", "0xffffffff", "0x0"], "0x7ffff7fc1000");
  const cases: [string, string, RegExp][] = [
    ["not JSON", "{", /^line 2: is not JSON/],
    ["a missing field", good.replace(/"sp":"[^"]+",?/, "").replace(/,}$/, "}"), /^line 2: field "sp" is missing/],
    ["an argument that is not hex", good.replace('"0x1000"', '"4096"'), /^line 2: field "args\[1\]" "4096" is not a 64-bit hex string/],
    ["a 65-bit argument", good.replace('"0x1000"', '"0x10000000000000000"'), /^line 2: field "args\[1\]"/],
    ["a ret that is neither", good.replace('"ret":"0x7ffff7fc1000"', '"ret":"-0"'), /^line 2: field "ret" "-0" is neither/],
    ["an errno beyond 4095", good.replace('"ret":"0x7ffff7fc1000"', '"ret":"-4096"'), /^line 2: field "ret"/],
    ["a file.dev not as maps prints it", mmapLine(2, ["0x0", "0x1000", "0x1", "0x2", "0x3", "0x0"], "0x1000", { ...FILE, dev: "254:0" }),
      /^line 2: field "file.dev" "254:0" is not "major:minor"/],
    ["a negative i", good.replace(/"i":\d+/, '"i":-1'), /^line 2: field "i" -1 is not a whole number/],
    ["a memory index out of order", good.replace('"mm":1', '"mm":3'), /^line 2: field "mm" 3 does not follow the previous memory syscall's 1/],
  ];
  test.each(cases)("%s", (_what, bad, message) => {
    let err: unknown;
    try { parseSyscallLog(good + "\n" + bad + "\n"); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SyscallLogError);
    expect((err as SyscallLogError).line).toBe(2);
    expect((err as Error).message).toMatch(message);
  });

  test("an empty line is refused; a final newline is fine", () => {
    expect(() => parseSyscallLog(good + "\n\n" + good)).toThrow(/^line 2: is empty/);
    expect(parseSyscallLog(good + "\n")).toHaveLength(1);
  });
});

describe("SyscallReplay: files, fds and steps", () => {
  test("one open file maps as one struct file (contiguous offsets merge); a second open of the same inode does not merge; dup shares", async () => {
    const x = 0x60000000;
    const a = (off: number) => `0x${(x + off).toString(16)}`;
    const r = await replay([
      aux("openat", ["0xffffff9c", "0x0", "0x0", "0x0"], "0x3", { path: "/usr/share/x" }),
      mmapLine(1, [a(0), "0x1000", "0x1", "0x12", "0x3", "0x0"], a(0), FILE),
      mmapLine(2, [a(0x1000), "0x1000", "0x1", "0x12", "0x3", "0x1000"], a(0x1000), FILE),
      aux("openat", ["0xffffff9c", "0x0", "0x0", "0x0"], "0x4", { path: "/usr/share/x" }),
      mmapLine(3, [a(0x2000), "0x1000", "0x1", "0x12", "0x4", "0x2000"], a(0x2000), FILE),
      aux("dup", ["0x4"], "0x5"),
      aux("close", ["0x4"], "0x0"),
      mmapLine(4, [a(0x3000), "0x1000", "0x1", "0x12", "0x5", "0x3000"], a(0x3000), FILE),
    ]);
    const steps = r.run();
    expect(steps.filter((s) => s.record.mm !== 0).map((s) => s.matches)).toEqual([true, true, true, true]);
    const lines = r.maps().split("\n").filter((l) => l.startsWith("6000")).map((l) => l.split(" ").slice(0, 3).join(" "));
    expect(lines).toEqual(["60000000-60002000 r--p 00000000", "60002000-60004000 r--p 00002000"]);
    expect(steps[2]!.changes.map((c) => c.kind)).toEqual(["merged"]);
  });

  test("MAP_SHARED with PROT_WRITE through an fd opened O_RDONLY is EACCES, as Linux said (-13): the open flags are tracked", async () => {
    const r = await replay([
      aux("openat", ["0xffffff9c", "0x0", "0x0", "0x0"], "0x3", { path: "/usr/share/x" }),
      mmapLine(1, ["0x0", "0x1000", "0x3", "0x1", "0x3", "0x0"], "-13", FILE),
      aux("openat", ["0xffffff9c", "0x0", "0x2", "0x0"], "0x4", { path: "/usr/share/x" }),
      mmapLine(2, ["0x0", "0x1000", "0x3", "0x1", "0x4", "0x0"], "0x7ffff7fc1000", FILE),
    ]);
    const steps = r.run().filter((s) => s.record.mm !== 0);
    expect(steps.map((s) => [s.model, s.matches])).toEqual([[-13n, true], [0x7ffff7fc1000n, true]]);
    expect(r.maps()).toMatch(/^7ffff7fc1000-7ffff7fc2000 rw-s 00000000 fe:00 42 +\/usr\/share\/x$/m);
  });

  test("a memory syscall the model does not implement is a difference, not a skip; run(K) stops after K memory syscalls", async () => {
    const r = await replay([
      mmapLine(1, ["0x0", "0x1000", "0x3", "0x22", "0xffffffff", "0x0"], "0x7ffff7fc1000"),
      JSON.stringify({ i: n++, mm: 2, name: "mlock", nr: 149, args: ["0x7ffff7fc1000", "0x1000"], ret: "0x0", sp: SP }),
      mmapLine(3, ["0x0", "0x1000", "0x3", "0x22", "0xffffffff", "0x0"], "0x7ffff7fc0000"),
    ]);
    expect(r.run(2).map((s) => [s.record.name, s.notModelled, s.matches])).toEqual([["mmap", false, true], ["mlock", true, false]]);
    expect(r.memoryCalls).toBe(2);
    const last = r.step()!;
    expect([last.model, last.matches]).toEqual([0x7ffff7fc0000n, true]);   // merged below the first: one VMA
    expect(last.changes.map((c) => c.kind)).toEqual(["merged"]);
    expect(r.step()).toBeNull();
    expect(r.done).toBe(true);
  });

  test("the stack pointer below [stack] is a fault that grows it, reported apart from the call's own changes", async () => {
    const r = await replay([JSON.stringify({ i: 0, mm: 1, name: "brk", nr: 12, args: ["0x0"], ret: "0x55555557a000", sp: "0x7ffffffdd008" })]);
    const s = r.step()!;
    expect(s.matches).toBe(true);
    expect(s.faults).toHaveLength(1);
    expect(s.faults[0]!.kind).toBe("grown");
    expect(s.faults[0]!.after[0]!.line).toMatch(/^7ffffffdd000-7ffffffff000 rw-p 00000000 00:00 0 +\[stack\]$/);
    expect(s.changes).toEqual([]);
  });
});

describe("SyscallReplay: threads and children (logs with tid)", () => {
  test("a thread's calls change the process; a forked child's change its own copy; after its execve they are not replayable; run() stops at the process's exit_group only", async () => {
    const t = (tid: number, o: object) => JSON.stringify({ i: n++, sp: SP, ret: "0x0", ...o, tid });
    const anon = (mm: number, addr: string, ret: string) => ({ mm, name: "mmap", nr: 9, args: [addr, "0x1000", "0x3", "0x32", "0xffffffff", "0x0"], ret });
    const r = await replay([
      t(100, { mm: 0, name: "clone", nr: 56, args: ["0x3d0f00", "0x0", "0x0", "0x0", "0x0"], ret: "0x65" }),   // CLONE_VM|...: thread 101
      t(101, anon(1, "0x61000000", "0x61000000")),
      t(101, { mm: 0, name: "exit", nr: 60, args: ["0x0"], ret: null }),
      t(100, { mm: 0, name: "clone", nr: 56, args: ["0x1200011", "0x0", "0x0", "0x0", "0x0"], ret: "0x66" }),  // fork: child 102
      t(102, anon(2, "0x62000000", "0x62000000")),
      t(102, { mm: 0, name: "execve", nr: 59, args: ["0x0", "0x0", "0x0"], ret: "0x0" }),
      t(102, anon(3, "0x63000000", "0x63000000")),
      t(102, { mm: 0, name: "exit_group", nr: 231, args: ["0x0"], ret: null }),
      t(100, anon(4, "0x64000000", "0x64000000")),
      t(100, { mm: 0, name: "exit_group", nr: 231, args: ["0x0"], ret: null }),
    ]);
    const steps = r.run().filter((x) => x.record.mm !== 0);
    expect(steps.map((x) => [x.record.mm, x.matches, x.notModelled])).toEqual([[1, true, false], [2, true, false], [3, false, true], [4, true, false]]);
    expect(r.records[r.position]!.name).toBe("exit_group");
    const starts = r.maps().split("\n").filter((l) => /^6[1-4]/.test(l)).map((l) => l.slice(0, 8));
    expect(starts).toEqual(["61000000", "64000000"]);                    // the child's mapping is in its copy only
  });
});

describe("diffVmas: what a step did to the VMAs", () => {
  const l = (start: number, end: number, tag = "") => ({ start: BigInt(start), end: BigInt(end), line: `${start}-${end}${tag}` }) as VmaLine;
  test("created, removed, split, merged, changed", () => {
    expect(diffVmas([], [l(0, 10)]).map((c) => c.kind)).toEqual(["created"]);
    expect(diffVmas([l(0, 10)], []).map((c) => c.kind)).toEqual(["removed"]);
    expect(diffVmas([l(0, 10)], [l(0, 4), l(4, 10, "x")]).map((c) => c.kind)).toEqual(["split"]);
    expect(diffVmas([l(0, 4), l(4, 10, "x")], [l(0, 10)]).map((c) => c.kind)).toEqual(["merged"]);
    expect(diffVmas([l(0, 4)], [l(0, 8)]).map((c) => c.kind)).toEqual(["merged"]);       // grown into new space
    expect(diffVmas([l(0, 4)], [l(0, 4, "ro")]).map((c) => c.kind)).toEqual(["changed"]);
    expect(diffVmas([l(0, 4), l(20, 30)], [l(0, 4), l(20, 30)])).toEqual([]);
  });
});
