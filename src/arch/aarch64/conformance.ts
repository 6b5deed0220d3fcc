// Conformance against the QEMU AArch64 vectors (shared/oracle/aarch64/FORMAT.md): replay
// each vector in a fresh machine state (cold TLB, only the vector's descriptors and tag in
// memory), record the emulator's own outcome as the `--out` line, and compare it with
// QEMU's `result` (--expect qemu, quirks "qemu") or the Arm ARM model's verdict (--expect
// arm, quirks "arm"), field by field (vectors.ts).
import type { TlbKind } from "../../config.js";
import { AArch64Machine } from "./machine.js";
import {
  A64_VECTOR_RAM_BASE, A64_VECTOR_RAM_BYTES, compareA64Outcome, expectedA64Outcome,
  type A64Expect, type A64Outcome, type A64Vector,
} from "./vectors.js";

export interface A64Disagreement { id: number; set: string; fields: string[]; expected: A64Outcome; actual: A64Outcome }

export interface A64ConformanceSummary {
  granule: string; expect: A64Expect; total: number; agreeing: number;
  byField: Record<string, number>;
  bySet: Record<string, { total: number; disagreeing: number }>;
  disagreements: A64Disagreement[];
}

const hex = (v: bigint | number) => "0x" + v.toString(16);
const big = (h: string) => BigInt(h);

export class A64ConformanceRunner {
  private constructor(readonly m: AArch64Machine, readonly expect: A64Expect) {}

  /** One machine per run: RAM as the vectors' guest had it, PARange 52, quirks per `expect`. */
  static async create(expect: A64Expect, tlbKind: TlbKind = "fast"): Promise<A64ConformanceRunner> {
    const m = await AArch64Machine.create({
      arch: "aarch64", ramBytes: A64_VECTOR_RAM_BYTES, ramBase: A64_VECTOR_RAM_BASE, paRange: 52,
      quirks: expect === "qemu" ? "qemu" : "arm", tlb: { kind: tlbKind },
    });
    return new A64ConformanceRunner(m, expect);
  }

  /** Replay one vector from a fresh state and return what the emulator did. */
  run(v: A64Vector): A64Outcome {
    const m = this.m, phys = m.phys;
    for (const w of v.walk) phys.writeU64(big(w.addr), big(w.value));
    const targetPa = big(v.target_pa);
    phys.writeU64(targetPa, big(v.tag));
    try {
      return this.access(v, targetPa);
    } finally {
      for (const w of v.walk) phys.writeU64(big(w.addr), 0n);
      phys.writeU64(targetPa, 0n);
    }
  }

  private access(v: A64Vector, targetPa: bigint): A64Outcome {
    const m = this.m;
    m.setControl({
      tcr: big(v.tcr), ttbr0: big(v.ttbr0), ttbr1: big(v.ttbr1),
      sctlrWxn: v.sctlr_wxn === 1, pan: v.pstate_pan === 1, uao: v.pstate_uao === 1,
    });
    m.flushTlb();   // every vector starts from a cold TLB (TLBI VMALLE1)
    const outcome = (t: ReturnType<AArch64Machine["translate"]>, read: bigint | null): A64Outcome => ({
      id: v.id,
      fault: t.ok ? "none" : t.fault.kind === "BAD_ACCESS" ? "external_abort" : t.fault.kind,
      level: t.ok ? null : t.fault.level, fsc: t.ok ? null : t.fault.fsc, wnr: t.ok ? null : t.fault.wnr,
      far: t.ok ? null : hex(t.fault.far), read_value: read === null ? null : hex(read),
      mem_after: hex(m.phys.readU64(targetPa)), walk_after: v.walk.map((w) => hex(m.phys.readU64(big(w.addr)))),
    });
    const t = m.translate(big(v.va), v.access, v.el);
    if (!t.ok) return outcome(t, null);
    if (v.access === "read" || v.access === "read_unpriv") return outcome(t, m.phys.readU64(BigInt(t.pa)));
    if (v.access === "write" || v.access === "write_unpriv") m.phys.writeU64(BigInt(t.pa), big(v.write_value));
    return outcome(t, null);
  }
}

/** Replay every vector; `onOutcome` sees each outcome (for --out). */
export async function runA64Conformance(vectors: Iterable<A64Vector>, expect: A64Expect,
  opts: { tlbKind?: TlbKind; onOutcome?: (o: A64Outcome) => void; keep?: number } = {}): Promise<A64ConformanceSummary> {
  const runner = await A64ConformanceRunner.create(expect, opts.tlbKind);
  const summary: A64ConformanceSummary = { granule: "", expect, total: 0, agreeing: 0, byField: {}, bySet: {}, disagreements: [] };
  const granules = new Set<string>();
  for (const v of vectors) {
    granules.add(v.granule);
    const actual = runner.run(v);
    opts.onOutcome?.(actual);
    const bad = compareA64Outcome(v, expect, actual);
    summary.total++;
    const set = (summary.bySet[v.set] ??= { total: 0, disagreeing: 0 });
    set.total++;
    if (bad.length === 0) { summary.agreeing++; continue; }
    set.disagreeing++;
    for (const f of bad) { const key = f.startsWith("walk_after") ? "walk_after" : f; summary.byField[key] = (summary.byField[key] ?? 0) + 1; }
    if (summary.disagreements.length < (opts.keep ?? 20)) {
      summary.disagreements.push({ id: v.id, set: v.set, fields: bad, expected: expectedA64Outcome(v, expect), actual });
    }
  }
  summary.granule = [...granules].join(",");
  return summary;
}
