// The RISC-V QEMU conformance vectors (test/fixtures/oracle/riscv, schema FORMAT.md) replayed
// through the reference model: loading, the three expectations (QEMU's result, spec_check
// and svadu_check corrected by their diffs) and one replay with the per-field comparison.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { RiscvModel, type RiscvRule } from '../../src/model/riscvModel.js';
import { SparseMemory } from '../../src/model/riscvMemory.js';
import { napotAddr, PMP_NAPOT, PMP_R, PMP_W, PMP_X, type PmpEntry } from '../../src/model/riscvPmp.js';
import { FIXTURES, RISCV_CORE_VECTOR_COUNTS } from '../helpers/fixtures.js';

export const RISCV_MODES = ['sv32', 'sv39', 'sv48', 'sv57'] as const;
export type RiscvVectorMode = (typeof RISCV_MODES)[number];
/** Vectors per file (oracle/riscv/README.md), the counts the core's conformance test uses: an empty or cut file fails. */
export const RISCV_VECTOR_COUNTS: Record<RiscvVectorMode, number> = RISCV_CORE_VECTOR_COUNTS;

interface WalkEntry { level: number; addr: string; value: string; backed: boolean }
export interface Outcome {
  fault: 'none' | 'page_fault' | 'access_fault';
  cause: number | null;
  tval: string | null;
  read_value: string | null;
  mem_after: string | null;
  walk_after: { value: string | null }[];
}
interface Check { agrees: boolean; diff: null | (Partial<Outcome> & { walk_after?: Record<string, string> }); rule: RiscvRule }
export interface RiscvVector {
  id: number; mode: RiscvVectorMode; set: string; priv: 'S' | 'U'; access: 'read' | 'write' | 'fetch';
  access_size: number; va: string; satp: string; sum: number; mxr: number; menvcfg: string;
  ext: { svnapot: number; svpbmt: number };
  walk: WalkEntry[]; target_pa: string; target_region: 'ram' | 'deny' | 'ro' | 'unbacked';
  tag: string; tag_alias: string | null; write_value: string;
  result: Outcome; spec_check: Check; svadu_check: Check;
}

/** What the model is compared with: QEMU as it ran, or a spec model's verdict. */
export type Expect = 'qemu' | 'svade' | 'svadu';

export function loadRiscvVectors(mode: RiscvVectorMode): RiscvVector[] {
  const text = gunzipSync(readFileSync(`${FIXTURES}oracle/riscv/${mode}.jsonl.gz`)).toString('utf8');
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as RiscvVector);
}

const RAM_BASE = 0x80000000n, RAM_SIZE = 0x40000000n;
const MB = 0x100000n;

/**
 * The harness's PMP (FORMAT.md): 0x8f000000 + 1 MiB no access, 0x8f100000 + 1 MiB read-only,
 * everything else RWX (a last NAPOT entry over the whole space, all pmpaddr bits set).
 */
export function harnessPmp(xlen: 32 | 64): PmpEntry[] {
  const napot = PMP_NAPOT << 3;
  return [
    { cfg: napot, addr: napotAddr(0x8f000000n, MB) },
    { cfg: napot | PMP_R, addr: napotAddr(0x8f100000n, MB) },
    { cfg: napot | PMP_R | PMP_W | PMP_X, addr: (1n << (xlen === 64 ? 54n : 32n)) - 1n },
  ];
}

/** The expected outcome: QEMU's result, or for svade/svadu the result corrected by the check's diff. */
export function expected(v: RiscvVector, e: Expect): Outcome {
  const exp: Outcome = { ...v.result, walk_after: v.result.walk_after.map((w) => ({ value: w.value })) };
  const diff = e === 'svade' ? v.spec_check.diff : e === 'svadu' ? v.svadu_check.diff : null;
  if (!diff) return exp;
  for (const [k, x] of Object.entries(diff)) {
    if (k === 'walk_after') for (const [i, val] of Object.entries(x as Record<string, string>)) exp.walk_after[+i]!.value = val;
    else (exp as unknown as Record<string, unknown>)[k] = x;
  }
  // The diff names the fields that change; the rest follows from the outcome: a fault
  // traps with stval = va before anything is read (FORMAT.md: mtval = va on every fault).
  if (exp.fault !== 'none') { exp.tval = v.va; exp.read_value = null; }
  return exp;
}

export interface Replayed { outcome: Outcome; rule: RiscvRule; model: RiscvModel }

/** Run one vector through a fresh model over fresh memory; returns its outcome as the oracle writes it. */
export function replay(v: RiscvVector, quirks: 'spec' | 'qemu', adMode: 'fault' | 'update'): Replayed {
  const xlen = v.mode === 'sv32' ? 32 : 64;
  const pteSize = xlen === 32 ? 4 : 8;
  const mem = new SparseMemory(RAM_BASE, RAM_SIZE);
  for (const w of v.walk) if (w.backed) mem.store(BigInt(w.addr), pteSize, BigInt(w.value));
  const targetPa = BigInt(v.target_pa);
  if (v.target_region !== 'unbacked') mem.store(targetPa, 8, BigInt(v.tag));
  if (v.tag_alias !== null) mem.store(BigInt(v.tag_alias), 8, BigInt(v.tag));

  const model = new RiscvModel(mem, {
    xlen, quirks, adMode, svnapot: !!v.ext.svnapot, svpbmt: !!v.ext.svpbmt, pmp: harnessPmp(xlen),
  });
  // Svadu with ADUE = 1 (svadu_check); QEMU 7.2 has no ADUE bit but acts as if it were set.
  const menvcfg = BigInt(v.menvcfg) | (adMode === 'update' ? 1n << 61n : 0n);
  if (!model.setControl({ satp: BigInt(v.satp), sum: !!v.sum, mxr: !!v.mxr, menvcfg })) {
    throw new Error(`#${v.id}: satp ${v.satp} refused`);
  }
  const va = BigInt(v.va);
  const size = v.access === 'fetch' ? 4 : v.access_size;
  const r = model.translate(va, v.access, v.priv, size);
  const hex = (x: bigint) => `0x${x.toString(16)}`;
  let readValue: string | null = null;
  if (r.ok && v.access === 'read') readValue = hex(mem.load(r.pa, v.access_size));
  if (r.ok && v.access === 'write') mem.store(r.pa, v.access_size, BigInt(v.write_value));
  const after = v.target_region !== 'unbacked' ? targetPa : v.tag_alias !== null ? BigInt(v.tag_alias) : null;
  return {
    outcome: {
      fault: r.ok ? 'none' : r.fault,
      cause: r.ok ? null : r.cause,
      tval: r.ok ? null : hex(r.tval),
      read_value: readValue,
      mem_after: after === null ? null : hex(mem.load(after, 8)),
      walk_after: v.walk.map((w) => ({ value: w.backed ? hex(mem.load(BigInt(w.addr), pteSize)) : null })),
    },
    rule: r.ok ? 'ok' : r.rule,
    model,
  };
}

/** Field-by-field differences between two outcomes (empty = agree). */
export function compare(want: Outcome, got: Outcome): string[] {
  const bad: string[] = [];
  for (const k of ['fault', 'cause', 'tval', 'read_value', 'mem_after'] as const) {
    if (want[k] !== got[k]) bad.push(`${k}: want ${want[k]} got ${got[k]}`);
  }
  if (want.walk_after.length !== got.walk_after.length) bad.push('walk_after length');
  want.walk_after.forEach((w, i) => {
    if (w.value !== got.walk_after[i]?.value) bad.push(`walk_after[${i}]: want ${w.value} got ${got.walk_after[i]?.value}`);
  });
  return bad;
}
