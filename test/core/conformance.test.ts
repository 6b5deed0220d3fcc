// Every public QEMU vector, all four modes, both quirk modes: full agreement.
import { describe, expect, test } from "vitest";
import { runX86Conformance } from "../../src/arch/x86/conformance.js";
import { X86_VECTOR_COUNTS } from "../helpers/fixtures.js";
import { loadVectors } from "../helpers/oracle.js";

const MODES = ["4level", "5level", "pae", "legacy32"] as const;

describe.each(MODES)("x86 %s vectors", (mode) => {
  test("are all there: the count the oracle README gives (an empty or cut file fails)", () => {
    expect(loadVectors(mode)).toHaveLength(X86_VECTOR_COUNTS[mode]);
  });

  test.each(["qemu", "sdm"] as const)("agree with QEMU's result under quirks=%s", async (quirks) => {
    const vectors = loadVectors(mode);
    const s = await runX86Conformance(vectors, quirks);
    expect(s.disagreements).toEqual([]);
    expect(s.total).toBe(vectors.length);
    expect(s.agreeing).toBe(vectors.length);
  });

  test.each(["arch", "none"] as const)("agree in SDM mode through the %s TLB too", async (tlbKind) => {
    const vectors = loadVectors(mode);
    const s = await runX86Conformance(vectors, "sdm", { tlbKind });
    expect(s.disagreements).toEqual([]);
    expect(s.agreeing).toBe(vectors.length);
  });
});

test("the SDM mode really differs from the QEMU mode where the vectors say it should", async () => {
  // Guards against a comparison that ignores quirks: replaying the QEMU expectation in SDM mode must disagree.
  const vectors = loadVectors("pae").filter((v) => v.sdm_check.known !== null).slice(0, 50);
  const s = await runX86Conformance(vectors.map((v) => ({ ...v, sdm_check: { ...v.sdm_check, diff: null } })), "sdm");
  expect(s.agreeing).toBeLessThan(vectors.length);
});
