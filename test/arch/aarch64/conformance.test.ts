// The AArch64 walker in the core on the QEMU vectors: every vector of every granule, in
// both --expect modes (qemu: QEMU's result with quirks "qemu"; arm: the Arm ARM model's
// verdict), through every TLB kind (each vector starts from a cold TLB).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { runA64Conformance } from "../../../src/arch/aarch64/conformance.js";
import { parseA64Vectors, type A64Expect, type A64Vector } from "../../../src/arch/aarch64/vectors.js";
import { AARCH64_VECTOR_COUNTS, FIXTURES } from "../../helpers/fixtures.js";

const GRANULES = ["4k", "16k", "64k"] as const;
const cache = new Map<string, A64Vector[]>();
function vectors(g: string): A64Vector[] {
  let v = cache.get(g);
  if (!v) {
    v = parseA64Vectors(gunzipSync(readFileSync(`${FIXTURES}oracle/aarch64/${g}.jsonl.gz`)).toString("utf8"));
    cache.set(g, v);
  }
  return v;
}

describe("AArch64 core: QEMU vectors", () => {
  for (const tlbKind of ["fast", "arch", "none"] as const) {
    for (const expectMode of ["qemu", "arm"] as A64Expect[]) {
      it(`${expectMode}, TLB ${tlbKind}: every vector of every granule agrees on every field`, async () => {
        for (const g of GRANULES) {
          const vs = vectors(g);
          expect(vs.length).toBe(AARCH64_VECTOR_COUNTS[g]);
          let faults = 0;
          const s = await runA64Conformance(vs, expectMode, { tlbKind, onOutcome: (o) => { if (o.fault !== "none") faults++; } });
          expect({ granule: g, total: s.total, disagreements: s.disagreements.slice(0, 5) })
            .toEqual({ granule: g, total: vs.length, disagreements: [] });
          expect(s.agreeing).toBe(vs.length);
          expect(faults).toBeGreaterThan(vs.length / 2);   // the files fault about 6 times in 10
        }
      }, 300_000);
    }
  }
});
