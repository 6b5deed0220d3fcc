// One rule for every command's exit status: 1 for usage (an unknown option, a bad option
// or argument value, an I/O error), 2 for bad input data (a trace line, a vector, a maps
// line, a tables file); each --help and the main help say so. And the messages name the
// value: negative numbers after a flag, page sizes, replay lines, vector lines, --ram/--swap.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEGACY32, run, tempDir, WORKED } from "./run.js";

let tmp = "";
beforeAll(() => { tmp = tempDir("exit"); });
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

const file = (name: string, text: string) => { const p = join(tmp, name); writeFileSync(p, text); return p; };
const firstVector = () => gunzipSync(readFileSync(LEGACY32)).toString("utf8").split("\n")[0]!;

/** Exit 1, nothing on stdout, the command's prefix and `message` on stderr. */
function expectUsage(args: string[], message: string | RegExp) {
  const r = run(args);
  expect(r.code, args.join(" ")).toBe(1);
  expect(r.stdout, args.join(" ")).toBe("");
  expect(r.stderr, args.join(" ")).toMatch(new RegExp(`^wasm-mmu ${args[0]}: `));
  if (typeof message === "string") expect(r.stderr, args.join(" ")).toContain(message);
  else expect(r.stderr, args.join(" ")).toMatch(message);
}

describe("exit status 1 for a bad option value, 2 for bad input data", () => {
  it("walk: bad --mode, --cpl, --map and VA values exit 1; a bad tables file exits 2", () => {
    expectUsage(["walk", "--mode", "bogus", "0x0"], '--mode: "bogus" is not one of 4level, 5level, pae, legacy32');
    expectUsage(["walk", "--cpl", "5", "0x0"], "--cpl: 5 is not 0..3");
    expectUsage(["walk", "--map", "0x400000=0x200000:4k:user,bogus", "0x400000"], 'unknown flag "bogus"');
    expectUsage(["walk", "--map", "0x400001=0x200000", "0x400000"], "0x400001 is not aligned");
    expectUsage(["walk", "--quirks", "intel", "0x0"], '--quirks: "intel"');
    expectUsage(["walk", "0xzz"], '"0xzz"');
    const tables = file("bad-value.json", JSON.stringify({ mode: "4level", mappings: [{ va: "0x400000", pa: "0x200000", flags: ["bogus"] }] }));
    const bad = run(["walk", "--tables", tables, "0x400000"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^wasm-mmu walk: .*mappings\[0\]\.flags: unknown flag "bogus"/);
    const unaligned = file("unaligned.json", JSON.stringify({ mappings: [{ va: "0x400001", pa: "0x200000" }] }));
    const u = run(["walk", "--tables", unaligned, "0x400000"]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/mappings\[0\]: .*0x400001 is not aligned/);
  });

  it("conformance: a bad --tlb or --quirks exits 1; a bad vector exits 2", () => {
    expectUsage(["conformance", "x86", LEGACY32, "--tlb", "bogus"], '--tlb: "bogus" is not one of fast, arch, none');
    expectUsage(["conformance", "x86", LEGACY32, "--quirks", "amd"], '--quirks: "amd"');
    const vectors = file("bad-mode.jsonl", `${firstVector()}\n${firstVector().replace('"mode":"legacy32"', '"mode":"bogus"')}\n`);
    const r = run(["conformance", "x86", vectors]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^wasm-mmu conformance: .*bad-mode\.jsonl: line 2: mode "bogus"/);
  });

  it("replay: a bad --stlb, --format or --itlb exits 1; a bad trace line exits 2", () => {
    expectUsage(["replay", "--stlb", "7/3", WORKED], "--stlb 7/3: entries 7 is not a multiple of ways 3");
    expectUsage(["replay", "--format", "xml", WORKED], '--format: "xml" is not one of json, table');
    const r = run(["replay", file("bad.trace", "I 1000,4\nL 2000,0\n")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^wasm-mmu replay: line 2: invalid record: size must be 1\.\.4096/);
  });

  it("maps: an unknown option exits 1; a bad maps line exits 2", () => {
    expectUsage(["maps", "--bogus", "x.maps"], "--bogus");
    const r = run(["maps", file("bad.maps", "00400000-00401000 r--p 00000000 00:00 0 \nnot a maps line\n")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^wasm-mmu maps: .*line 2/);
  });

  it("proc: bad --ram, --swap and --view values exit 1, naming the value", () => {
    expectUsage(["proc", "--ram", "abc"], /--ram: "abc" is not a number/);
    expectUsage(["proc", "--swap", "99999999999"], /--swap: 99999999999 is not 0\.\.\d+/);
    expectUsage(["proc", "--swap", "1.5"], '--swap: "1.5" is not a number');
    expectUsage(["proc", "--ram", "1048577"], "--ram: 1048577 is not a multiple of 4096");
    expectUsage(["proc", "--view", "cpuinfo"], '--view: "cpuinfo" is not one of');
  });

  it("demo: an unknown option or an argument exits 1", () => {
    expectUsage(["demo", "--bogus"], "--bogus");
    expectUsage(["demo", "extra"], "extra");
  });
});

describe("the exit status rule in every help", () => {
  const RULE = /Exit status: 0 [^\n]*(\n[^\n]+)*1 usage[\s\S]*2 bad input data/;
  it("is stated in the main help and each command's --help", () => {
    expect(run(["--help"]).stdout).toMatch(RULE);
    for (const command of ["demo", "walk", "replay", "maps", "proc", "conformance"]) {
      const r = run([command, "--help"]);
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toMatch(RULE);
    }
  });
});

describe("negative numbers after a flag", () => {
  it("get our message naming the option and value, not node's \"ambiguous\"", () => {
    expectUsage(["walk", "--cpl", "-1", "0x0"], "--cpl: -1 is not 0..3");
    expectUsage(["walk", "--maxphyaddr", "-40", "0x0"], "--maxphyaddr: -40 is not 32..52");
    expectUsage(["replay", "--stlb", "-8/4", WORKED], '--stlb "-8/4" is not of the form ENTRIES/WAYS');
    expectUsage(["proc", "--swap", "-1"], "--swap: -1 is not 0..");
    expectUsage(["proc", "--ram", "-1048576"], "--ram: -1048576 is negative");
    for (const args of [["walk", "--cpl", "-1", "0x0"], ["replay", "--stlb", "-8/4", WORKED], ["proc", "--swap", "-1"]]) {
      expect(run(args).stderr).not.toMatch(/ambiguous/);
    }
  });

  it("a value that is another option is still a missing value", () => {
    expectUsage(["walk", "--mode", "--cpl", "0", "0x0"], "--mode");
  });
});

describe("messages name the value", () => {
  it("--map with a size that is not a page size lists the page sizes", () => {
    expectUsage(["walk", "--map", "0x0=0x0:3k", "0x0"], '--map 0x0=0x0:3k: size: "3k" is not a page size (4k, 2m, 4m, 1g)');
    expectUsage(["walk", "--map", "0x0=0x0:8k:user", "0x0"], '"8k" is not a page size (4k, 2m, 4m, 1g)');
  });

  it("a replay error shows the offending line's text, shortened", () => {
    const r = run(["replay", file("bad-text.trace", "I 1000,4\n L 2000,zz\n")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('wasm-mmu replay: line 2: malformed line (not blank, noise or a K H,D record): " L 2000,zz"\n');
    const long = ` S 3000,${"9".repeat(100)}`;
    const l = run(["replay", file("long.trace", `I 1000,4\n${long}\n`)]);
    expect(l.code).toBe(2);
    expect(l.stderr).toBe(`wasm-mmu replay: line 2: invalid record: size must be 1..4096: "${long.slice(0, 59)}…"\n`);
  });

  it("a bad vector names its line in the file (blank lines counted)", () => {
    const v = firstVector();
    const noWalk = file("no-walk.jsonl", `${v}\n\n${v.replace('"walk":[', '"walk_":[')}\n`);
    const r = run(["conformance", "x86", noWalk]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no-walk\.jsonl: line 3: "walk" is not a list/);
    const unreplayable = file("bad-va.jsonl", `${v}\n\n\n${v.replace('"va":"0xfa2c4b50"', '"va":"bogus"')}\n`);
    const u = run(["conformance", "x86", unreplayable]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/bad-va\.jsonl: line 4 \(id 0\): the vector could not be replayed: /);
    const json = run(["conformance", "x86", file("bad-json.jsonl", `${v}\n\n{"id": 1,\n`)]);
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/bad-json\.jsonl: line 3: malformed JSON/);
  });

  it("proc --ram 1048576 (all of it the kernel's) is refused naming the minimum, not an internal ENOMEM", () => {
    const r = run(["proc", "--ram", "1048576"]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toMatch(/^wasm-mmu proc: --ram: 1048576 is below the minimum of 1114112 /);
    const least = run(["proc", "--ram", "1114112", "--view", "meminfo"]);
    expect(least.stderr).toBe("");
    expect(least.code).toBe(0);
    expect(least.stdout).toMatch(/^MemTotal: +64 kB$/m);   // what is left above the kernel's 1 MiB
  });

  it("a scenario that runs out of memory says which options to raise", () => {
    const r = run(["proc", "--ram", "1114112", "--swap", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wasm-mmu proc: --ram 1114112 with --swap 0: the scenario ran out of memory \(ENOMEM: /);
  });
});
