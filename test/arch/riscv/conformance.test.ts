// Every public QEMU RISC-V vector, all four modes, every --expect mode, through every TLB
// kind: full agreement with the core. Plus the corrections thought through (a fault where
// QEMU read: nothing read, stval = VA) and guards that the expectations really differ.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import {
  compareOutcome, expectedOutcome, parseRiscvVectors, RiscvConformanceRunner, runRiscvConformance, type RiscvVector,
} from "../../../src/arch/riscv/conformance.js";
import { FIXTURES, RISCV_CORE_VECTOR_COUNTS } from "../../helpers/fixtures.js";

const MODES = ["sv32", "sv39", "sv48", "sv57"] as const;
const cache = new Map<string, RiscvVector[]>();
function vectors(mode: string): RiscvVector[] {
  let v = cache.get(mode);
  if (!v) {
    v = parseRiscvVectors(gunzipSync(readFileSync(`${FIXTURES}oracle/riscv/${mode}.jsonl.gz`)).toString("utf8"));
    cache.set(mode, v);
  }
  return v;
}

describe.each(MODES)("riscv %s vectors", (mode) => {
  test("are all there: the count the oracle README gives", () => {
    expect(vectors(mode)).toHaveLength(RISCV_CORE_VECTOR_COUNTS[mode]);
  });
  test.each(["qemu", "svade", "svadu"] as const)("agree with --expect %s through the fast, arch and no TLB", async (exp) => {
    for (const tlbKind of ["fast", "arch", "none"] as const) {
      const s = await runRiscvConformance(vectors(mode), exp, { tlbKind });
      expect(s.disagreements, `${tlbKind} TLB`).toEqual([]);
      expect(s.total).toBe(RISCV_CORE_VECTOR_COUNTS[mode]);
      expect(s.agreeing).toBe(s.total);
    }
  });
});

describe("expectations", () => {
  test("where the spec faults and QEMU read (bits 60:54), the expected outcome read nothing and stval is the VA", async () => {
    const v = vectors("sv39").find((x) => x.spec_check.rule === "rsvd_60_54" && x.result.fault === "none" && x.access === "read")!;
    expect(v.result.read_value).not.toBeNull();
    const { expected } = expectedOutcome(v, "svade");
    expect(expected).toMatchObject({ fault: "page_fault", cause: 13, tval: v.va, read_value: null, mem_after: v.result.mem_after });
    const actual = await new RiscvConformanceRunner("svade").run(v);
    expect(actual).toMatchObject({ fault: "page_fault", cause: 13, tval: v.va, read_value: null });
    expect(actual.walk_after).toEqual(v.walk.map((w) => w.backed ? w.value : null));   // nothing written
    expect(compareOutcome(v, "qemu", actual)).toEqual(expect.arrayContaining(["fault", "cause", "read_value"]));
  });
  test("Svade and Svadu differ on A/D: QEMU's A/D updates disagree with svade, agree with svadu", async () => {
    const v = vectors("sv48").filter((x) => x.spec_check.known?.includes("ad_updated_by_hardware")).slice(0, 40);
    expect(v.length).toBe(40);
    const asSvadu = await runRiscvConformance(v, "svadu");
    expect(asSvadu.agreeing).toBe(40);
    const runner = new RiscvConformanceRunner("svadu");
    for (const x of v) expect(compareOutcome(x, "svade", await runner.run(x))).not.toEqual([]);
  });
  test("the qemu expectation really differs from the spec's where the vectors say it should", async () => {
    for (const mode of MODES) {
      const v = vectors(mode).filter((x) => x.svadu_check.known !== null).slice(0, 30);
      expect(v.length).toBeGreaterThan(0);
      const runner = new RiscvConformanceRunner("svadu");
      let differ = 0;
      for (const x of v) if (compareOutcome(x, "qemu", await runner.run(x)).length) differ++;
      expect(differ).toBe(v.length);
    }
  });
  test("a final-PA access fault after an A/D update does not compare A/D bits, and only then", () => {
    const v = vectors("sv32").find((x) => x.svadu_check.rule === "pa_pma_pmp" && x.walk.at(-1)!.backed)!;
    const { expected } = expectedOutcome(v, "svadu");
    const leaf = expected.walk_after.length - 1;
    const flipped = { ...expected, walk_after: expected.walk_after.map((w, i) => i === leaf && w ? "0x" + (BigInt(w) ^ 0xc0n).toString(16) : w) };
    expect(compareOutcome(v, "svadu", flipped)).toEqual([]);
    const flippedPpn = { ...expected, walk_after: expected.walk_after.map((w, i) => i === leaf && w ? "0x" + (BigInt(w) ^ 0x400n).toString(16) : w) };
    expect(compareOutcome(v, "svadu", flippedPpn)).toEqual([`walk_after.${leaf}`]);
  });
});
