// Tests for the TypeScript reference model: the QEMU conformance vectors
// (both quirk modes), a few hand-written cases from x86.md, and the two TLB baselines.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Acc, X86Model, type ModelControl } from '../../src/model/x86Model.js';
import { TsArchTlb, TsFastTlb } from '../../src/model/tlbModels.js';

import { FIXTURES, X86_VECTOR_COUNTS } from '../helpers/fixtures.js';

const ORACLE_DIR = `${FIXTURES}oracle/x86`;
const FILES = ['4level', '5level', 'pae', 'legacy32'] as const;

// ---------------------------------------------------------------------------
// Conformance vectors (schema: oracle/x86/FORMAT.md). BigInt is fine here.

interface WalkEntry { addr: string; value: string }
interface Outcome {
  fault: string; error_code: string | null; cr2: string; read_value: string | null;
  mem_after: string; walk_after: { value: string }[];
}
interface Vector {
  id: number; mode: ModelControl['mode']; cpl: number; access: 'read' | 'write' | 'fetch';
  access_size: number; va: string; cr0_wp: number; cr4_smep: number; cr4_smap: number;
  cr4_pke: number; cr4_pge: number; cr4_pse: number; efer_nxe: number; eflags_ac: number;
  pkru: string; cr3: string; walk: WalkEntry[]; target_pa: string; tag: string; write_value: string;
  result: Outcome;
  sdm_check: { diff: null | Record<string, unknown> & { walk_after?: Record<string, string> } };
}

// Vectors reach up to ~2 GiB (the guest had 2 GiB of RAM): one zero-filled image,
// allocated once (the OS maps pages lazily), and cleaned after every vector.
const RAM_SIZE = 2 ** 31;
let bigRam: Uint8Array | undefined;

const lo32 = (v: bigint) => Number(v & 0xffffffffn);
const hi32 = (v: bigint) => Number((v >> 32n) & 0xffffffffn);

function loadVectors(name: string): Vector[] {
  const text = gunzipSync(readFileSync(`${ORACLE_DIR}/${name}.jsonl.gz`)).toString('utf8');
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Vector);
}

function readLE(ram: Uint8Array, addr: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(ram[addr + i]!);
  return v;
}
function writeLE(ram: Uint8Array, addr: number, size: number, v: bigint): void {
  for (let i = 0; i < size; i++) ram[addr + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

/** Replay one vector; returns the list of disagreements (empty = agrees). */
function replay(model: X86Model, ram: Uint8Array, v: Vector, quirks: 'sdm' | 'qemu'): string[] {
  const entrySize = v.mode === 'legacy32' ? 4 : 8;
  const targetPa = Number(BigInt(v.target_pa));
  for (const w of v.walk) writeLE(ram, Number(BigInt(w.addr)), entrySize, BigInt(w.value));
  writeLE(ram, targetPa, 8, BigInt(v.tag));

  model.setControl({
    mode: v.mode, wp: !!v.cr0_wp, pse: !!v.cr4_pse, pge: !!v.cr4_pge, smep: !!v.cr4_smep,
    smap: !!v.cr4_smap, pke: !!v.cr4_pke, nxe: !!v.efer_nxe, ac: !!v.eflags_ac,
    pkru: Number(BigInt(v.pkru)),
  });
  const cr3 = BigInt(v.cr3), va = BigInt(v.va);
  let fault: string, errorCode: bigint | null = null, readValue: bigint | null = null;
  const mov = model.writeCr3(lo32(cr3), hi32(cr3));
  if (mov !== 'ok') {
    fault = mov === 'GP' ? 'GP_at_mov_cr3' : 'BUS';
    errorCode = 0n;
  } else {
    const kind = v.access === 'read' ? Acc.Read : v.access === 'write' ? Acc.Write : Acc.Fetch;
    const acc = kind | (v.cpl === 3 ? Acc.User : 0);
    const pa = model.walk(lo32(va), hi32(va), acc, true);
    if (pa < 0) {
      fault = model.faultKind;
      errorCode = BigInt(model.errorCode);
    } else {
      fault = 'none';
      if (pa !== targetPa) fault = `none at wrong PA 0x${pa.toString(16)}`;
      else if (kind === Acc.Read) readValue = readLE(ram, pa, v.access_size);
      else if (kind === Acc.Write) writeLE(ram, pa, v.access_size, BigInt(v.write_value));
    }
  }
  const memAfter = readLE(ram, targetPa, 8);
  const walkAfter = v.walk.map((w) => readLE(ram, Number(BigInt(w.addr)), entrySize));
  for (const w of v.walk) writeLE(ram, Number(BigInt(w.addr)), entrySize, 0n);
  writeLE(ram, targetPa, 8, 0n);

  // The expectation: QEMU's result, or for 'sdm' the result overridden by sdm_check.diff.
  const exp: Outcome = { ...v.result, walk_after: v.result.walk_after.map((w) => ({ ...w })) };
  const diff = quirks === 'sdm' ? v.sdm_check.diff : null;
  const namedWalk = new Set<number>();
  if (diff) {
    for (const [k, x] of Object.entries(diff)) {
      if (k === 'walk_after') {
        for (const [wk, wv] of Object.entries(x as Record<string, string>)) {
          const [i, field] = wk.split('.') as [string, string];
          if (field === 'value') { exp.walk_after[+i]!.value = wv; namedWalk.add(+i); }
        }
      } else (exp as unknown as Record<string, unknown>)[k] = x;
    }
  }

  const bad: string[] = [];
  const check = (what: string, want: bigint | null, got: bigint | null) => {
    if (want !== got) bad.push(`${what}: want ${want?.toString(16)} got ${got?.toString(16)}`);
  };
  if (exp.fault !== fault) bad.push(`fault: want ${exp.fault} got ${fault} (${model.errorCode.toString(16)})`);
  if (exp.fault !== 'none' && exp.error_code !== null) check('error_code', BigInt(exp.error_code), errorCode);
  if (exp.fault === 'PF') check('cr2', BigInt(exp.cr2), va);
  if (exp.fault === 'GP_at_mov_cr3') {
    // QEMU's recorded access never happens on silicon: only what the diff names.
    for (const i of namedWalk) check(`walk_after[${i}]`, BigInt(exp.walk_after[i]!.value), walkAfter[i] ?? null);
    return bad;
  }
  check('read_value', exp.read_value === null ? null : BigInt(exp.read_value), readValue);
  check('mem_after', BigInt(exp.mem_after), memAfter);
  exp.walk_after.forEach((w, i) => check(`walk_after[${i}]`, BigInt(w.value), walkAfter[i] ?? null));
  return bad;
}

describe('QEMU conformance vectors', () => {
  for (const name of FILES) {
    for (const quirks of ['sdm', 'qemu'] as const) {
      it(`${name}, ${quirks} quirks: every vector agrees`, () => {
        bigRam ??= new Uint8Array(RAM_SIZE);
        const vectors = loadVectors(name);
        const model = new X86Model(bigRam, { maxPhyAddr: 40, quirks });
        const failures: string[] = [];
        for (const v of vectors) {
          const bad = replay(model, bigRam, v, quirks);
          if (bad.length) failures.push(`#${v.id}: ${bad.join('; ')}`);
        }
        console.log(`${name} ${quirks}: ${vectors.length - failures.length}/${vectors.length} agree`);
        expect(vectors.length).toBe(X86_VECTOR_COUNTS[name]);
        expect(failures.slice(0, 10)).toEqual([]);
      }, 120_000);
    }
  }
});

// ---------------------------------------------------------------------------
// Hand-written cases. A 4-level map: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 ->
// PT 0x4000 -> page 0x10000, for VA 0x201000 (PD index 1, PT index 1).

const PML4 = 0x1000, PDPT = 0x2000, PD = 0x3000, PT = 0x4000, PAGE = 0x10000, VA = 0x201123;
const P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80, XD = 0x80000000;
const R = Acc.Read, W = Acc.Write, X = Acc.Fetch, U = Acc.User;

function control(over: Partial<ModelControl> = {}): ModelControl {
  return { mode: '4level', wp: true, pse: false, pge: false, smep: false, smap: false,
    pke: false, nxe: true, ac: false, pkru: 0, ...over };
}

function machine(quirks: 'sdm' | 'qemu' = 'sdm', size = 1 << 22) {
  const ram = new Uint8Array(size);
  const dv = new DataView(ram.buffer);
  const model = new X86Model(ram, { quirks });
  const put = (addr: number, lo: number, hi = 0) => {
    dv.setUint32(addr, lo >>> 0, true); dv.setUint32(addr + 4, hi >>> 0, true);
  };
  const lo = (addr: number) => dv.getUint32(addr, true);
  /** The standard 4-level map with the given PTE; upper entries P|RW|US. */
  const map4 = (pteLo: number, pteHi = 0, ctl = control()) => {
    put(PML4, PDPT | 7); put(PDPT, PD | 7); put(PD + 8, PT | 7); put(PT + 8, pteLo, pteHi);
    model.setControl(ctl);
    expect(model.writeCr3(PML4, 0)).toBe('ok');
  };
  return { ram, dv, model, put, lo, map4 };
}

describe('x86 model, hand-written', () => {
  // x86.md §8 "Common values" (NXE=1, SMEP=0 unless stated).
  const table: [string, number, number, Partial<ModelControl>, number, number?][] = [
    ['user read, not present', 0, 0, {}, U | R, 0x04],
    ['user write, not present', 0, 0, {}, U | W, 0x06],
    ['kernel read, not present', 0, 0, {}, R, 0x00],
    ['user write to read-only page', PAGE | P | US, 0, {}, U | W, 0x07],
    ['user read of supervisor page', PAGE | P | RW, 0, {}, U | R, 0x05],
    ['user fetch of XD page', PAGE | 7, XD, {}, U | X, 0x15],
    ['kernel fetch of XD page', PAGE | 7, XD, {}, X, 0x11],
    ['kernel fetch from user page, SMEP', PAGE | 7, 0, { smep: true }, X, 0x11],
    ['kernel write to read-only page, WP', PAGE | P, 0, {}, W, 0x03],
    ['kernel read of user page, SMAP, AC=0', PAGE | 7, 0, { smap: true }, R, 0x01],
    ['user read, reserved bit 51', PAGE | 7, 1 << 19, {}, U | R, 0x0d],
    ['kernel write, reserved bit 51', PAGE | 7, 1 << 19, {}, W, 0x0b],
    ['user write, key 3 with WD', PAGE | 7, 3 << 27, { pke: true, pkru: 2 << 6 }, U | W, 0x27],
    ['user read, key 3 with AD', PAGE | 7, 3 << 27, { pke: true, pkru: 1 << 6 }, U | R, 0x25],
    ['kernel read of user page, SMAP, AC=1', PAGE | 7, 0, { smap: true, ac: true }, R],
    ['implicit read of user page, SMAP, AC=1', PAGE | 7, 0, { smap: true, ac: true }, Acc.Implicit | R, 0x01],
  ];
  it.each(table)('%s', (_name, pteLo, pteHi, over, acc, code) => {
    const { model, map4 } = machine();
    map4(pteLo, pteHi, control(over));
    const pa = model.walk(VA, 0, acc, true);
    if (code === undefined) { expect(pa).toBe(PAGE + 0x123); return; }
    expect(pa).toBe(-1);
    expect(model.faultKind).toBe('PF');
    expect(model.errorCode).toBe(code);
  });

  it('reports RSVD without P in qemu mode', () => {
    const { model, map4 } = machine('qemu');
    map4(PAGE | 7, 1 << 19);
    expect(model.walk(VA, 0, U | R, true)).toBe(-1);
    expect(model.errorCode).toBe(0x0c);
  });

  it('user fetch, not present, 32-bit paging: no I/D bit', () => {
    const { model, put } = machine();
    put(0x1000, 0x2000 | 7); // PDE 0 -> PT at 0x2000, whose entries are all 0
    model.setControl(control({ mode: 'legacy32' }));
    model.writeCr3(0x1000, 0);
    expect(model.walk(0x3000, 0, U | X, true)).toBe(-1);
    expect(model.errorCode).toBe(0x04);
    expect(model.faultLevel).toBe(1);
  });

  it('a 2 MiB leaf with bit 13 set is a reserved-bit fault; upper A set, leaf untouched', () => {
    const { model, put, lo } = machine();
    put(PML4, PDPT | 7); put(PDPT, PD | 7); put(PD + 8, 0x200000 | 0x2000 | PS | 7);
    model.setControl(control());
    model.writeCr3(PML4, 0);
    expect(model.walk(VA, 0, R, true)).toBe(-1);
    expect([model.errorCode, model.faultLevel]).toEqual([0x09, 2]);
    expect(lo(PML4) & A).toBe(A);
    expect(lo(PD + 8) & A).toBe(0);
    put(PD + 8, 0x200000 | PS | 7);
    expect(model.walk(VA, 0, R, true)).toBe(0x200000 + 0x1123);
    expect(model.pageShift).toBe(21);
  });

  it('a 1 GiB leaf gets A before its low reserved bits are checked (QEMU order), only with update', () => {
    const { model, put, lo } = machine();
    put(PML4, PDPT | 7); put(PDPT, 0x2000 | PS | 7); // bit 13 reserved in a 1 GiB leaf
    model.setControl(control());
    model.writeCr3(PML4, 0);
    expect(model.walk(VA, 0, R, false)).toBe(-1);
    expect(lo(PDPT) & A).toBe(0);
    expect(model.walk(VA, 0, R, true)).toBe(-1);
    expect([model.errorCode, model.faultLevel]).toEqual([0x09, 3]);
    expect(lo(PDPT) & A).toBe(A);
  });

  it('protection keys are ignored on fetches', () => {
    const { model, map4 } = machine();
    map4(PAGE | 7, 5 << 27, control({ pke: true, pkru: 3 << 10 })); // key 5: AD and WD
    expect(model.walk(VA, 0, U | X, true)).toBe(PAGE + 0x123);
    expect(model.key).toBe(5);
    expect(model.walk(VA, 0, U | R, true)).toBe(-1);
    expect(model.errorCode).toBe(0x25);
  });

  it('WP=0: a supervisor write to a read-only page succeeds and sets A and D', () => {
    const { model, map4, lo } = machine();
    map4(PAGE | P, 0, control({ wp: false }));
    expect(model.walk(VA, 0, W, true)).toBe(PAGE + 0x123);
    expect(lo(PT + 8) & (A | D)).toBe(A | D);
    expect([model.rw, model.dirty]).toEqual([false, true]);
    model.setControl(control({ wp: true }));
    expect(model.walk(VA, 0, W, true)).toBe(-1);
    expect(model.errorCode).toBe(0x03);
  });

  it('update=false has no side effects; a fault leaves the leaf untouched', () => {
    const { model, map4, lo } = machine();
    map4(PAGE | P | US);
    expect(model.walk(VA, 0, R, false)).toBe(PAGE + 0x123);
    expect([lo(PML4), lo(PDPT), lo(PD + 8), lo(PT + 8)].map((e) => e & A)).toEqual([0, 0, 0, 0]);
    expect(model.dirty).toBe(false);
    expect(model.walk(VA, 0, U | W, true)).toBe(-1);
    expect([lo(PML4), lo(PDPT), lo(PD + 8), lo(PT + 8)].map((e) => e & A)).toEqual([A, A, A, 0]);
  });

  it('non-canonical addresses raise #GP and touch nothing', () => {
    const { model, map4, lo } = machine();
    map4(PAGE | 7);
    expect(model.walk(VA, 0x8000, R, true)).toBe(-1);
    expect([model.faultKind, model.errorCode, model.faultLevel]).toEqual(['GP', 0, 0]);
    expect(lo(PML4) & A).toBe(0);
    expect(model.walk(VA, 0xffff8000, R, true)).toBe(-1); // canonical, but PML4[256] is empty
    expect(model.faultKind).toBe('PF');
    model.setControl(control({ mode: '5level' }));
    expect(model.walk(VA, 0x00ff0000, R, true)).toBe(-1);
    expect(model.faultKind).toBe('PF');              // canonical in 5-level
    expect(model.walk(VA, 0x01000000, R, true)).toBe(-1);
    expect(model.faultKind).toBe('GP');
  });

  it('reports accesses outside RAM as bus faults', () => {
    const { model, map4, put } = machine();
    map4(0x40000000 | 7);                           // 1 GiB: beyond the 4 MiB RAM
    expect(model.walk(VA, 0, R, true)).toBe(-1);
    expect([model.faultKind, model.busAddr, model.faultLevel]).toEqual(['BUS', 0x40000123, 1]);
    put(PD + 8, 0x800000 | 7);                      // the PT itself is outside RAM
    expect(model.walk(VA, 0, R, true)).toBe(-1);
    expect([model.faultKind, model.busAddr, model.faultLevel]).toEqual(['BUS', 0x800008, 1]);
    expect(model.writeCr3(0, 0x100)).toBe('GP');    // CR3 bit 40 >= MAXPHYADDR
    expect(model.writeCr3(0, 0x80000000)).toBe('GP'); // bit 63 (no PCIDE)
  });

  it('PAE: PDPTE registers are checked and loaded at MOV CR3 (sdm), re-read with A (qemu)', () => {
    for (const quirks of ['sdm', 'qemu'] as const) {
      const { model, put, lo } = machine(quirks);
      put(0x1020, 0x3000 | 1); put(0x3000 + 8, 0x4000 | 7); put(0x4000 + 8, PAGE | 7);
      model.setControl(control({ mode: 'pae' }));
      expect(model.writeCr3(0x1020, 0)).toBe('ok');
      expect(model.walk(VA, 0, U | W, true)).toBe(PAGE + 0x123); // PDPTE counts as RW=US=1
      expect(lo(0x1020) & A).toBe(quirks === 'qemu' ? A : 0);
      put(0x1020, 0);                                   // invisible until CR3 is reloaded (sdm)
      expect(model.walk(VA, 0, R, true)).toBe(quirks === 'sdm' ? PAGE + 0x123 : -1);
      put(0x1020, 0x3000 | 1 | 2);                      // bit 1 is reserved in a PDPTE
      expect(model.writeCr3(0x1020, 0)).toBe(quirks === 'sdm' ? 'GP' : 'ok');
    }
  });

  it('legacy32: 4 MiB pages with PSE-36, bit 21 reserved, PS ignored without CR4.PSE', () => {
    const { model, put } = machine();
    put(0x1000, 0x00400000 | (1 << 13) | PS | 7);     // PA 0x1_0040_0000: above 4 GiB
    model.setControl(control({ mode: 'legacy32', pse: true }));
    model.writeCr3(0x1000, 0);
    expect(model.walk(0x123456, 0, R, true)).toBe(-1);
    expect([model.faultKind, model.busAddr]).toEqual(['BUS', 2 ** 32 + 0x400000 + 0x123456]);
    put(0x1000, 0x00000000 | PS | 7);
    expect(model.walk(0x123456, 0, R, true)).toBe(0x123456);
    expect(model.pageShift).toBe(22);
    put(0x1000, (1 << 21) | PS | 7);
    expect(model.walk(0x123456, 0, R, true)).toBe(-1);
    expect(model.errorCode).toBe(0x09);
    model.setControl(control({ mode: 'legacy32', pse: false })); // now the PDE points to a PT at 0x200000
    expect(model.walk(0x123456, 0, R, true)).toBe(-1);
    expect([model.errorCode, model.faultLevel]).toEqual([0x00, 1]);
  });
});

// ---------------------------------------------------------------------------
// TLB baselines.

describe('TsArchTlb', () => {
  const noPaging = () => {
    const model = new X86Model(new Uint8Array(1 << 20));
    model.setControl(control({ mode: 'none' }));
    return model;
  };

  it('evicts the least recently used way of a full set', () => {
    const tlb = new TsArchTlb(noPaging(), { itlb: [2, 2], dtlb: [2, 2], stlb: [8, 2] });
    const a = 0x0000, b = 0x1000, c = 0x2000;
    for (const va of [a, b, a, c]) tlb.translate(va, 0, R); // c evicts b (a was used after b)
    expect([tlb.dtlbHits, tlb.dtlbMisses, tlb.walks]).toEqual([1, 3, 3]);
    expect(tlb.translate(a + 8, 0, R)).toBe(a + 8);          // still in the dTLB
    expect(tlb.dtlbHits).toBe(2);
    expect(tlb.translate(b, 0, R)).toBe(b);                  // dTLB miss, STLB hit; evicts c
    expect([tlb.dtlbMisses, tlb.stlbHits, tlb.walks]).toEqual([4, 1, 3]);
    tlb.translate(c, 0, R);
    expect([tlb.dtlbMisses, tlb.stlbHits, tlb.walks]).toEqual([5, 2, 3]);
    tlb.translate(a, 0, X);                                  // fetches use the iTLB
    expect([tlb.itlbMisses, tlb.stlbHits]).toEqual([1, 3]);
  });

  it('maps vpn mod sets, with a set count that is not a power of two', () => {
    const tlb = new TsArchTlb(noPaging(), { itlb: [2, 2], dtlb: [6, 2], stlb: [6, 2] });
    for (const page of [0, 3, 6, 1]) tlb.translate(page * 0x1000, 0, R); // 0, 3, 6 share set 0
    tlb.translate(0x1000, 0, R);
    tlb.translate(0x3000, 0, R);
    expect([tlb.dtlbHits, tlb.walks]).toEqual([2, 4]);
    tlb.translate(0, 0, R);                                  // evicted from both levels
    expect(tlb.walks).toBe(5);
  });
});

describe('TsFastTlb', () => {
  it('hits on the second access; a read fill of a clean page does not serve a write', () => {
    const { model, map4, lo } = machine();
    map4(PAGE | 7);                                          // writable, A=0, D=0
    const tlb = new TsFastTlb(model, 64);
    expect(tlb.translate(VA, 0, R)).toBe(PAGE + 0x123);
    expect(tlb.translate(VA + 8, 0, R)).toBe(PAGE + 0x12b);
    expect([tlb.hits, tlb.misses]).toEqual([1, 1]);
    expect(tlb.translate(VA, 0, W)).toBe(PAGE + 0x123);      // miss: the walk must set D
    expect([tlb.hits, tlb.misses]).toEqual([1, 2]);
    expect(lo(PT + 8) & D).toBe(D);
    expect(tlb.translate(VA, 0, W)).toBe(PAGE + 0x123);
    expect(tlb.translate(VA, 0, X)).toBe(PAGE + 0x123);      // filled with the write
    expect([tlb.hits, tlb.misses]).toEqual([3, 2]);
    expect(tlb.translate(VA, 0, U | R)).toBe(PAGE + 0x123);  // another context
    expect(tlb.misses).toBe(3);
    tlb.flush();
    tlb.translate(VA, 0, R);
    expect(tlb.misses).toBe(4);
  });

  it('does not fill kinds the rights forbid, and never caches faults', () => {
    const { model, map4 } = machine();
    map4(PAGE | P | US | D, XD, control({ smap: true }));   // read-only, XD, user page
    const tlb = new TsFastTlb(model, 64);
    expect(tlb.translate(VA, 0, U | R)).toBe(PAGE + 0x123);
    expect(tlb.translate(VA, 0, U | W)).toBe(-1);
    expect(tlb.translate(VA, 0, U | X)).toBe(-1);
    expect(tlb.translate(VA, 0, R)).toBe(-1);                // SMAP, AC=0
    expect(tlb.translate(VA, 0, U | W)).toBe(-1);
    expect([tlb.hits, tlb.misses]).toEqual([0, 5]);
  });
});
