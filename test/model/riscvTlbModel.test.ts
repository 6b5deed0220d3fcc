// The SFENCE.VMA scopes of the cache oracle (src/model/riscvTlbModel.ts), entry by entry.
import { describe, expect, it } from 'vitest';
import { RiscvTlbModel } from '../../src/model/riscvTlbModel.js';
import type { RiscvOk } from '../../src/model/riscvModel.js';

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
