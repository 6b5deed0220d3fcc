// The four real process histories (test/fixtures/processes, recorded on Linux 6.18 with
// ASLR off) replayed through the kernel model's own system calls: every return value is
// Linux's, and /proc/PID/maps after the first K memory syscalls is every snapshot, and at
// exit_group the final maps, byte for byte. One exception: the [stack] line's start. The
// stack grows by page faults that the log does not record; the replay grows it to cover
// the stack pointer at each syscall, so the model's stack may start higher than Linux's
// (never lower). That line's end, and every other byte, are compared exactly.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Kernel } from "../../src/kernel/kernel.js";
import { SyscallReplay } from "../../src/kernel/replaySyscalls.js";
import { describeReturn } from "../../src/kernel/syscallNames.js";
import { FIXTURES } from "../helpers/fixtures.js";

const DIR = FIXTURES + "processes/";
const NAMES = ["ls", "gzip", "sqlite3", "bash-recurse"];
const read = (f: string) => readFileSync(DIR + f, "latin1");

/** The [stack] line's start address (and the text with it masked), so the rest compares exactly. */
function splitStack(maps: string): { start: bigint | null; masked: string } {
  let start: bigint | null = null;
  const masked = maps.replace(/^([0-9a-f]+)(-[0-9a-f]+ .*\[stack\])$/m, (_all, s: string, rest: string) => {
    start = BigInt("0x" + s);
    return "STACK" + rest;
  });
  return { start, masked };
}

/** "END VmFlags: …" per smaps entry (the end address names the VMA; the [stack] start is not compared). */
function vmFlagsLines(smaps: string): string[] {
  const out: string[] = [];
  let end = "";
  for (const l of smaps.split("\n")) {
    const m = /^[0-9a-f]+-([0-9a-f]+) /.exec(l);
    if (m) end = m[1]!;
    else if (l.startsWith("VmFlags:")) out.push(`${end} ${l}`);
  }
  return out;
}

function expectSameMaps(model: string, linux: string, what: string): void {
  const m = splitStack(model), l = splitStack(linux);
  expect(m.masked, what).toBe(l.masked);
  expect(m.start === null, `${what}: [stack] in one maps only`).toBe(l.start === null);
  if (m.start !== null && l.start !== null) expect(m.start >= l.start, `${what}: model stack below Linux's`).toBe(true);
}

describe.each(NAMES)("%s: replayed through the model's syscalls", (name) => {
  const snapshots = readdirSync(DIR).map((f) => new RegExp(`^${name}\\.snap-(\\d+)\\.maps$`).exec(f))
    .filter((m) => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);

  test("every memory syscall returns what Linux returned; maps equal every snapshot and the final maps", async () => {
    const k = await Kernel.create({ ramBytes: 64 << 20, mmapMinAddr: 4096 });
    const r = new SyscallReplay(k, read(`${name}.initial.maps`), read(`${name}.syscalls.jsonl`), name);
    const differ: string[] = [];
    let compared = 0;
    for (const K of snapshots) {
      for (const s of r.run(K)) {
        if (!s.matches) differ.push(`#${s.record.mm} ${s.call}: Linux ${describeReturn(s.linux)}, model ${describeReturn(s.model)}`);
      }
      expect(r.memoryCalls).toBe(K);
      expectSameMaps(r.maps(), read(`${name}.snap-${K}.maps`), `${name} snapshot ${K}`);
      compared++;
    }
    for (const s of r.run()) {
      if (!s.matches) differ.push(`#${s.record.mm} ${s.call}: Linux ${describeReturn(s.linux)}, model ${describeReturn(s.model)}`);
    }
    expect(differ).toEqual([]);
    const last = r.records[r.position];
    expect(last?.name).toBe("exit_group");
    expect(r.memoryCalls).toBe(r.records.filter((x) => x.mm !== 0).length);
    expectSameMaps(r.maps(), read(`${name}.final.maps`), `${name} final`);
    expect(compared).toBe(snapshots.length);
    // The hidden vm_flags too: each VMA's smaps VmFlags line (ac, nr, nh, gd, pf, io, de, dd...) is Linux's.
    expect(vmFlagsLines(k.procfs.read(`/proc/${r.process.pid}/smaps`) as string)).toEqual(vmFlagsLines(read(`${name}.final.smaps`)));
  });
});
