// `wasm-mmu conformance aarch64` as a user runs it (dist/cli.js): both --expect modes on
// a whole granule file, the --out line shape, a disagreement named by field, bad input.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(ROOT, "dist/cli.js");
const F16K = "test/fixtures/oracle/aarch64/16k.jsonl.gz";
let tmp = "";
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), "wasm-mmu-a64-")); });
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

describe("wasm-mmu conformance aarch64", () => {
  it("agrees with every 16k vector with --expect qemu and writes one --out line per vector", () => {
    const out = join(tmp, "out.jsonl");
    const r = run("conformance", "aarch64", F16K, "--expect", "qemu", "--out", out);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("6518/6518");
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(6518);
    const first = JSON.parse(lines[0]!);
    expect(Object.keys(first)).toEqual(["id", "fault", "level", "fsc", "wnr", "far", "read_value", "mem_after", "walk_after"]);
    // Vector 0 of 16k: QEMU's result, as the emulator's own line.
    const v0 = JSON.parse(gunzipSync(readFileSync(join(ROOT, F16K))).toString("utf8").split("\n")[0]!);
    expect(first.fault).toBe(v0.result.fault);
    expect(first.mem_after).toBe(v0.result.mem_after);
    expect(first.walk_after).toEqual(v0.result.walk_after.map((w: { value: string }) => w.value));
  });

  it("--expect arm (default) agrees too, and a vector QEMU takes as a block is a Translation fault in the --out line", () => {
    const out = join(tmp, "arm.jsonl");
    const r = run("conformance", "aarch64", F16K, "--out", out, "--tlb", "arch");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/expect arm, tlb arch/);
    const vectors = gunzipSync(readFileSync(join(ROOT, F16K))).toString("utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    const known = vectors.find((v) => v.arch_check.known !== null && v.result.fault === "none")!;
    const line = JSON.parse(readFileSync(out, "utf8").split("\n")[known.id]!);
    expect(line).toMatchObject({ id: known.id, fault: "translation", level: known.arch_check.diff.level, read_value: null });
  });

  it("exits 2 naming the field when an expected FSC is wrong; 1 on a bad --expect", () => {
    const text = gunzipSync(readFileSync(join(ROOT, F16K))).toString("utf8");
    const vectors = text.trimEnd().split("\n").slice(0, 200).map((l) => JSON.parse(l));
    const victim = vectors.find((v) => v.result.fault !== "none" && v.arch_check.diff === null)!;
    victim.result.esr = "0x" + ((Number(BigInt(victim.result.esr)) ^ 1) >>> 0).toString(16);
    const file = join(tmp, "bad.jsonl");
    writeFileSync(file, vectors.map((v) => JSON.stringify(v)).join("\n") + "\n");
    const r = run("conformance", "aarch64", file);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("199/200");
    expect(r.stdout).toMatch(/fsc\s+1/);
    expect(r.stdout).toContain(`id ${victim.id} (${victim.set}): fsc expected`);
    const bad = run("conformance", "aarch64", file, "--expect", "svade");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("svade");
  });

  it("exits 2 on a malformed vector, naming its line", () => {
    const file = join(tmp, "malformed.jsonl");
    writeFileSync(file, '{"id": 0, "access": "peek"}\n');
    const r = run("conformance", "aarch64", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 1: access "peek"/);
  });
});
