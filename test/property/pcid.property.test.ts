// Property: with PCIDs on, random switches between address spaces (with and without the
// no-flush bit), INVLPG, INVPCID 0-3, PGE toggles and accesses never make a TLB return
// a translation other than a fresh walk of the current address space gives, as long
// as no page table changes. Global pages are identical in every address space (as an
// OS keeps its kernel half), so a global entry is always right. The sequences also turn
// paging off and on again (with SMEP and SMAP set, which paging off ignores), pass access
// values that are not access bytes (a BAD_ACCESS fault that changes nothing), and run
// over the architectural TLB in every geometry class.
import { expect, test } from "vitest";
import fc from "fast-check";
import { Machine } from "../../src/machine.js";
import { PageTableBuilder } from "../../src/arch/x86/pageTable.js";
import { X86Model, type ModelControl } from "../../src/model/x86Model.js";
import type { TlbKind } from "../../src/config.js";

const RUNS = Number(process.env.WASM_MMU_PROPERTY_RUNS ?? 100_000) / 200;   // each case is a whole sequence
const SPACES = 3;
const USER_PAGES = 24;
const KERNEL = 0xffff800000000000n;

type Op =
  | { op: "switch"; space: number; noflush: boolean }
  | { op: "access"; page: number; kernel: boolean; kind: 0 | 1 | 2; user: boolean }
  | { op: "invlpg"; page: number }
  | { op: "invpcid"; type: 0 | 1 | 2 | 3; space: number; page: number }
  | { op: "pge"; on: boolean }
  | { op: "bad"; page: number; acc: number }
  | { op: "off"; pages: number[]; kind: 0 | 1 | 2; user: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant("switch" as const), space: fc.nat(SPACES - 1), noflush: fc.boolean() }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant("access" as const), page: fc.nat(USER_PAGES - 1), kernel: fc.boolean(),
    kind: fc.constantFrom(0 as const, 1 as const, 2 as const), user: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("invlpg" as const), page: fc.nat(USER_PAGES - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("invpcid" as const), type: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
    space: fc.nat(SPACES - 1), page: fc.nat(USER_PAGES - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("pge" as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("bad" as const), page: fc.nat(USER_PAGES - 1),
    acc: fc.oneof(fc.integer({ min: 0, max: 255 }).filter((a) => !validAccess(a)), fc.integer({ min: 256, max: 0xffffffff })) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("off" as const), pages: fc.array(fc.nat(USER_PAGES - 1), { minLength: 1, maxLength: 4 }),
    kind: fc.constantFrom(0 as const, 1 as const, 2 as const), user: fc.boolean() }) },
);

/** Access bytes: kind 0-2, user or implicit or neither (assembly/constants/access.ts). */
function validAccess(acc: number): boolean { return acc < 16 && (acc & 3) !== 3 && (acc & 12) !== 12; }

/** TLB geometries, one per class: ways 1, small, 16, 32, more than 32, fully associative; sets often not a power of two. */
const GEOMETRIES = [
  { itlb: "8/2", dtlb: "8/2", stlb: "16/4", entries: 16 },
  { itlb: "3/1", dtlb: "5/1", stlb: "7/1", entries: 1 },
  { itlb: "16/16", dtlb: "48/16", stlb: "80/16", entries: 64 },
  { itlb: "32/32", dtlb: "96/32", stlb: "64/32", entries: 4096 },
  { itlb: "66/33", dtlb: "72/72", stlb: "200/100", entries: 2 },
  { itlb: "64/64", dtlb: "128/128", stlb: "1536/1536", entries: 8 },
];

async function world(kind: TlbKind, seed: number, geometry: number) {
  const m = await Machine.create({ ramBytes: 8 << 20, tlb: { kind, ...GEOMETRIES[geometry] } });
  let x = seed >>> 0 || 1;
  const rnd = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0; };
  const roots: bigint[] = [];
  const kernelFlags = { write: true, user: false, global: true, nx: true };
  for (let s = 0; s < SPACES; s++) {
    const pt = new PageTableBuilder(m, { allocBase: 0x100000 + s * 0x40000, allocLimit: 0x100000 + (s + 1) * 0x40000 });
    for (let p = 0; p < USER_PAGES; p++) {
      if (rnd() % 5 === 0) continue;                               // some pages unmapped
      pt.map(0x400000 + p * 4096, 0x400000 + (rnd() % 512) * 4096, 4096,
        { user: rnd() % 4 !== 0, write: rnd() % 3 !== 0, nx: rnd() % 3 === 0 });
    }
    for (let p = 0; p < USER_PAGES; p++) pt.map(KERNEL + BigInt(p * 4096), 0x600000 + p * 4096, 4096, kernelFlags);
    roots.push(pt.cr3);
  }
  m.setControl({ pcide: true });
  return { m, roots };
}

for (const kind of ["arch", "fast"] as const) {
  test(`${kind} TLB: random PCID switches and invalidations never give a stale or foreign translation`, async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.nat(GEOMETRIES.length - 1),
      fc.array(opArb, { minLength: 1, maxLength: 60 }), async (seed, geometry, ops) => {
      const { m, roots } = await world(kind, seed, geometry);
      const model = new X86Model(m.phys.bytes, { maxPhyAddr: 40 });
      const ctl: ModelControl = { mode: "4level", wp: true, pse: false, pge: false, smep: false, smap: false, pke: false, nxe: true, ac: false, pkru: 0 };
      let space = 0;
      const load = (s: number, noflush: boolean) => {
        space = s;
        expect(m.writeCr3(roots[s]! | BigInt(s + 1) | (noflush ? 1n << 63n : 0n))).toBeNull();
        expect(model.writeCr3(Number(roots[s]!), 0)).toBe("ok");
      };
      model.setControl(ctl);
      load(0, false);
      for (const o of ops) {
        if (o.op === "switch") load(o.space, o.noflush);
        else if (o.op === "invlpg") m.invlpg(0x400000 + o.page * 4096);
        else if (o.op === "invpcid") expect(m.invpcid(o.type, o.space + 1, 0x400000 + o.page * 4096)).toBeNull();
        else if (o.op === "pge") { m.setControl({ pge: o.on }); model.setControl({ ...ctl, pge: o.on }); }
        else if (o.op === "bad") {
          const before = JSON.stringify(m.tlb.stats());
          expect(m.raw.translate(0x400000 + o.page * 4096, 0, o.acc), `access value ${o.acc}`).toBe(-1);
          expect(m.lastFault().kind).toBe("BAD_ACCESS");
          expect(JSON.stringify(m.tlb.stats())).toBe(before);
        } else if (o.op === "off") {
          // Paging off (a reset-style load: PCIDE needs IA-32e), with SMEP and SMAP set: no protection, VA = PA.
          const B = m.k.big, cur = m.control();
          m.loadState({ cr0: 1n | B.CR0_WP, cr4: B.CR4_SMEP | B.CR4_SMAP, efer: 0n });
          const kindName = (["read", "write", "fetch"] as const)[o.kind];
          for (const page of [...o.pages, ...o.pages]) {
            const va = 0x400000 + page * 4096 + 8;
            expect(m.translate(va, kindName, o.user ? 3 : 0), `paging off: ${kindName} of 0x${va.toString(16)}`).toEqual({ ok: true, pa: va });
          }
          m.loadState({ cr0: cur.cr0, cr3: cur.cr3, cr4: cur.cr4, efer: cur.efer });
        } else {
          const va = o.kernel ? KERNEL + BigInt(o.page * 4096 + 8) : BigInt(0x400000 + o.page * 4096 + 8);
          const kindName = (["read", "write", "fetch"] as const)[o.kind];
          const got = m.translate(va, kindName, o.user ? 3 : 0);
          const acc = o.kind | (o.user ? 4 : 0);
          const want = model.walk(Number(va & 0xffffffffn), Number(va >> 32n), acc, true);
          const where = `space ${space} va 0x${va.toString(16)} ${kindName} cpl ${o.user ? 3 : 0}`;
          if (want < 0) expect(got.ok ? `pa 0x${got.pa.toString(16)}` : got.fault.errorCode, where).toBe(model.errorCode);
          else expect(got.ok ? got.pa : `#PF ${got.fault.errorCode}`, where).toBe(want);
        }
      }
    }), { numRuns: RUNS });
  }, 300_000);
}
