// `wasm-mmu replay` as built (dist/cli.js), run as a user would: the JSON, table and log
// of the fixture conformance cases and sample traces, stdin, gzip, the exit codes and
// messages of bad lines, bad options and bad files, and the progress bar (on a terminal only).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(ROOT, "dist/cli.js");
const FIXTURES = join(ROOT, "test/fixtures");
const CASES = join(FIXTURES, "replay/cases");
const WORKED = join(CASES, "02-worked-example.trace");
const BZIP2 = join(FIXTURES, "traces/bzip2.lackey.gz");
const SAMPLE = join(ROOT, "data/sample.lackey.gz");
let tmp = "";

function run(args: string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", input, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A shell command line (POSIX sh), run with its stdout and stderr piped. */
function sh(command: string) {
  const r = spawnSync("/bin/sh", ["-c", command], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
const json = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
const caseArgs = (name: string) => readFileSync(join(CASES, `${name}.args`), "utf8").trim().split(/\s+/).filter(Boolean);

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "wasm-mmu-replay-"));
});
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

describe("wasm-mmu replay: results", () => {
  it("prints every key of the worked example's JSON, in the order of §8", () => {
    const r = run(["replay", WORKED]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const expected = json(join(CASES, "02-worked-example.expected.json"));
    const got = JSON.parse(r.stdout);
    expect(got).toEqual(expected);
    expect(Object.keys(got)).toEqual(Object.keys(expected));
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(Object.keys(expected).length + 2);   // one key per line
  });

  it("--format table prints a line per TLB with its geometry, hits and misses", () => {
    const r = run(["replay", "--format", "table", WORKED]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/4 lines, 3 records \(I 1, L 1, S 0, M 1\), 5 translations/);
    expect(r.stdout).toMatch(/^\s+iTLB\s+64\/8\s+0\s+2\s+0\.00%\s+666\.67$/m);
    expect(r.stdout).toMatch(/^\s+dTLB\s+64\/4\s+1\s+2\s+33\.33%\s+666\.67$/m);
    expect(r.stdout).toMatch(/^\s+STLB\s+1536\/12\s+1\s+3\s+25\.00%\s+1000\.00$/m);
    expect(r.stdout).toMatch(/walks 3 .*page faults 3, pages touched 3, page-table pages 4/);
    expect(r.stdout).toContain("phys_hash 170e573f9b44eb3a, outcome_hash 1024b18d7061ce86");
  });

  it("--log writes the per-translation log of the worked example", () => {
    const log = join(tmp, "worked.log");
    const r = run(["replay", "--log", log, WORKED]);
    expect(r.code).toBe(0);
    expect(readFileSync(log, "utf8")).toBe(readFileSync(join(CASES, "02-worked-example.expected.log"), "utf8"));
  });

  it("agrees with the JSON and the log of every valid case, with its options", () => {
    const names = readdirSync(CASES).filter((f) => /^\d\d-.*\.trace$/.test(f)).map((f) => f.replace(/\.trace$/, ""));
    expect(names.length).toBeGreaterThanOrEqual(16);
    for (const name of names) {
      const log = join(tmp, `${name}.log`);
      const r = run(["replay", ...caseArgs(name), "--log", log, join(CASES, `${name}.trace`)]);
      expect(r.code, name).toBe(0);
      expect(JSON.parse(r.stdout), name).toEqual(json(join(CASES, `${name}.expected.json`)));
      expect(readFileSync(log, "utf8"), name).toBe(readFileSync(join(CASES, `${name}.expected.log`), "utf8"));
    }
  });

  it("reads standard input for -", () => {
    const r = run(["replay", "-"], readFileSync(WORKED));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(json(join(CASES, "02-worked-example.expected.json")));
  });

  it("decompresses a gzip file (by its magic bytes) and replays it with small TLBs", () => {
    const r = run(["replay", "--itlb", "16/4", "--dtlb", "16/4", "--stlb", "256/8", BZIP2]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(json(join(FIXTURES, "replay/expected/bzip2.small.json")));
    // The same bytes through stdin, and a gzip file whose name does not say so.
    const renamed = join(tmp, "bzip2.trace");
    writeFileSync(renamed, readFileSync(BZIP2));
    const huge = run(["replay", "--huge", renamed]);
    expect(JSON.parse(huge.stdout)).toEqual(json(join(FIXTURES, "replay/expected/bzip2.huge.json")));
    const piped = run(["replay", "-"], readFileSync(BZIP2));
    expect(JSON.parse(piped.stdout)).toEqual(json(join(FIXTURES, "replay/expected/bzip2.default.json")));
  });
});

describe("wasm-mmu replay: errors", () => {
  it("exits 2 on a bad line, naming it and showing it, with no statistics", () => {
    const r = run(["replay", join(CASES, "e03-size-zero.trace")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('wasm-mmu replay: line 1: invalid record: size must be 1..4096: " L 1000,0"\n');
  });

  it("names the expected line of every error case", () => {
    const names = readdirSync(CASES).filter((f) => /^e\d\d-.*\.trace$/.test(f)).map((f) => f.replace(/\.trace$/, ""));
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) {
      const line = readFileSync(join(CASES, `${name}.expected-error`), "utf8").trim();
      const r = run(["replay", join(CASES, `${name}.trace`)]);
      expect(r.code, name).toBe(2);
      expect(r.stdout, name).toBe("");
      expect(r.stderr, name).toMatch(new RegExp(`^wasm-mmu replay: line ${line}: \\S.*\\n$`));
    }
  });

  it("leaves no partial log when a line is bad: no file, or the previous one untouched, and no temporary file", () => {
    const dir = mkdtempSync(join(tmp, "bad-log-"));
    const trace = join(tmp, "bad-line-3.trace");
    writeFileSync(trace, "I  00001ffe,4\n L 00005000,8\n S 00005000,0\n");
    const log = join(dir, "bad-line-3.log");
    const r = run(["replay", "--log", log, trace]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('wasm-mmu replay: line 3: invalid record: size must be 1..4096: " S 00005000,0"\n');
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(log, "previous\n");
    expect(run(["replay", "--log", log, trace]).code).toBe(2);
    expect(readdirSync(dir)).toEqual(["bad-line-3.log"]);
    expect(readFileSync(log, "utf8")).toBe("previous\n");
    // The same trace without its bad line: the log replaces the previous one, whole.
    writeFileSync(trace, "I  00001ffe,4\n L 00005000,8\n");
    expect(run(["replay", "--log", log, trace]).code).toBe(0);
    expect(readdirSync(dir)).toEqual(["bad-line-3.log"]);
    expect(readFileSync(log, "utf8")).toBe("1 I 1ffe 104ffe FAULT\n1 I 2000 105000 FAULT\n2 L 5000 106000 FAULT\n");
  });

  it("exits 1 on a bad TLB geometry, naming the value", () => {
    const ways = run(["replay", "--itlb", "64/5", WORKED]);
    expect(ways.code).toBe(1);
    expect(ways.stdout).toBe("");
    expect(ways.stderr).toMatch(/^wasm-mmu replay: --itlb 64\/5: entries 64 is not a multiple of ways 5\n$/);
    const form = run(["replay", "--stlb", "64x4", WORKED]);
    expect(form.code).toBe(1);
    expect(form.stderr).toContain('--stlb "64x4" is not of the form ENTRIES/WAYS');
    const big = run(["replay", "--dtlb", "1048576/1", WORKED]);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/--dtlb 1048576\/1: entries 1048576 is above the maximum/);
  });

  it("exits 1 on a missing file, and leaves --log untouched", () => {
    const log = join(tmp, "untouched.log");
    writeFileSync(log, "previous\n");
    const r = run(["replay", "--log", log, join(tmp, "no-such.trace")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^wasm-mmu replay: .*no-such\.trace: no such file/);
    expect(readFileSync(log, "utf8")).toBe("previous\n");
  });

  it("exits 1 on a corrupt gzip stream, and on a truncated one", () => {
    const garbage = join(tmp, "garbage.gz");
    writeFileSync(garbage, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from("this is not deflate data at all\n".repeat(20))]));
    const r = run(["replay", garbage]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^wasm-mmu replay: corrupt gzip data in .*garbage\.gz: /);
    const truncated = join(tmp, "truncated.gz");
    writeFileSync(truncated, readFileSync(BZIP2).subarray(0, 30000));
    const t = run(["replay", truncated]);
    expect(t.code).toBe(1);
    expect(t.stdout).toBe("");
    expect(t.stderr).toMatch(/corrupt gzip data in .*truncated\.gz/);
  });

  it("exits 1 on usage errors: no trace, two traces, an unknown option or format, an unwritable --log", () => {
    for (const args of [[], [WORKED, WORKED], ["--frob", WORKED], ["--format", "xml", WORKED],
      ["--log", join(tmp, "no-dir", "x.log"), WORKED]]) {
      const r = run(["replay", ...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stdout, args.join(" ")).toBe("");
      expect(r.stderr, args.join(" ")).toMatch(/^wasm-mmu replay: \S/);
    }
    expect(run(["replay", "--format", "xml", WORKED]).stderr).toContain('--format: "xml" is not one of json, table');
  });

  it("--help exits 0 and is listed in the main help", () => {
    for (const args of [["replay", "--help"], ["replay", "-h"], ["help", "replay"]]) {
      const r = run(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout, args.join(" ")).toMatch(/^Usage: wasm-mmu replay \[options\] TRACE/);
    }
    expect(run(["--help"]).stdout).toMatch(/^\s+replay\s+replay a valgrind lackey/m);
  });
});

describe("wasm-mmu replay: progress", () => {
  /** Input that arrives in two parts 1.5 s apart, so the replay runs past the 1 s threshold on any machine. */
  // The stall must outlast Node's start and the 1 s before progress shows, also on a loaded machine.
  const slowStdin = (file: string) => `(cat ${q(file)}; sleep 3; cat ${q(file)})`;

  it("prints nothing on stderr when it is not a terminal, even after 1 s", () => {
    const r = sh(`${slowStdin(WORKED)} | ${q(process.execPath)} ${q(CLI)} replay -`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).records).toBe(6);
  });

  const script = spawnSync("script", ["--version"], { encoding: "utf8" });
  const hasScript = script.status === 0 && /util-linux/.test(script.stdout + script.stderr);

  /** Needs util-linux `script` for a pseudo-terminal; under CI=true its absence fails instead of skipping. */
  const terminalTest = (name: string, fn: () => void) =>
    hasScript || process.env.CI === "true" ? it(name, () => { expect(hasScript, "util-linux script is missing (apt-get install util-linux)").toBe(true); fn(); }) : it.skip(name, fn);

  /** Run a shell command on a pseudo-terminal with util-linux `script`; everything the terminal showed. */
  function onTerminal(command: string) {
    const r = spawnSync("script", ["-qfec", command, "/dev/null"], {
      timeout: 60_000,   // a reader that never opens the FIFO must not hang the run
      cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SHELL: "/bin/sh", COLUMNS: "120" },
    });
    return { code: r.status, output: r.stdout };
  }

  terminalTest("shows bytes of the total and records/s on a terminal, cleared before the results (needs util-linux script)", () => {
    // The log goes to a FIFO whose reader only opens it after 3 s: the replay stalls on its
    // first block, then reports progress past 1 s. A file, so the total size is known.
    const fifo = join(tmp, "log.fifo");
    const mk = spawnSync("mkfifo", [fifo]);
    expect(mk.status).toBe(0);
    const r = onTerminal(`(sleep 3; timeout 30 cat ${q(fifo)} > /dev/null) & ${q(process.execPath)} ${q(CLI)} replay --log ${q(fifo)} ${q(SAMPLE)}; s=$?; wait; exit $s`);
    expect(r.code).toBe(0);
    const size = Math.round(readFileSync(SAMPLE).length / 1024);
    expect(r.output).toMatch(new RegExp(`replay \\S+ 100% \\| ${size} KiB of ${size} KiB \\| [\\d.]+ [kM]? ?records/s`));
    const lastBar = r.output.lastIndexOf("records/s");
    const cleared = r.output.indexOf("\x1b[2K", lastBar);
    expect(cleared).toBeGreaterThan(lastBar);
    expect(r.output.indexOf('"page_size": 4096')).toBeGreaterThan(cleared);
  });

  terminalTest("shows bytes read and records/s for standard input; --quiet shows nothing (needs util-linux script)", () => {
    const r = onTerminal(`${slowStdin(WORKED)} | ${q(process.execPath)} ${q(CLI)} replay -`);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/replay [|/\\-] \d+ B read \| 6 records \| [\d.]+ [kM]? ?records\/s/);
    expect(r.output).toContain('"records": 6');
    const quiet = onTerminal(`${slowStdin(WORKED)} | ${q(process.execPath)} ${q(CLI)} replay --quiet -`);
    expect(quiet.code).toBe(0);
    expect(quiet.output).not.toContain("records/s");
    expect(quiet.output).not.toContain("\x1b[");
    expect(quiet.output).toContain('"records": 6');
  });
});

describe("wasm-mmu demo", () => {
  it("replays the sample trace shipped in data/ and prints its table", () => {
    const r = run(["demo"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Trace replay: valgrind lackey trace of .+ shipped in data\/sample\.lackey\.gz$/m);
    expect(r.stdout).toMatch(/^\s+iTLB\s+64\/8\s+\d+\s+\d+\s+[\d.]+%/m);
    expect(r.stdout).toMatch(/^\s+STLB\s+1536\/12\s+\d+\s+\d+/m);
    expect(r.stdout).toMatch(/(\d+) lines, \1 records/);
  });
});
