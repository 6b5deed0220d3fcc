// Conformance against the QEMU RISC-V vectors (shared/oracle/riscv/FORMAT.md): replay each
// vector from a fresh state (its PTEs, tag, satp, SUM, MXR, menvcfg, extensions and the
// harness's PMP), record the emulator's own outcome in the file's number formats, and
// compare it with what `--expect` names:
//  - qemu:  QEMU 7.2's `result`, run with quirks "qemu" and hardware A/D updating (what
//           QEMU 7.2 does although it has no Svadu: `ad_updated_by_hardware`);
//  - svade: the spec with Svade (A/D clear → page fault): `result` corrected by spec_check.diff;
//  - svadu: the spec with Svadu and menvcfg.ADUE = 1: `result` corrected by svadu_check.diff.
// A corrected outcome is thought through, not only patched: where the model faults and QEMU
// did not, nothing was read (read_value null) and stval is the VA; the diff restates memory
// and PTEs that QEMU wrote and the model did not. When the model's access faults on the
// final physical address, A/D bits written before it are not compared (FORMAT.md: the spec
// lets them stay set).
import type { TlbKind } from "../../config.js";
import type { PmpEntry } from "./pmp.js";
import { RiscvMachine, type AccessKind, type AdMode, type RiscvQuirks } from "./machine.js";

type Hex = string;
export type RiscvVectorMode = "sv32" | "sv39" | "sv48" | "sv57";
export type RiscvExpect = "qemu" | "svade" | "svadu";
export const RISCV_EXPECTS: readonly RiscvExpect[] = ["qemu", "svade", "svadu"];
export const RISCV_VECTOR_MODES: readonly RiscvVectorMode[] = ["sv32", "sv39", "sv48", "sv57"];

export interface RiscvCheck { agrees: boolean; diff: Record<string, unknown> | null; known: string[] | null; rule: string }

export interface RiscvVector {
  id: number; mode: RiscvVectorMode; set: string; priv: "S" | "U"; access: AccessKind; access_size: number; va: Hex;
  satp: Hex; sum: number; mxr: number; ext: { svnapot: number; svpbmt: number; svinval: number; svadu: number };
  menvcfg: Hex; walk: { level: number; addr: Hex; value: Hex; backed: boolean }[];
  target_pa: Hex; target_region: string; tag: Hex; tag_alias: Hex | null; write_value: Hex;
  result: { fault: string; cause: number | null; tval: Hex | null; read_value: Hex | null; mem_after: Hex | null; walk_after: { value: Hex | null }[] };
  spec_check: RiscvCheck;
  svadu_check: RiscvCheck;
}

/** The emulator's outcome for one vector (the `--out` line). */
export interface RiscvOutcome {
  id: number; fault: string; cause: number | null; tval: Hex | null; read_value: Hex | null; mem_after: Hex | null;
  walk_after: (Hex | null)[];
}

export interface RiscvDisagreement { id: number; set: string; fields: string[]; expected: RiscvOutcome; actual: RiscvOutcome }

export interface RiscvConformanceSummary {
  mode: string; expect: RiscvExpect; total: number; agreeing: number;
  byField: Record<string, number>;
  bySet: Record<string, { total: number; disagreeing: number }>;
  disagreements: RiscvDisagreement[];
}

const hex = (v: bigint | number) => "0x" + v.toString(16);
const big = (h: Hex) => BigInt(h);
/** QEMU's `virt` RAM in the vectors: 1 GiB at 0x80000000. */
export const VECTOR_RAM_BASE = 0x80000000;
export const VECTOR_RAM_BYTES = 0x40000000;
/** The harness's PMP: 0x8f000000 + 1 MiB no access, 0x8f100000 + 1 MiB read-only, everything else RWX. */
export function vectorPmp(xlen: 32 | 64): PmpEntry[] {
  return [
    { match: "napot", base: 0x8f000000, size: 0x100000 },
    { match: "napot", base: 0x8f100000, size: 0x100000, r: true },
    { match: "napot", base: 0, size: 1n << (xlen === 32 ? 34n : 56n), r: true, w: true, x: true },   // pmpaddr all ones
  ];
}

function settings(expect: RiscvExpect): { quirks: RiscvQuirks; adMode: AdMode } {
  return expect === "qemu" ? { quirks: "qemu", adMode: "update" } : expect === "svade" ? { quirks: "spec", adMode: "fault" }
    : { quirks: "spec", adMode: "update" };
}

export class RiscvConformanceRunner {
  /** One machine per extension setting (Svnapot+Svpbmt all on or all off, as the vectors run them). */
  private readonly machines = new Map<string, RiscvMachine>();
  constructor(readonly expect: RiscvExpect, readonly tlbKind: TlbKind = "fast") {}

  private async machine(v: RiscvVector): Promise<RiscvMachine> {
    const ext = v.mode !== "sv32" && v.ext.svnapot === 1;
    const key = `${v.mode === "sv32" ? 32 : 64}:${ext}`;
    let m = this.machines.get(key);
    if (!m) {
      const { quirks, adMode } = settings(this.expect);
      m = await RiscvMachine.create({
        arch: "riscv", mode: v.mode === "sv32" ? "sv32" : "sv39", ramBase: VECTOR_RAM_BASE, ramBytes: VECTOR_RAM_BYTES,
        quirks, adMode, extensions: { svnapot: ext, svpbmt: ext }, tlb: { kind: this.tlbKind },
      });
      m.setPmp(vectorPmp(m.xlen));
      this.machines.set(key, m);
    }
    return m;
  }

  /** Replay one vector from a fresh state and return what the emulator did. */
  async run(v: RiscvVector): Promise<RiscvOutcome> {
    const m = await this.machine(v);
    const narrow = v.mode === "sv32";
    const inRam = (a: bigint, n: number) => a >= BigInt(m.ramBase) && a + BigInt(n) <= BigInt(m.ramBase + m.ramBytes);
    const writeEntry = (a: bigint, value: bigint) => narrow ? m.phys.writeU32(a, Number(value)) : m.phys.writeU64(a, value);
    const readEntry = (a: bigint) => narrow ? BigInt(m.phys.readU32(a)) : m.phys.readU64(a);
    const written: [bigint, number][] = [];
    try {
      for (const w of v.walk) {
        if (!w.backed) continue;
        writeEntry(big(w.addr), big(w.value));
        written.push([big(w.addr), narrow ? 4 : 8]);
      }
      const target = big(v.target_pa);
      for (const a of [target, v.tag_alias === null ? null : big(v.tag_alias)]) {
        if (a === null || !inRam(a, 8)) continue;
        m.phys.writeU64(a, big(v.tag));
        written.push([a, 8]);
      }
      // Fresh control state: the vector's CSRs, ADUE on for hardware A/D updating, an empty TLB.
      const adue = m.adMode === "update" ? m.k.big.MENVCFG_ADUE : 0n;
      m.setControl({ satp: big(v.satp), sum: v.sum === 1, mxr: v.mxr === 1, menvcfg: big(v.menvcfg) | adue });
      m.flushTlb();
      m.tlb.reset();
      const t = m.translate(big(v.va), v.access, v.priv);
      const memAt = v.tag_alias !== null && !inRam(target, 8) ? big(v.tag_alias) : target;
      const outcome = (fault: string, cause: number | null, read: bigint | null): RiscvOutcome => ({
        id: v.id, fault, cause, tval: fault === "none" ? null : v.va.toLowerCase(), read_value: read === null ? null : hex(read),
        mem_after: inRam(memAt, 8) ? hex(m.phys.readU64(memAt)) : null,
        walk_after: v.walk.map((w) => w.backed ? hex(readEntry(big(w.addr))) : null),
      });
      if (!t.ok) {
        if (t.fault.kind === "BAD_ACCESS") throw new Error(t.fault.message);
        const o = outcome(t.fault.kind, t.fault.cause, null);
        o.tval = hex(t.fault.tval);
        return o;
      }
      const size = v.access_size;
      if (v.access === "read") {
        const bytes = m.phys.read(t.pa, size);
        let value = 0n;
        for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
        return outcome("none", null, value);
      }
      if (v.access === "write") {
        const w = big(v.write_value);
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++) bytes[i] = Number((w >> BigInt(8 * i)) & 0xffn);
        m.phys.write(t.pa, bytes);
        written.push([BigInt(t.pa), size]);
      }
      return outcome("none", null, null);
    } finally {
      for (const [a, n] of written) m.phys.zero(a, n);
    }
  }
}

/** What a vector expects under `expect` (see the file's header), with the rule that decided it. */
export function expectedOutcome(v: RiscvVector, expect: RiscvExpect): { expected: RiscvOutcome; rule: string | null } {
  const r = v.result;
  const expected: RiscvOutcome = {
    id: v.id, fault: r.fault, cause: r.cause, tval: r.tval, read_value: r.read_value, mem_after: r.mem_after,
    walk_after: r.walk_after.map((w) => w.value),
  };
  if (expect === "qemu") return { expected, rule: null };
  const check = expect === "svade" ? v.spec_check : v.svadu_check;
  for (const [field, value] of Object.entries(check.diff ?? {})) {
    if (field === "walk_after") {
      for (const [i, val] of Object.entries(value as Record<string, string>)) expected.walk_after[Number(i)] = val;
    } else if (field in expected) {
      (expected as unknown as Record<string, unknown>)[field] = value;
    }
  }
  if (expected.fault !== "none") {
    expected.read_value = null;   // a faulting access read nothing
    expected.tval = v.va;         // stval = the VA on every fault (FORMAT.md)
  } else {
    expected.cause = null;
    expected.tval = null;
  }
  return { expected, rule: check.rule };
}

/** The fields that differ: fault, cause, tval, read_value, mem_after, walk_after.<i>. */
export function compareOutcome(v: RiscvVector, expect: RiscvExpect, actual: RiscvOutcome): string[] {
  const { expected, rule } = expectedOutcome(v, expect);
  const bad: string[] = [];
  if (actual.fault !== expected.fault) bad.push("fault");
  if (actual.cause !== expected.cause) bad.push("cause");
  if (actual.tval !== expected.tval) bad.push("tval");
  if (actual.read_value !== expected.read_value) bad.push("read_value");
  if (actual.mem_after !== expected.mem_after) bad.push("mem_after");
  // A/D written before a final-PA access fault may stay set: not compared then (bits 7:6).
  const adFree = rule === "pa_pma_pmp";
  expected.walk_after.forEach((e, i) => {
    const a = actual.walk_after[i] ?? null;
    if (adFree && a !== null && e !== null) { if ((BigInt(a) & ~0xc0n) !== (BigInt(e) & ~0xc0n)) bad.push(`walk_after.${i}`); }
    else if (a !== e) bad.push(`walk_after.${i}`);
  });
  return bad;
}

/** Replay every vector; `onOutcome` sees each outcome (for --out). */
export async function runRiscvConformance(vectors: Iterable<RiscvVector>, expect: RiscvExpect,
                                          opts: { tlbKind?: TlbKind; onOutcome?: (o: RiscvOutcome) => void; keep?: number } = {}): Promise<RiscvConformanceSummary> {
  const runner = new RiscvConformanceRunner(expect, opts.tlbKind);
  const summary: RiscvConformanceSummary = { mode: "", expect, total: 0, agreeing: 0, byField: {}, bySet: {}, disagreements: [] };
  const modes = new Set<string>();
  for (const v of vectors) {
    modes.add(v.mode);
    const actual = await runner.run(v);
    opts.onOutcome?.(actual);
    const bad = compareOutcome(v, expect, actual);
    summary.total++;
    const set = (summary.bySet[v.set] ??= { total: 0, disagreeing: 0 });
    set.total++;
    if (bad.length === 0) { summary.agreeing++; continue; }
    set.disagreeing++;
    for (const f of bad) { const key = f.startsWith("walk_after") ? "walk_after" : f; summary.byField[key] = (summary.byField[key] ?? 0) + 1; }
    if (summary.disagreements.length < (opts.keep ?? 20)) {
      summary.disagreements.push({ id: v.id, set: v.set, fields: bad, expected: expectedOutcome(v, expect).expected, actual });
    }
  }
  summary.mode = [...modes].join(",");
  return summary;
}

/** Parse JSON Lines text (already decompressed) into vectors. */
export function parseRiscvVectors(text: string): RiscvVector[] {
  return text.split("\n").filter((l) => l.trim() !== "").map((l, i) => {
    try { return JSON.parse(l) as RiscvVector; } catch (e) { throw new SyntaxError(`line ${i + 1}: ${(e as Error).message}`); }
  });
}
