// The SFENCE.VMA scopes of the cache oracle (src/model/riscvTlbModel.ts), entry by entry.
import { describe, expect, it } from 'vitest';
import { RiscvTlbModel } from '../../src/model/riscvTlbModel.js';
import { RiscvModel, type RiscvOk } from '../../src/model/riscvModel.js';
import { ArrayMemory } from '../../src/model/riscvMemory.js';

const V = 1n, R = 2n, W = 4n, X = 8n, U = 16n, A = 64n, D = 128n;
const ok = (pa: bigint, pageShift: number, global: boolean, leaf: bigint): RiscvOk =>
  ({ ok: true, pa, level: 0, pageShift, global, leaf, leafAddr: 0n, asid: 0 });

/** Two ASIDs, two pages each, plus a global page and a global 2 MiB page. */
function filled(): RiscvTlbModel {
  const t = new RiscvTlbModel();
  const leaf = V | R | W | A | D;
  t.fill(0x1000n, ok(0x80001000n, 12, false, leaf), 1);
  t.fill(0x2000n, ok(0x80002000n, 12, false, leaf), 1);
  t.fill(0x1000n, ok(0x80005000n, 12, false, leaf), 2);
  t.fill(0x2000n, ok(0x80006000n, 12, false, leaf), 2);
  t.fill(0x3000n, ok(0x80003000n, 12, true, leaf), 1);
  t.fill(0x400123n, ok(0x80600123n, 21, true, leaf), 2);
  return t;
}
const pas = (t: RiscvTlbModel, va: bigint, asid: number) => t.candidates(va, asid).map((e) => e.paBase);

describe('SFENCE.VMA scopes', () => {
  it('lookups: the ASID\'s own entries and every global one; a superpage holds all its VAs', () => {
    const t = filled();
    expect(t.size).toBe(6);
    expect(pas(t, 0x1fffn, 1)).toEqual([0x80001000n]);
    expect(pas(t, 0x1000n, 2)).toEqual([0x80005000n]);
    expect(pas(t, 0x3000n, 2)).toEqual([0x80003000n]);           // global, filled under ASID 1
    expect(pas(t, 0x5ff000n, 1)).toEqual([0x80600000n]);
    expect(pas(t, 0x1000n, 3)).toEqual([]);
  });
  it('x0, x0 drops everything', () => {
    const t = filled(); t.sfenceVma();
    expect(t.size).toBe(0);
  });
  it('x0, asid drops that ASID\'s non-global entries only', () => {
    const t = filled(); t.sfenceVma(undefined, 1);
    expect(pas(t, 0x1000n, 1)).toEqual([]);
    expect(pas(t, 0x2000n, 1)).toEqual([]);
    expect(pas(t, 0x3000n, 1)).toEqual([0x80003000n]);
    expect(pas(t, 0x1000n, 2)).toEqual([0x80005000n]);
    expect(t.size).toBe(4);
  });
  it('va, x0 drops every entry holding va in every ASID, global included', () => {
    const t = filled(); t.sfenceVma(0x1234n); t.sfenceVma(0x4abcden);
    expect([pas(t, 0x1000n, 1), pas(t, 0x1000n, 2), pas(t, 0x2000n, 1), pas(t, 0x400000n, 2)]).toEqual([[], [], [0x80002000n], []]);
    t.sfenceVma(0x3000n);
    expect(pas(t, 0x3000n, 1)).toEqual([]);
  });
  it('va, asid drops that ASID\'s non-global entries holding va', () => {
    const t = filled(); t.sfenceVma(0x1000n, 2); t.sfenceVma(0x3000n, 1); t.sfenceVma(0x400000n, 2);
    expect([pas(t, 0x1000n, 1), pas(t, 0x1000n, 2), pas(t, 0x3000n, 1), pas(t, 0x400000n, 2)])
      .toEqual([[0x80001000n], [], [0x80003000n], [0x80600000n]]);
  });
  it('a cached leaf is judged at access time; one without A, or without D for a store, serves nothing', () => {
    const t = new RiscvTlbModel();
    t.fill(0x1000n, ok(0x80001000n, 12, false, V | X | U | A), 1);
    const [e] = t.candidates(0x1000n, 1);
    expect(RiscvTlbModel.outcome(e!, 0x1010n, 'read', 'U', false, false)).toEqual({ ok: false, fault: 'page_fault', cause: 13 });
    expect(RiscvTlbModel.outcome(e!, 0x1010n, 'read', 'U', false, true)).toEqual({ ok: true, pa: 0x80001010n });
    expect(RiscvTlbModel.outcome(e!, 0x1010n, 'fetch', 'S', true, false)).toEqual({ ok: false, fault: 'page_fault', cause: 12 });
    t.fill(0x2000n, ok(0x80002000n, 12, false, V | R | W | A), 1);
    const [w] = t.candidates(0x2000n, 1);
    expect(RiscvTlbModel.outcome(w!, 0x2000n, 'write', 'S', false, false)).toBeNull();
    expect(RiscvTlbModel.outcome(w!, 0x2000n, 'read', 'S', false, false)).toEqual({ ok: true, pa: 0x80002000n });
  });
});

describe('cached pointers (walk entries)', () => {
  // An Sv39 walk of VA 0x40_1000 in ASID 1: root entry (level 2) → table 0x8000_2000, its
  // entry (level 1) → table 0x8000_3000 with G, then the leaf (level 0). Pointer PTE =
  // PPN << 10 | V (| G): 0x80002 << 10 = 0x2000_0800, 0x80003 << 10 = 0x2000_0c00.
  // The level-2 pointer maps VA bits 63:30 (shift 12 + 9 * 2 = 30: base 0), the level-1
  // one bits 63:21 (shift 21: base 0x40_0000), global from itself on.
  const path = [
    { level: 2, pte: 0x20000800n | V },
    { level: 1, pte: 0x20000c00n | V | 32n },
    { level: 0, pte: (0x80009n << 10n) | V | R | A },
  ];
  const filledPointers = () => { const t = new RiscvTlbModel(); t.fillPointers(0x401000n, path, 1, 9); return t; };
  it('a walk leaves one entry per pointer, tagged with the ASID or global from the first G down', () => {
    const t = filledPointers();
    expect(t.walkCandidates(0x401000n, 1)).toEqual([
      { asid: 1, global: false, level: 1, vaBase: 0n, shift: 30, table: 0x80002000n },
      { asid: 1, global: true, level: 0, vaBase: 0x400000n, shift: 21, table: 0x80003000n },
    ]);
    // ASID 2: only the global one; a VA in another 2 MiB but the same 1 GiB: only the level-2 pointer.
    expect(t.walkCandidates(0x5ff000n, 2).map((e) => e.table)).toEqual([0x80003000n]);
    expect(t.walkCandidates(0x600000n, 1).map((e) => e.table)).toEqual([0x80002000n]);
    expect(t.walkCandidates(0x40000000n, 1)).toEqual([]);
  });
  it('rs1 != x0 keeps pointers; x0, asid drops the ASID\'s non-global ones; x0, x0 all', () => {
    const t = filledPointers();
    t.sfenceVma(0x401000n); t.sfenceVma(0x401000n, 1);
    expect(t.pointerCount).toBe(2);
    t.sfenceVma(undefined, 1);
    expect(t.walkCandidates(0x401000n, 1).map((e) => e.table)).toEqual([0x80003000n]);
    t.sfenceVma();
    expect(t.pointerCount).toBe(0);
  });
  it('a path with a leaf-shaped or invalid PTE above its last entry is refused (not a successful walk)', () => {
    expect(() => new RiscvTlbModel().fillPointers(0n, [{ level: 1, pte: 0x20000800n | V | R }, path[2]!], 1, 9)).toThrow(/no pointer/);
    expect(() => new RiscvTlbModel().fillPointers(0n, [{ level: 1, pte: 0x20000800n }, path[2]!], 1, 9)).toThrow(/no pointer/);
  });
});

describe('RiscvModel.translateFrom and lastPath: a walk resumed below a cached pointer', () => {
  it('reads the levels below from memory, from the cached table, not from the current pointer', () => {
    // Sv39, RAM at 0x8000_0000. VA 0x40_1010: VPN[2] = 0, VPN[1] = 2, VPN[0] = 1, offset 0x10.
    // Root 0x8000_1000 [0] → 0x8000_2000 [2] → 0x8000_3000 [1] = leaf PPN 0x8_0009 (R A).
    // An older table 0x8000_4000 [1] = leaf PPN 0x8_000a.
    const bytes = new Uint8Array(1 << 20);
    const v = new DataView(bytes.buffer);
    const put = (pa: number, pte: bigint) => v.setBigUint64(pa - 0x80000000, pte, true);
    put(0x80001000, (0x80002n << 10n) | V);
    put(0x80002000 + 2 * 8, (0x80003n << 10n) | V);
    put(0x80003000 + 1 * 8, (0x80009n << 10n) | V | R | A);
    put(0x80004000 + 1 * 8, (0x8000an << 10n) | V | R | A);
    const m = new RiscvModel(new ArrayMemory(bytes, 0x80000000n), { xlen: 64 });
    expect(m.setControl({ satp: (8n << 60n) | (1n << 44n) | 0x80001n })).toBe(true);   // Sv39, ASID 1, root PPN 0x8_0001
    expect(m.translate(0x401010n, 'read', 'S')).toMatchObject({ ok: true, pa: 0x80009010n, global: false, asid: 1 });
    expect(m.lastPath).toEqual([
      { level: 2, addr: 0x80001000n, pte: (0x80002n << 10n) | V },
      { level: 1, addr: 0x80002010n, pte: (0x80003n << 10n) | V },
      { level: 0, addr: 0x80003008n, pte: (0x80009n << 10n) | V | R | A },
    ]);
    // Resumed at level 0 in the older table, global from a cached G pointer: PA 0x8000_a010, global.
    expect(m.translateFrom(0x401010n, 'read', 'S', { level: 0, table: 0x80004000n, global: true }))
      .toMatchObject({ ok: true, pa: 0x8000a010n, global: true });
    expect(m.lastPath).toEqual([{ level: 0, addr: 0x80004008n, pte: (0x8000an << 10n) | V | R | A }]);
    // A store there: W = 0, a store page fault (15) like a fresh walk's.
    expect(m.translateFrom(0x401010n, 'write', 'S', { level: 0, table: 0x80004000n, global: false }))
      .toMatchObject({ ok: false, fault: 'page_fault', cause: 15 });
    expect(() => m.translateFrom(0x401010n, 'read', 'S', { level: 2, table: 0x80001000n, global: false })).toThrow(/level 2/);
  });
});
