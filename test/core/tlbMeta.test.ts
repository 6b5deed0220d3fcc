// The architectural TLB's entry meta word is arch-neutral (issue 11 §1): a 16-bit
// address-space tag (x86 PCID, RISC-V ASID, Arm 8/16-bit ASID), a global bit and a page-size
// class beside the x86 rights bits, none overlapping another (assembly/constants/tlb.ts).
import { expect, test } from "vitest";
import { machineWithTable, pa } from "../helpers/machine.js";

test("meta fields: a 16-bit address-space tag, G, D, rights, key and class, disjoint, class on top", async () => {
  const { m } = await machineWithTable({ tlb: { kind: "arch" } });
  const n = m.k.num;
  expect(n.META_ASID_MASK).toBe(0xffff);
  expect(n.META_PCID_MASK).toBe(n.META_ASID_MASK);
  const fields = [n.META_ASID_MASK, n.META_RW, n.META_US, n.META_XD, n.META_DIRTY, n.META_GLOBAL,
    0xf << n.META_KEY_SHIFT, 3 << n.META_CLASS_SHIFT];
  let seen = 0;
  for (const f of fields) {
    expect(seen & f).toBe(0);
    seen |= f;
  }
  expect(n.META_CLASS_SHIFT).toBeGreaterThan(Math.log2(n.META_GLOBAL));
  expect((seen >>> 0) < 2 ** 32).toBe(true);
});

test("an entry filled under PCID 4095 keeps its whole tag and serves only that PCID", async () => {
  const { m, pt } = await machineWithTable({ tlb: { kind: "arch" } });
  pt.map(0x400000n, 0x200000, 4096, { user: true });
  m.setControl({ pcide: true });
  m.writeCr3(pt.cr3 | 0xfffn);
  expect(pa(m.translate(0x400123n, "read", 3))).toBe(0x200123);
  expect(m.tlb.entries("dtlb").map((e) => [e.pcid, e.global])).toEqual([[0xfff, false]]);
  const stlbHits = m.tlb.stats().stlb!.hits;
  m.writeCr3(pt.cr3 | 0x7ffn | (1n << 63n));   // another PCID, no flush: the entry must not serve it
  m.translate(0x400123n, "read", 3);
  expect(m.tlb.stats().stlb!.hits).toBe(stlbHits);
  expect(m.tlb.entries("dtlb").map((e) => e.pcid).sort()).toEqual([0x7ff, 0xfff]);
});
