// Paging off (CR0.PG = 0): the linear address is the physical address and there is no
// protection at all (SDM §4.1.1), whatever CR4.SMEP/SMAP, CR0.WP or EFLAGS.AC say, on a
// walk and on a TLB hit alike, in every TLB kind.
import { expect, test } from "vitest";
import { Machine } from "../../src/machine.js";
import type { TlbKind } from "../../src/config.js";

const KINDS: TlbKind[] = ["none", "fast", "arch"];
const ACCESSES = [["read", 0], ["write", 0], ["fetch", 0], ["read", 3], ["write", 3], ["fetch", 3]] as const;

// Walks: every access without a TLB; the arch TLB walks once (rights are checked at each
// hit, and allow everything); the fast TLB once per context (user, supervisor, supervisor with AC).
const WALKS: Record<TlbKind, number> = { none: 2 * 3 * ACCESSES.length * 2, arch: 1, fast: 3 };

test.each(KINDS)("%s TLB: with SMEP, SMAP and WP set, every access translates, first and again (a TLB hit)", async (kind) => {
  const m = await Machine.create({ ramBytes: 1 << 20, mode: "none", tlb: { kind } });
  m.setControl({ smep: true, smap: true, wp: true });
  expect(m.control().cr4 & (m.k.big.CR4_SMEP | m.k.big.CR4_SMAP)).toBe(m.k.big.CR4_SMEP | m.k.big.CR4_SMAP);
  for (const ac of [false, true]) {
    m.setControl({ ac });
    for (let round = 0; round < 3; round++) {
      for (const [access, cpl] of ACCESSES) {
        for (const implicit of [false, true]) {
          const t = m.translate(0x1234 + round * 8, access, cpl, { implicit });
          expect(t, `${access} cpl ${cpl} implicit ${implicit} AC ${ac} round ${round}`).toEqual({ ok: true, pa: 0x1234 + round * 8 });
        }
      }
    }
  }
  expect(m.tlb.stats().totals).toMatchObject({ faults: 0, walks: WALKS[kind] });
});

test.each(KINDS)("%s TLB: paging off still reports an address outside RAM as a bus fault, not a #PF", async (kind) => {
  const m = await Machine.create({ ramBytes: 1 << 20, mode: "none", tlb: { kind } });
  m.setControl({ smep: true });
  const t = m.translate(0x100000, "fetch", 0);
  expect(t.ok ? "ok" : t.fault.kind).toBe("BUS");
});
