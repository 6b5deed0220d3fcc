// Tests for the RISC-V reference model (src/model/riscvModel.ts): every public QEMU vector
// of every mode in every expectation, field by field, then hand-written cases for the rules
// the vectors do not reach.
import { describe, expect, it } from 'vitest';
import {
  compare, expected, loadRiscvVectors, replay, RISCV_MODES, RISCV_VECTOR_COUNTS, type Expect,
} from './riscvVectors.js';
import { RiscvModel, type RiscvModelOptions } from '../../src/model/riscvModel.js';
import { ArrayMemory, inRam, SparseMemory } from '../../src/model/riscvMemory.js';
import {
  napotAddr, pmpAllows, pmpRange, PMP_L, PMP_NA4, PMP_NAPOT, PMP_OFF, PMP_R, PMP_TOR, PMP_W, PMP_X,
} from '../../src/model/riscvPmp.js';

// The three ways to read a vector (FORMAT.md): QEMU 7.2 as it ran (quirks "qemu"; QEMU 7.2
// sets A/D in hardware), the Svade verdict and the Svadu verdict (quirks "spec").
const EXPECTS: { expect: Expect; quirks: 'spec' | 'qemu'; adMode: 'fault' | 'update' }[] = [
  { expect: 'qemu', quirks: 'qemu', adMode: 'update' },
  { expect: 'svade', quirks: 'spec', adMode: 'fault' },
  { expect: 'svadu', quirks: 'spec', adMode: 'update' },
];

describe('QEMU conformance vectors through the model', () => {
  for (const mode of RISCV_MODES) {
    const vectors = loadRiscvVectors(mode);
    it(`${mode}: the file holds every vector`, () => {
      expect(vectors.length).toBe(RISCV_VECTOR_COUNTS[mode]);
      expect(vectors.map((v) => v.id)).toEqual(vectors.map((_, i) => i));
    });
    for (const e of EXPECTS) {
      it(`${mode}, --expect ${e.expect}: fault, cause, tval, read value, memory and every PTE after agree`, () => {
        const failures: string[] = [];
        const ruleMismatch: string[] = [];
        const outcomes = { none: 0, page_fault: 0, access_fault: 0 };
        for (const v of vectors) {
          const want = expected(v, e.expect);
          const got = replay(v, e.quirks, e.adMode);
          const bad = compare(want, got.outcome);
          if (bad.length) failures.push(`#${v.id} (${v.set}): ${bad.join('; ')}`);
          outcomes[got.outcome.fault]++;
          // The spec verdicts also name the deciding rule: the model must stop at the same one.
          if (e.expect !== 'qemu') {
            const rule = e.expect === 'svade' ? v.spec_check.rule : v.svadu_check.rule;
            if (rule !== got.rule) ruleMismatch.push(`#${v.id}: oracle ${rule} model ${got.rule}`);
          }
        }
        console.log(`${mode} ${e.expect}: ${vectors.length - failures.length}/${vectors.length} agree`, outcomes);
        expect(failures.slice(0, 10)).toEqual([]);
        expect(ruleMismatch.slice(0, 10)).toEqual([]);
        // Every kind of outcome is reached, so the comparison above is not vacuous.
        for (const k of ['none', 'page_fault', 'access_fault'] as const) expect(outcomes[k], k).toBeGreaterThan(0);
      }, 120_000);
    }
  }
});

// ---------------------------------------------------------------------------
// Hand-written cases for what the vectors do not reach (their PMP is three NAPOT entries,
// every vector starts in S or U with a fresh hart, nothing reports the mapping's size).
// Sv39 tables in 1 MiB of RAM at 0x80000000: root 0x80000000 -> 0x80001000 -> 0x80002000.

const RAM = 0x80000000n, ROOT = RAM, L1 = RAM + 0x1000n, L0 = RAM + 0x2000n, PAGE = RAM + 0x10000n;
const SATP39 = (8n << 60n) | (0x1234n << 44n) | (ROOT >> 12n);
const V = 1n, R = 2n, W = 4n, X = 8n, U = 16n, G = 32n, A = 64n, D = 128n;
const ADUE = 1n << 61n, PBMTE = 1n << 62n;
const NAPOT = PMP_NAPOT << 3, TOR = PMP_TOR << 3, NA4 = PMP_NA4 << 3;

const pte = (pa: bigint, flags: bigint) => ((pa >> 12n) << 10n) | flags;

/** A model over fresh RAM with one 4 KiB page at VA 0x1000 (root[0] -> L1[0] -> L0[1]) and `leaf` flags. */
function sv39(leaf: bigint, opts: RiscvModelOptions = {}, pointerFlags = 0n) {
  const mem = new ArrayMemory(new Uint8Array(1 << 20), RAM);
  mem.store(ROOT, 8, pte(L1, V | pointerFlags));
  mem.store(L1, 8, pte(L0, V));
  mem.store(L0 + 8n, 8, pte(PAGE, leaf));
  const model = new RiscvModel(mem, opts);
  expect(model.setControl({ satp: SATP39 })).toBe(true);
  return { mem, model };
}

describe('translation rules beyond the vectors', () => {
  it('a 4 KiB page: PA, level, size, ASID and no G', () => {
    const { model } = sv39(V | R | W | A | D);
    expect(model.translate(0x1abcn, 'read', 'S', 4)).toEqual({
      ok: true, pa: PAGE + 0xabcn, level: 0, pageShift: 12, global: false,
      leaf: pte(PAGE, V | R | W | A | D), leafAddr: L0 + 8n, asid: 0x1234,
    });
  });

  it('G in a pointer makes every mapping below it global', () => {
    const { model } = sv39(V | R | A, {}, G);
    const r = model.translate(0x1000n, 'read', 'S');
    expect(r.ok && r.global).toBe(true);
  });

  it('a gigapage takes VA bits 29:0 and a NAPOT leaf VA bits 15:0', () => {
    const mem = new ArrayMemory(new Uint8Array(1 << 20), RAM);
    mem.store(ROOT + 8n * 3n, 8, pte(0x80000000n, V | R | A));                    // VA 0xc0000000 -> 1 GiB at 0x80000000
    const model = new RiscvModel(mem, { svnapot: true });
    model.setControl({ satp: SATP39 });
    expect(model.translate(0xc0012345n, 'read', 'S')).toMatchObject({ ok: true, pa: 0x80012345n, level: 2, pageShift: 30 });
    // A NAPOT leaf with PPN ...1000: the 16 pages of VA 0x10000..0x1ffff map to the 64 KiB frame at 0x80030000.
    mem.store(ROOT, 8, pte(L1, V)); mem.store(L1, 8, pte(L0, V));
    for (let i = 0n; i < 16n; i++) mem.store(L0 + (0x10n + i) * 8n, 8, pte(0x80038000n, V | R | A) | (1n << 63n));
    expect(model.translate(0x1b123n, 'read', 'S')).toMatchObject({ ok: true, pa: 0x8003b123n, level: 0, pageShift: 16 });
  });

  it('a non-canonical VA is a page fault before any PTE is read (even an unreadable root)', () => {
    const mem = new ArrayMemory(new Uint8Array(1 << 20), RAM);
    const deny = [{ cfg: NAPOT, addr: napotAddr(RAM, 0x100000n) }];
    const model = new RiscvModel(mem, { pmp: deny });
    model.setControl({ satp: (9n << 60n) | (ROOT >> 12n) });                      // Sv48: bits 63:47 must be equal
    expect(model.translate(0x0000800000000000n, 'write', 'S')).toMatchObject({ ok: false, fault: 'page_fault', cause: 15, rule: 'noncanonical_va' });
    expect(model.translate(0xffff800000000000n, 'write', 'S')).toMatchObject({ ok: false, fault: 'access_fault', cause: 7, rule: 'pte_read_pma_pmp', level: 3 });
  });

  it('PMP on a PTE read wins over what the PTE holds: access fault of the access type', () => {
    const { model } = sv39(0n, { pmp: [{ cfg: NAPOT, addr: napotAddr(L0, 0x1000n) }, { cfg: NAPOT | PMP_R | PMP_W | PMP_X, addr: (1n << 54n) - 1n }] });
    for (const [acc, cause] of [['fetch', 1], ['read', 5], ['write', 7]] as const) {
      expect(model.translate(0x1000n, acc, 'U')).toMatchObject({ ok: false, fault: 'access_fault', cause, tval: 0x1000n, level: 0 });
    }
  });

  it('A/D: Svade faults, Svadu sets A on a read and A and D on a store, a PMP-read-only PTE is an access fault', () => {
    const flags = V | R | W;
    let t = sv39(flags, { adMode: 'fault' });
    t.model.setControl({ menvcfg: ADUE | PBMTE });
    expect(t.model.control.menvcfg).toBe(0n);
    expect(t.model.translate(0x1000n, 'read', 'S')).toMatchObject({ ok: false, fault: 'page_fault', cause: 13, rule: 'a0' });
    expect(t.mem.load(L0 + 8n, 8)).toBe(pte(PAGE, flags));
    // Svadu with menvcfg.ADUE = 0 is Svade; ADUE reads 0 on a Svade-only hart.
    t = sv39(flags, { adMode: 'update' });
    expect(t.model.translate(0x1000n, 'read', 'S')).toMatchObject({ ok: false, fault: 'page_fault', rule: 'a0' });
    t.model.setControl({ menvcfg: ADUE });
    expect(t.model.control.menvcfg).toBe(ADUE);
    expect(t.model.translate(0x1000n, 'read', 'S')).toMatchObject({ ok: true, leaf: pte(PAGE, flags | A) });
    expect(t.mem.load(L0 + 8n, 8)).toBe(pte(PAGE, flags | A));
    expect(t.model.translate(0x1000n, 'write', 'S')).toMatchObject({ ok: true });
    expect(t.mem.load(L0 + 8n, 8)).toBe(pte(PAGE, flags | A | D));
    // A failed check writes nothing.
    t = sv39(V | R, { adMode: 'update' });
    t.model.setControl({ menvcfg: ADUE });
    expect(t.model.translate(0x1000n, 'write', 'S')).toMatchObject({ ok: false, rule: 'write_w0' });
    expect(t.mem.load(L0 + 8n, 8)).toBe(pte(PAGE, V | R));
    // The leaf's table read-only under PMP: the update is an access fault (QEMU writes anyway).
    const pmp = [{ cfg: NAPOT | PMP_R, addr: napotAddr(L0, 0x1000n) }, { cfg: NAPOT | PMP_R | PMP_W | PMP_X, addr: (1n << 54n) - 1n }];
    t = sv39(flags, { adMode: 'update', pmp });
    t.model.setControl({ menvcfg: ADUE });
    expect(t.model.translate(0x1000n, 'read', 'S')).toMatchObject({ ok: false, fault: 'access_fault', cause: 5, rule: 'ad_write_pmp' });
    expect(t.mem.load(L0 + 8n, 8)).toBe(pte(PAGE, flags));
    t = sv39(flags, { adMode: 'update', pmp, quirks: 'qemu' });
    t.model.setControl({ menvcfg: ADUE });
    expect(t.model.translate(0x1000n, 'read', 'S')).toMatchObject({ ok: true });
    expect(t.mem.load(L0 + 8n, 8)).toBe(pte(PAGE, flags | A));
  });

  it('Svpbmt: PBMT 1 and 2 need Svpbmt and menvcfg.PBMTE, 3 is reserved, a pointer may hold none', () => {
    const nc = 1n << 61n;
    let t = sv39(V | R | A | nc, { svpbmt: true });
    expect(t.model.translate(0x1000n, 'read', 'S')).toMatchObject({ ok: false, rule: 'pbmt_without_svpbmt_or_pbmte' });
    t.model.setControl({ menvcfg: 1n << 62n });
    expect(t.model.translate(0x1000n, 'read', 'S')).toMatchObject({ ok: true, pa: PAGE });
    t = sv39(V | R | A | nc);
    t.model.setControl({ menvcfg: 1n << 62n });
    expect(t.model.translate(0x1000n, 'read', 'S')).toMatchObject({ ok: false, rule: 'pbmt_without_svpbmt_or_pbmte' });
    t = sv39(V | R | A | (3n << 61n), { svpbmt: true });
    t.model.setControl({ menvcfg: 1n << 62n });
    expect(t.model.translate(0x1000n, 'read', 'S')).toMatchObject({ ok: false, rule: 'pbmt_3_reserved' });
    t = sv39(V | R | A, { svpbmt: true }, nc);
    t.model.setControl({ menvcfg: 1n << 62n });
    expect(t.model.translate(0x1000n, 'read', 'S')).toMatchObject({ ok: false, fault: 'page_fault', rule: 'nonleaf_d_a_u_n_pbmt', level: 2 });
  });

  it('SUM never opens a U page to an S fetch; MXR never makes a page executable', () => {
    const t = sv39(V | R | X | U | A);
    t.model.setControl({ sum: true, mxr: true });
    expect(t.model.translate(0x1000n, 'fetch', 'S')).toMatchObject({ ok: false, cause: 12, rule: 's_mode_fetch_u_page' });
    expect(t.model.translate(0x1000n, 'read', 'S')).toMatchObject({ ok: true });
    const xo = sv39(V | R | A);
    xo.model.setControl({ mxr: true });
    expect(xo.model.translate(0x1000n, 'fetch', 'S')).toMatchObject({ ok: false, cause: 12, rule: 'fetch_x0' });
  });

  it('M-mode and Bare translate nothing: PA = VA, PMA and PMP still apply', () => {
    const mem = new ArrayMemory(new Uint8Array(1 << 20), RAM);
    const pmp = [{ cfg: NAPOT | PMP_R, addr: napotAddr(RAM, 0x1000n) }, { cfg: NAPOT | PMP_L, addr: napotAddr(RAM + 0x1000n, 0x1000n) }];
    const model = new RiscvModel(mem, { pmp });
    expect(model.mode).toBe('bare');
    expect(model.translate(RAM + 8n, 'read', 'S')).toMatchObject({ ok: true, pa: RAM + 8n, level: -1 });
    expect(model.translate(RAM + 8n, 'write', 'S')).toMatchObject({ ok: false, fault: 'access_fault', cause: 7, rule: 'pa_pma_pmp' });
    expect(model.translate(RAM + 8n, 'write', 'M')).toMatchObject({ ok: true });           // entry not locked: M passes
    expect(model.translate(RAM + 0x1008n, 'read', 'M')).toMatchObject({ ok: false, cause: 5 }); // locked, no R
    expect(model.translate(RAM + 0x2008n, 'read', 'M')).toMatchObject({ ok: true });           // no entry matches: M passes
    expect(model.translate(RAM + 0x2008n, 'read', 'U')).toMatchObject({ ok: false, cause: 5 }); // ... S and U do not
    expect(model.translate(0x1000n, 'fetch', 'M')).toMatchObject({ ok: false, fault: 'access_fault', cause: 1 }); // no memory
    model.setControl({ satp: SATP39 });
    expect(model.translate(RAM + 8n, 'write', 'M')).toMatchObject({ ok: true, pa: RAM + 8n });
  });

  it('satp with a MODE the hart lacks is ignored whole; RV32 has Bare and Sv32 only', () => {
    const { model } = sv39(V | R | A);
    for (const mode of [1n, 7n, 11n, 15n]) {
      expect(model.setControl({ satp: (mode << 60n) | 5n })).toBe(false);
      expect(model.control.satp).toBe(SATP39);
    }
    const rv32 = new RiscvModel(new SparseMemory(RAM, 0x100000n), { xlen: 32 });
    expect(rv32.setControl({ satp: (1n << 31n) | (0x1ffn << 22n) | 0x80000n })).toBe(true);
    expect([rv32.mode, rv32.asid, rv32.root]).toEqual(['sv32', 0x1ff, RAM]);
    expect(() => rv32.setControl({ satp: 1n << 32n })).toThrow(/wider than 32 bits/);
  });

  it('Sv32 tables past 4 GiB: an access fault by the spec; QEMU 7.2 checks PMP at the address mod 4 GiB', () => {
    // Root at 0x80000000; VA 0 points to a table at 0x1_8f000000 (low bits: the no-access
    // region), VA 0x400000 to one at 0x1_00008000 (low bits allowed, no memory either way).
    const pmp = [{ cfg: NAPOT, addr: napotAddr(0x8f000000n, 0x100000n) }, { cfg: NAPOT | PMP_R | PMP_W | PMP_X, addr: (1n << 32n) - 1n }];
    const run = (quirks: 'spec' | 'qemu') => {
      const mem = new ArrayMemory(new Uint8Array(1 << 20), RAM);
      mem.store(RAM, 4, ((0x18f000000n >> 12n) << 10n) | V);
      mem.store(RAM + 4n, 4, ((0x100008000n >> 12n) << 10n) | V);
      const model = new RiscvModel(mem, { xlen: 32, quirks, pmp });
      model.setControl({ satp: (1n << 31n) | (RAM >> 12n) });
      return [model.translate(0n, 'read', 'S'), model.translate(0x400000n, 'read', 'S')].map((r) => (r.ok ? 'ok' : `${r.fault} ${r.cause}`));
    };
    expect(run('spec')).toEqual(['access_fault 5', 'access_fault 5']);
    expect(run('qemu')).toEqual(['access_fault 5', 'page_fault 13']);
  });

  it('refuses what is not an access: VAs wider than XLEN, sizes, page crossings, options', () => {
    const { model } = sv39(V | R | A);
    expect(() => model.translate(1n << 64n, 'read', 'S')).toThrow(/unsigned 64-bit/);
    expect(() => model.translate(-1n, 'read', 'S')).toThrow(/unsigned 64-bit/);
    expect(() => model.translate(0xffcn, 'read', 'S', 8)).toThrow(/within one page/);
    expect(() => model.translate(0n, 'read', 'S', 3)).toThrow(/1, 2, 4 or 8/);
    expect(() => model.translate(0n, 'exec' as 'fetch', 'S')).toThrow(/access exec/);
    expect(() => model.translate(0n, 'read', 'H' as 'S')).toThrow(/priv H/);
    const mem = new SparseMemory(RAM, 0x1000n);
    expect(() => new RiscvModel(mem, { xlen: 32, svnapot: true })).toThrow(/RV64/);
    expect(() => new RiscvModel(mem, { adMode: 'maybe' as 'fault' })).toThrow(/adMode maybe/);
    expect(() => new RiscvModel(mem, { quirks: 'spike' as 'spec' })).toThrow(/quirks spike/);
  });
});

describe('PMP matching', () => {
  const all = { cfg: NAPOT | PMP_R | PMP_W | PMP_X, addr: (1n << 54n) - 1n };
  it('NAPOT, NA4 and TOR ranges, TOR from 0 for entry 0 and empty when the bounds cross', () => {
    const e = [
      { cfg: TOR, addr: 0x1000n >> 2n },                      // [0, 0x1000)
      { cfg: NA4, addr: 0x2000n >> 2n },                      // [0x2000, 0x2004)
      { cfg: NAPOT, addr: napotAddr(0x4000n, 0x1000n) },      // [0x4000, 0x5000)
      { cfg: TOR, addr: 0x3000n >> 2n },                      // [0x4000 >> 2 << 2 .. 0x3000): empty
      { cfg: PMP_OFF, addr: 0n },
      { cfg: NAPOT, addr: (1n << 32n) - 1n },                 // RV32 all ones: 2^(XLEN+3) bytes, over the 34-bit space
    ];
    expect([0, 1, 2, 3, 4].map((i) => pmpRange(e, i, 64))).toEqual([[0n, 0x1000n], [0x2000n, 0x2004n], [0x4000n, 0x5000n], null, null]);
    expect(pmpRange(e, 5, 32)).toEqual([0n, 1n << 35n]);
    expect(napotAddr(0x8f000000n, 0x100000n)).toBe(0x23c1ffffn);
    expect(() => napotAddr(0x1000n, 0x3000n)).toThrow(/power of two/);
  });

  it('the lowest matching entry decides; a partial match fails; no match fails S and U once PMP exists', () => {
    const e = [{ cfg: NA4 | PMP_R, addr: 0x1004n >> 2n }, { cfg: TOR | PMP_R | PMP_W, addr: 0x2000n >> 2n }, all];
    expect(pmpAllows(e, 64, 0x1004n, 4, 'write', 'S')).toBe(false);   // entry 0 (read only) wins over entry 1
    expect(pmpAllows(e, 64, 0x1004n, 4, 'read', 'U')).toBe(true);
    expect(pmpAllows(e, 64, 0x1000n, 8, 'read', 'S')).toBe(false);    // bytes 0x1004.. match entry 0 only partly
    expect(pmpAllows(e, 64, 0x1ff8n, 8, 'write', 'S')).toBe(true);     // entry 1: [0x1004 .. 0x2000)
    expect(pmpAllows(e, 64, 0x1ffcn, 8, 'write', 'S')).toBe(false);    // crosses entry 1's end
    expect(pmpAllows(e, 64, 0x9000n, 8, 'fetch', 'U')).toBe(true);     // entry 2, everything
    expect(pmpAllows(e.slice(0, 2), 64, 0x9000n, 8, 'read', 'S')).toBe(false);
    expect(pmpAllows(e.slice(0, 2), 64, 0x9000n, 8, 'read', 'M')).toBe(true);
    expect(pmpAllows([], 64, 0x9000n, 8, 'write', 'U')).toBe(true);    // no PMP implemented
  });
});

describe('model memory', () => {
  it('sparse RAM reads zero until written, little-endian, and refuses addresses outside RAM', () => {
    const m = new SparseMemory(RAM, 0x2000n);
    expect(m.load(RAM + 0xffcn, 8)).toBe(0n);
    m.store(RAM + 0xffcn, 8, 0x1122334455667788n);                   // across a page of the map
    expect([m.load(RAM + 0xffcn, 4), m.load(RAM + 0x1000n, 4), m.load(RAM + 0xffcn, 1)]).toEqual([0x55667788n, 0x11223344n, 0x88n]);
    expect(() => m.load(RAM - 1n, 1)).toThrow(/outside RAM/);
    expect(() => m.store(RAM + 0x1ffcn, 8, 0n)).toThrow(/outside RAM/);
    m.clear();
    expect(m.load(RAM + 0xffcn, 8)).toBe(0n);
  });
  it('array RAM shares the bytes at its base', () => {
    const bytes = new Uint8Array(16);
    const m = new ArrayMemory(bytes, 0x1000n);
    m.store(0x1008n, 4, 0xa1b2c3d4n);
    expect([...bytes.subarray(8, 12)]).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    expect(inRam(m, 0x100cn, 4)).toBe(true);
    expect(inRam(m, 0x100cn, 8)).toBe(false);
  });
});
