// `wasm-mmu process replay`, run as a user would, on the four recorded histories
// (test/fixtures/processes): the maps it prints equal Linux's snapshots and final maps
// byte for byte except the [stack] start (the log cannot tell how far below the recorded
// stack pointers the stack was touched: see test/kernel/replayProcesses.test.ts), --check
// passes on them and fails, naming the call and both values, on a log whose return was
// altered; bad input exits 2 naming the line and the field; bad usage exits 1.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { FIXTURES, run, tempDir } from "./run.js";

const DIR = join(FIXTURES, "processes");
const f = (name: string) => join(DIR, name);
const read = (name: string) => readFileSync(f(name), "latin1");
/** The [stack] line's start masked: everything else must be equal. */
const maskStack = (maps: string) => maps.replace(/^[0-9a-f]+(-[0-9a-f]+ .*\[stack\])$/m, "STACK$1");

describe.each(["ls", "gzip", "sqlite3", "bash-recurse"])("wasm-mmu process replay %s", (name) => {
  const replay = (...extra: string[]) => run(["process", "replay", f(`${name}.syscalls.jsonl`), "--initial", f(`${name}.initial.maps`), ...extra]);

  test("--check: every return equals Linux's; the maps at exit_group are the final maps", () => {
    const r = replay("--check");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(maskStack(r.stdout)).toBe(maskStack(read(`${name}.final.maps`)));
  });

  test("--at K prints the maps after the first K memory syscalls: every snapshot", () => {
    const ks = readdirSync(DIR).map((x) => new RegExp(`^${name}\\.snap-(\\d+)\\.maps$`).exec(x)).filter((m) => m !== null).map((m) => m[1]!);
    for (const k of ks) {
      const r = replay("--at", k);
      expect(r.code, r.stderr).toBe(0);
      expect(maskStack(r.stdout)).toBe(maskStack(read(`${name}.snap-${k}.maps`)));
    }
    const r0 = replay("--at", "0");
    expect(r0.stdout).toBe(read(`${name}.initial.maps`));
  });
});

describe("wasm-mmu process replay: --steps, --check failures, bad input", () => {
  const LOG = f("ls.syscalls.jsonl"), INITIAL = f("ls.initial.maps");

  test("--steps: one paragraph per memory syscall with both returns and the VMAs changed, then the maps", () => {
    const r = run(["process", "replay", LOG, "--initial", INITIAL, "--steps", "--at", "8"]);
    expect(r.code).toBe(0);
    const heads = r.stdout.split("\n").filter((l) => l.startsWith("#"));
    expect(heads).toHaveLength(8);
    expect(heads[0]).toBe("#1 brk(0) = 0x55555557a000");
    expect(heads[1]).toBe("#2 mmap(0, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7fc0000");
    expect(r.stdout).toContain("\n  created  7ffff7fc0000-7ffff7fc2000 rw-p 00000000 00:00 0\n");
    // #5 maps libselinux's text over the middle of its first mapping: one VMA split in three.
    const five = r.stdout.slice(r.stdout.indexOf("\n#5 "), r.stdout.indexOf("\n#6 "));
    expect(five).toMatch(/\n {2}split {4}7ffff7f85000-7ffff7fb3000 r--p 00000000 fe:00 339872 +\/usr\/lib\/x86_64-linux-gnu\/libselinux\.so\.1\n/);
    expect(five.split("\n").filter((l) => l.includes("->"))).toHaveLength(3);
    expect(five).toContain("\n  rule: MAP_FIXED replaces what was there: the part of the VMA there is unmapped first (the rest is split off) (do_mmap → mmap_region).\n");
    expect(r.stdout).toContain("#1 brk(0) = 0x55555557a000\n  rule: brk(0) asks for the break: the current one, 0x55555557a000, is returned and nothing changes (sys_brk).\n");
    expect(r.stdout.endsWith("\n\n" + run(["process", "replay", LOG, "--initial", INITIAL, "--at", "8"]).stdout)).toBe(true);
  });

  test("--check names the first return that differs (the call, Linux's value, the model's) and exits 2", () => {
    const dir = tempDir("process");
    const lines = readFileSync(LOG, "utf8").split("\n");
    const i = lines.findIndex((l) => l.includes('"mm":2,'));
    lines[i] = lines[i]!.replace('"ret":"0x7ffff7fc0000"', '"ret":"0x7ffff7fbf000"');
    writeFileSync(join(dir, "bad.jsonl"), lines.join("\n"));
    const r = run(["process", "replay", join(dir, "bad.jsonl"), "--initial", INITIAL, "--check"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 2: memory syscall #2 mmap\(0, 0x2000, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\): Linux returned 0x7ffff7fbf000, the model 0x7ffff7fc0000/);
    expect(run(["process", "replay", join(dir, "bad.jsonl"), "--initial", INITIAL]).code).toBe(0);   // without --check: just the maps
  });

  test("a bad log line exits 2 naming the line and the field; usage errors exit 1", () => {
    const dir = tempDir("process");
    const lines = readFileSync(LOG, "utf8").split("\n");
    lines[3] = lines[3]!.replace('"sp":"0x', '"sp":"1x');
    writeFileSync(join(dir, "bad.jsonl"), lines.join("\n"));
    const bad = run(["process", "replay", join(dir, "bad.jsonl"), "--initial", INITIAL]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.jsonl: line 4: field "sp" "1x[0-9a-f]+" is not a 64-bit hex string/);
    expect(run(["process", "replay", LOG]).stderr).toMatch(/--initial INITIAL.maps is required/);
    expect(run(["process", "replay", LOG]).code).toBe(1);
    const far = run(["process", "replay", LOG, "--initial", INITIAL, "--at", "43"]);
    expect(far.code).toBe(1);
    expect(far.stderr).toMatch(/--at 43: .* has 42 memory syscalls/);
    expect(run(["process", "replay", join(dir, "nope.jsonl"), "--initial", INITIAL]).code).toBe(1);
    expect(run(["process", "frobnicate"]).code).toBe(1);
  });
});
