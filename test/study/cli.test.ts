// `wasm-mmu study` as built (dist/cli.js): JSON valid against the shipped output schema,
// CSV, several traces reported alone and together, shards merged back into exactly the
// unsharded output, and the exit codes and messages of bad options, configs and parts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(ROOT, "dist/cli.js");
const CASES = join(ROOT, "test/fixtures/replay/cases");
const WORKED = join(CASES, "02-worked-example.trace");
const LRU = join(CASES, "07-lru.trace");
const SAMPLE = join(ROOT, "data/sample.lackey.gz");
let tmp = "";

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const outputSchema = JSON.parse(readFileSync(join(ROOT, "schemas/study-output.schema.json"), "utf8"));
const validate = new Ajv({ strict: true }).compile(outputSchema);

beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), "wasm-mmu-study-")); });
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

describe("wasm-mmu study: output", () => {
  test("a sweep over two traces: elements in work-list order, then the traces together; valid against the schema", () => {
    const r = run(["study", "--sweep", "stlb=64/4,1536/1536", WORKED, LRU]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { trace: string | null; traces?: string[]; config: Record<string, string>; report: Record<string, unknown> }[];
    expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
    expect(out.map((e) => [e.trace, e.config.stlb])).toEqual([
      ["02-worked-example.trace", "64/4"], ["02-worked-example.trace", "1536/1536"],
      ["07-lru.trace", "64/4"], ["07-lru.trace", "1536/1536"], [null, "64/4"], [null, "1536/1536"],
    ]);
    // The worked example of trace-replay.md §9, whatever the STLB.
    expect(out[0]!.report).toMatchObject({ translations: 5, stlb_hits: 1, stlb_misses: 3, phys_hash: "170e573f9b44eb3a", outcome_hash: "1024b18d7061ce86" });
    const lru = JSON.parse(readFileSync(join(CASES, "07-lru.expected.json"), "utf8")) as Record<string, number>;
    expect(out[4]!.traces).toEqual(["02-worked-example.trace", "07-lru.trace"]);
    expect(out[4]!.report.translations).toBe(5 + lru.translations!);
    expect(out[4]!.report.page_faults).toBe(3 + lru.page_faults!);
    expect(out[4]!.report.phys_hash).toBeNull();
    expect(out[4]!.report.stlb_entries).toBe(64);
  });

  test("without a sweep: one element, config {}, the report equal to replay's JSON", () => {
    const out = JSON.parse(run(["study", SAMPLE]).stdout);
    const rep = JSON.parse(run(["replay", SAMPLE]).stdout);
    expect(out).toEqual([{ trace: "sample.lackey.gz", config: {}, report: rep }]);
  });

  test("CSV: a header, one row per element, the traces together as *", () => {
    const r = run(["study", "--format", "csv", "--sweep", "stlb=64/4,1536/12", WORKED, WORKED]);
    const rows = r.stdout.trim().split("\n");
    expect(rows[0]!.split(",").slice(0, 4)).toEqual(["trace", "stlb", "page_size", "itlb_entries"]);
    expect(rows).toHaveLength(1 + 4 + 2);
    expect(rows[1]!.startsWith("02-worked-example.trace,64/4,4096,64,8,64,4,64,4,4,3,1,1,0,1,5,0,2,1,2,1,3,3,3,3,4,170e573f9b44eb3a,1024b18d7061ce86")).toBe(true);
    expect(rows[5]!.startsWith("*,64/4,4096,")).toBe(true);
    expect(rows[5]!.endsWith(",6,6,6,8,,")).toBe(true);
  });
});

describe("wasm-mmu study --detail", () => {
  test("rates per 1,000 instructions and memory references per walk (the worked example by hand)", () => {
    // trace-replay.md §9: 1 I record; iTLB 2 misses, dTLB 2, STLB 3; 3 walks of 4 references.
    const r = run(["study", "--detail", WORKED, WORKED]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
    expect(out[0].report).toMatchObject({ instructions: 1, itlb_mpki: 2000, dtlb_mpki: 2000, stlb_mpki: 3000, walk_memory_refs: 12, memory_refs_per_walk: 4 });
    // Together: counts add up, rates are not summed.
    expect(out[2].report).toMatchObject({ instructions: 2, walk_memory_refs: 24, itlb_mpki: null, memory_refs_per_walk: null });
  });
});

describe("wasm-mmu study: shards", () => {
  test("merge of every shard = the unsharded output, whatever the order of the parts", () => {
    const args = ["--sweep", "stlb=16/4,64/4,256/256", "--sweep", "itlb=8/8,64/8", WORKED, LRU, SAMPLE];
    const whole = run(["study", ...args]);
    expect(whole.code).toBe(0);
    const parts: string[] = [];
    for (let k = 1; k <= 4; k++) {
      const p = join(tmp, `part${k}.json`);
      const r = run(["study", "--shard", `${k}/4`, "-o", p, ...args]);
      expect(r.code, r.stderr).toBe(0);
      const part = JSON.parse(readFileSync(p, "utf8"));
      expect(part.items.map((i: { index: number }) => i.index % 4)).toEqual(part.items.map(() => k - 1));
      parts.push(p);
    }
    const merged = run(["study", "merge", parts[2]!, parts[0]!, parts[3]!, parts[1]!]);
    expect(merged.stderr).toBe("");
    expect(merged.stdout).toBe(whole.stdout);
    expect(run(["study", "merge", "--format", "csv", ...parts]).stdout).toBe(run(["study", "--format", "csv", ...args]).stdout);
  });

  test("a missing, repeated or foreign part is refused (exit 2)", () => {
    const args = ["--sweep", "stlb=16/4,64/4", WORKED];
    for (let k = 1; k <= 2; k++) run(["study", "--shard", `${k}/2`, "-o", join(tmp, `s${k}.json`), ...args]);
    run(["study", "--shard", "1/2", "-o", join(tmp, "other.json"), "--sweep", "stlb=16/4,128/4", WORKED]);
    const m1 = run(["study", "merge", join(tmp, "s1.json")]);
    expect([m1.code, m1.stderr.trim()]).toEqual([2, "wasm-mmu study: missing shard 2/2"]);
    const m2 = run(["study", "merge", join(tmp, "s1.json"), join(tmp, "s1.json")]);
    expect(m2.code).toBe(2);
    expect(m2.stderr).toMatch(/shard 1\/2 given twice/);
    const m3 = run(["study", "merge", join(tmp, "other.json"), join(tmp, "s2.json")]);
    expect(m3.code).toBe(2);
    expect(m3.stderr).toMatch(/its configs differ/);
  });
});

describe("wasm-mmu study: errors", () => {
  test("a bad config names the file, the JSON path and the value (exit 1)", () => {
    const f = join(tmp, "bad.json");
    writeFileSync(f, JSON.stringify({ stlb: { entries: 1536, ways: 12, policy: "mru" } }));
    const r = run(["study", "--config", f, WORKED]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`wasm-mmu study: ${f} /stlb/policy: "mru" is not one of "lru", "plru", "fifo", "random"`);
  });
  test("a bad sweep value, a bad shard, a malformed trace line", () => {
    const s = run(["study", "--sweep", "stlb=64/4,65/4", WORKED]);
    expect([s.code, s.stderr.trim()]).toEqual([1, 'wasm-mmu study: --sweep stlb=65/4: config /stlb: "65/4": entries 65 is not a multiple of ways 4']);
    expect(run(["study", "--shard", "5/4", WORKED]).stderr.trim()).toBe("wasm-mmu study: --shard 5/4: not K/N with 1 <= K <= N");
    const bad = run(["study", join(CASES, "e01-unknown-kind.trace")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^wasm-mmu study: line \d+: malformed line/);
  });
});
