// Conformance against the QEMU x86 vectors (shared/oracle/x86/FORMAT.md): replay each
// vector in a fresh machine state, record the emulator's own outcome in the file's
// number formats, and compare it with QEMU's `result` (quirks "qemu") or with the SDM's
// expectation, `result` corrected by `sdm_check.diff` (quirks "sdm").
import { Machine, MachineFault, type AccessKind } from "../../machine.js";
import type { Quirks, TlbKind } from "../../config.js";

type Hex = string;
export type VectorMode = "4level" | "5level" | "pae" | "legacy32";

export interface X86Vector {
  id: number; mode: VectorMode; set: string; cpl: number; access: AccessKind; access_size: number; va: Hex;
  cr0_wp: number; cr4_smep: number; cr4_smap: number; cr4_pke: number; cr4_pge: number; cr4_pse: number;
  efer_nxe: number; eflags_ac: number; pkru: Hex; cr3: Hex;
  walk: { level: string; addr: Hex; value: Hex }[];
  target_pa: Hex; tag: Hex; write_value: Hex;
  result: VectorResult;
  sdm_check: { agrees: boolean; diff: Record<string, unknown> | null; known: string[] | null };
}

export interface VectorResult {
  fault: string; error_code: Hex | null; cr2: Hex; read_value: Hex | null; mem_after: Hex;
  walk_after: { value: Hex }[];
}

/** The emulator's outcome for one vector (the `--out` line). */
export interface VectorOutcome {
  id: number; fault: string; error_code: Hex | null; cr2: Hex | null; read_value: Hex | null; mem_after: Hex;
  walk_after: Hex[];
}

export interface Disagreement { id: number; set: string; fields: string[]; expected: Partial<VectorOutcome>; actual: VectorOutcome }

export interface ConformanceSummary {
  mode: string; quirks: Quirks; total: number; agreeing: number;
  byField: Record<string, number>;
  bySet: Record<string, { total: number; disagreeing: number }>;
  disagreements: Disagreement[];
}

const hex = (v: bigint | number) => "0x" + v.toString(16);
const big = (h: Hex) => BigInt(h);
/** QEMU's guest had 2 GiB of RAM; every vector's addresses lie inside it. */
export const VECTOR_RAM_BYTES = 2 * 1024 * 1024 * 1024;

export class X86ConformanceRunner {
  private constructor(private readonly m: Machine, readonly mode: VectorMode, readonly quirks: Quirks) {}

  static async create(mode: VectorMode, quirks: Quirks, tlbKind: TlbKind = "fast"): Promise<X86ConformanceRunner> {
    const m = await Machine.create({ ramBytes: VECTOR_RAM_BYTES, mode, quirks, maxPhyAddr: 40, tlb: { kind: tlbKind } });
    return new X86ConformanceRunner(m, mode, quirks);
  }

  /** Replay one vector from a fresh state and return what the emulator did. */
  run(v: X86Vector): VectorOutcome {
    if (v.mode !== this.mode) throw new Error(`vector ${v.id}: mode ${v.mode} in a ${this.mode} run`);
    const m = this.m;
    const phys = m.phys;
    const narrow = v.mode === "legacy32";
    const writeEntry = (addr: bigint, value: bigint) => narrow ? phys.writeU32(addr, Number(value)) : phys.writeU64(addr, value);
    const readEntry = (addr: bigint) => narrow ? BigInt(phys.readU32(addr)) : phys.readU64(addr);
    for (const w of v.walk) writeEntry(big(w.addr), big(w.value));
    const targetPa = big(v.target_pa);
    phys.writeU64(targetPa, big(v.tag));
    try {
      return this.access(v, readEntry);
    } finally {
      for (const w of v.walk) writeEntry(big(w.addr), 0n);
      phys.writeU64(targetPa, 0n);
    }
  }

  private access(v: X86Vector, readEntry: (a: bigint) => bigint): VectorOutcome {
    const m = this.m;
    const B = m.k.big;
    const base = m.initialControl(v.mode);
    let cr0 = base.cr0 & ~B.CR0_WP, cr4 = base.cr4, efer = base.efer & ~B.EFER_NXE;
    if (v.cr0_wp) cr0 |= B.CR0_WP;
    if (v.cr4_smep) cr4 |= B.CR4_SMEP;
    if (v.cr4_smap) cr4 |= B.CR4_SMAP;
    if (v.cr4_pke) cr4 |= B.CR4_PKE;
    if (v.cr4_pge) cr4 |= B.CR4_PGE;
    cr4 = v.cr4_pse ? cr4 | B.CR4_PSE : cr4 & ~B.CR4_PSE;
    if (v.efer_nxe) efer |= B.EFER_NXE;
    const targetPa = big(v.target_pa);
    const outcome = (fault: string, ec: bigint | null, cr2: bigint | null, read: bigint | null): VectorOutcome => ({
      id: v.id, fault, error_code: ec === null ? null : hex(ec), cr2: cr2 === null ? null : hex(cr2),
      read_value: read === null ? null : hex(read), mem_after: hex(m.phys.readU64(targetPa)),
      walk_after: v.walk.map((w) => hex(readEntry(big(w.addr)))),
    });
    try {
      m.loadState({ cr0, cr3: big(v.cr3), cr4, efer });
    } catch (e) {
      if (e instanceof MachineFault && e.fault.kind === "GP") return outcome("GP_at_mov_cr3", 0n, null, null);
      throw e;
    }
    m.setControl({ pkru: Number(big(v.pkru)), ac: v.eflags_ac === 1 });
    m.tlb.reset();
    const t = m.translate(big(v.va), v.access, v.cpl);
    if (!t.ok) {
      const f = t.fault;
      if (f.kind === "BUS") return outcome("BUS", null, null, null);
      return outcome(f.kind, BigInt(f.errorCode), f.kind === "PF" ? f.address : null, null);
    }
    const size = v.access_size;
    if (v.access === "read") {
      const bytes = m.phys.read(t.pa, size);
      let value = 0n;
      for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
      return outcome("none", null, null, value);
    }
    if (v.access === "write") {
      const w = big(v.write_value);
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = Number((w >> BigInt(8 * i)) & 0xffn);
      m.phys.write(t.pa, bytes);
    }
    return outcome("none", null, null, null);
  }
}

/** What a vector expects under `quirks`: QEMU's result, or the SDM's (result corrected by sdm_check.diff). */
export function expectedOutcome(v: X86Vector, quirks: Quirks): { expected: VectorOutcome; diffIndices: Set<number> | null } {
  const r = v.result;
  const expected: VectorOutcome = {
    id: v.id, fault: r.fault, error_code: r.error_code, cr2: r.cr2, read_value: r.read_value, mem_after: r.mem_after,
    walk_after: r.walk_after.map((w) => w.value),
  };
  let diffIndices: Set<number> | null = null;
  const diff = v.sdm_check.diff;
  if (quirks === "sdm" && diff) {
    for (const [field, value] of Object.entries(diff)) {
      if (field === "walk_after") {
        diffIndices = new Set();
        for (const [key, val] of Object.entries(value as Record<string, string>)) {
          const [i, sub] = key.split(".");
          if (sub !== "value") continue;   // ".A"/".D" are restated by ".value"
          expected.walk_after[Number(i)] = val;
          diffIndices.add(Number(i));
        }
      } else if (field in expected) {
        (expected as unknown as Record<string, unknown>)[field] = value;
      }
    }
  }
  return { expected, diffIndices };
}

/**
 * Fields compared, by the expected fault: `fault` always; `error_code` for PF/GP;
 * `cr2` for PF; `read_value` for a completed access; `mem_after` and every
 * `walk_after` value. When the SDM expects #GP at MOV to CR3, the access never happens
 * on silicon, so only `fault`, `error_code` (when given) and the walk entries the diff
 * names are compared: the vector's other fields describe QEMU's access.
 */
export function compareOutcome(v: X86Vector, quirks: Quirks, actual: VectorOutcome): string[] {
  const { expected, diffIndices } = expectedOutcome(v, quirks);
  const bad: string[] = [];
  if (actual.fault !== expected.fault) bad.push("fault");
  const movCr3 = expected.fault === "GP_at_mov_cr3";
  if ((expected.fault === "PF" || expected.fault === "GP" || (movCr3 && expected.error_code !== null))
      && actual.error_code !== expected.error_code) bad.push("error_code");
  if (expected.fault === "PF" && actual.cr2 !== expected.cr2) bad.push("cr2");
  if (movCr3) {
    for (const i of diffIndices ?? []) if (actual.walk_after[i] !== expected.walk_after[i]) bad.push(`walk_after.${i}`);
    return bad;
  }
  if (expected.fault === "none" && actual.read_value !== expected.read_value) bad.push("read_value");
  if (actual.mem_after !== expected.mem_after) bad.push("mem_after");
  expected.walk_after.forEach((e, i) => { if (actual.walk_after[i] !== e) bad.push(`walk_after.${i}`); });
  return bad;
}

/** Replay every vector of one mode; `onOutcome` sees each outcome (for --out). */
export async function runX86Conformance(vectors: Iterable<X86Vector>, quirks: Quirks,
                                        opts: { tlbKind?: TlbKind; onOutcome?: (o: VectorOutcome) => void; keep?: number } = {}): Promise<ConformanceSummary> {
  const runners = new Map<VectorMode, X86ConformanceRunner>();
  const summary: ConformanceSummary = { mode: "", quirks, total: 0, agreeing: 0, byField: {}, bySet: {}, disagreements: [] };
  const modes = new Set<string>();
  for (const v of vectors) {
    let runner = runners.get(v.mode);
    if (!runner) { runner = await X86ConformanceRunner.create(v.mode, quirks, opts.tlbKind); runners.set(v.mode, runner); }
    modes.add(v.mode);
    const actual = runner.run(v);
    opts.onOutcome?.(actual);
    const bad = compareOutcome(v, quirks, actual);
    summary.total++;
    const set = (summary.bySet[v.set] ??= { total: 0, disagreeing: 0 });
    set.total++;
    if (bad.length === 0) { summary.agreeing++; continue; }
    set.disagreeing++;
    for (const f of bad) { const key = f.startsWith("walk_after") ? "walk_after" : f; summary.byField[key] = (summary.byField[key] ?? 0) + 1; }
    if (summary.disagreements.length < (opts.keep ?? 20)) {
      summary.disagreements.push({ id: v.id, set: v.set, fields: bad, expected: expectedOutcome(v, quirks).expected, actual });
    }
  }
  summary.mode = [...modes].join(",");
  return summary;
}

/** Parse JSON Lines text (already decompressed) into vectors. */
export function parseVectors(text: string): X86Vector[] {
  return text.split("\n").filter((l) => l.trim() !== "").map((l, i) => {
    try { return JSON.parse(l) as X86Vector; } catch (e) { throw new SyntaxError(`line ${i + 1}: ${(e as Error).message}`); }
  });
}
