// `wasm-mmu conformance riscv FILE --expect qemu|svade|svadu --out OUT.jsonl` run as a user
// would: the summary, the --out lines' shape, exit 2 naming the field on a disagreement,
// exit 1 on usage errors, exit 2 naming the line of a malformed vector.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, run, tempDir } from "./run.js";

const SV32 = join(FIXTURES, "oracle/riscv/sv32.jsonl.gz");
const SV39 = join(FIXTURES, "oracle/riscv/sv39.jsonl.gz");
let tmp = "";
beforeAll(() => { tmp = tempDir("rvconf"); });
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });
const lines = (path: string) => gunzipSync(readFileSync(path)).toString("utf8").trimEnd().split("\n");

describe("wasm-mmu conformance riscv", () => {
  it("agrees with every sv32 vector under --expect qemu and writes one --out line per vector", () => {
    const out = join(tmp, "out.jsonl");
    const r = run(["conformance", "riscv", SV32, "--expect", "qemu", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/riscv conformance: .*expect qemu, tlb fast/);
    expect(r.stdout).toContain("3470/3470");
    const got = readFileSync(out, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(got).toHaveLength(3470);
    for (const o of got) expect(Object.keys(o)).toEqual(["id", "fault", "cause", "tval", "read_value", "mem_after", "walk_after"]);
    const vectors = lines(SV32).map((l) => JSON.parse(l));
    // The emulator's own outcome equals QEMU's where they agree: every field, hex as strings, null where absent.
    for (const i of [0, 1, 2, 1000, 3469]) {
      const v = vectors[i], o = got[i];
      expect(o.id).toBe(v.id);
      expect(o).toEqual({ id: v.id, fault: v.result.fault, cause: v.result.cause, tval: v.result.tval, read_value: v.result.read_value,
        mem_after: v.result.mem_after, walk_after: v.result.walk_after.map((w: { value: string | null }) => w.value) });
    }
  });

  it("the default --expect is svade; svadu and the arch TLB agree on sv39 too", () => {
    const r = run(["conformance", "riscv", SV39]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/expect svade/);
    const a = run(["conformance", "riscv", SV39, "--expect", "svadu", "--tlb", "arch"]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/4878\/4878/);
  });

  it("exits 2 and names the field and set when a vector's expected cause is wrong", () => {
    const vs = lines(SV32).slice(0, 200).map((l) => JSON.parse(l));
    const victim = vs.find((v) => v.result.fault === "page_fault" && v.spec_check.diff === null)!;
    victim.result.cause = victim.result.cause === 13 ? 15 : 13;
    const file = join(tmp, "corrupted.jsonl");
    writeFileSync(file, vs.map((v) => JSON.stringify(v)).join("\n") + "\n");
    const r = run(["conformance", "riscv", file, "--expect", "svade"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("199/200");
    expect(r.stdout).toMatch(/cause\s+1/);
    expect(r.stdout).toContain(`id ${victim.id} (${victim.set}): cause expected ${victim.result.cause}`);
    expect(r.stderr).toMatch(/wasm-mmu conformance: 1 of 200 vectors disagree/);
  });

  it("usage errors exit 1 naming the value; a malformed vector exits 2 naming its line", () => {
    for (const [args, msg] of [
      [["--expect", "spike"], '--expect: "spike" is not one of qemu, svade, svadu'],
      [["--quirks", "qemu"], "--quirks is for x86"],
      [["--tlb", "l3"], '--tlb: "l3"'],
    ] as const) {
      const r = run(["conformance", "riscv", SV32, ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(msg);
    }
    const x86 = run(["conformance", "x86", join(FIXTURES, "oracle/x86/legacy32.jsonl.gz"), "--expect", "qemu"]);
    expect(x86.code).toBe(1);
    expect(x86.stderr).toContain("--expect is for riscv");
    const v = JSON.parse(lines(SV32)[0]!);
    const file = join(tmp, "bad-mode.jsonl");
    writeFileSync(file, JSON.stringify(v) + "\n" + JSON.stringify({ ...v, mode: "sv64" }) + "\n");
    const r = run(["conformance", "riscv", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-mode\.jsonl: line 2: mode "sv64"/);
  });
});
