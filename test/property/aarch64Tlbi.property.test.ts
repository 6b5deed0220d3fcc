// Property: with several ASIDs, random TTBR0 switches (no TLBI, as Linux switches mm),
// accesses at EL0/EL1 (LDTR/STTR too), PAN/UAO/WXN changes, TLBIs of every kind, and
// descriptor edits each followed by a TLBI whose scope covers them (VAE1/VALE1 with the
// edited space's ASID, VAAE1/VAALE1, ASIDE1 of that ASID, VMALLE1, chosen at random) never
// make a TLB return a translation other than a fresh walk of the current address space
// gives (src/model/aarch64Model.ts). Kernel pages (TTBR1, global) are the same in every
// space, as Linux keeps them, so a global entry is always right. Arch and fast TLBs, in
// several geometries.
import { expect, test } from "vitest";
import fc from "fast-check";
import { AArch64Machine, type TlbiOp } from "../../src/arch/aarch64/machine.js";
import { A64PageTableBuilder } from "../../src/arch/aarch64/pageTable.js";
import { AArch64Model, type A64Access } from "../../src/model/aarch64Model.js";
import type { TlbKind } from "../../src/config.js";

const RUNS = Math.max(20, Number(process.env.WASM_MMU_PROPERTY_RUNS ?? 100_000) / 400);
const SPACES = 3;
const PAGES = 8;
const BASE = 0x40000000;
const USER = 0x400000n;
const KERNEL = 0xffff000000000000n;
const KINDS: A64Access[] = ["read", "write", "fetch", "read_unpriv", "write_unpriv"];
const GEOMETRIES = [
  { itlb: "8/2", dtlb: "8/2", stlb: "16/4", entries: 16 },
  { itlb: "3/1", dtlb: "5/1", stlb: "7/1", entries: 1 },
  { itlb: "32/32", dtlb: "96/32", stlb: "64/32", entries: 4096 },
  { itlb: "64/64", dtlb: "128/128", stlb: "1536/1536", entries: 8 },
];

type Op =
  | { op: "switch"; space: number }
  | { op: "access"; page: number; kernel: boolean; kind: number; el: 0 | 1 }
  | { op: "tlbi"; which: number; space: number; page: number; kernel: boolean }
  | { op: "flags"; pan: boolean; uao: boolean; wxn: boolean }
  | { op: "edit"; space: number; page: number; pa: number; ap: number; xn: number; valid: boolean; cover: number; here: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant("switch" as const), space: fc.nat(SPACES - 1) }) },
  { weight: 10, arbitrary: fc.record({ op: fc.constant("access" as const), page: fc.nat(PAGES - 1), kernel: fc.boolean(),
    kind: fc.nat(4), el: fc.constantFrom(0 as const, 1 as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("tlbi" as const), which: fc.nat(5), space: fc.nat(SPACES - 1), page: fc.nat(PAGES - 1), kernel: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("flags" as const), pan: fc.boolean(), uao: fc.boolean(), wxn: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("edit" as const), space: fc.nat(SPACES - 1), page: fc.nat(PAGES - 1), pa: fc.nat(511),
    ap: fc.nat(3), xn: fc.nat(3), valid: fc.integer({ min: 0, max: 4 }).map((x) => x !== 0), cover: fc.nat(5),
    here: fc.integer({ min: 0, max: 2 }).map((x) => x !== 0) }) },
);
const OPS: TlbiOp[] = ["VMALLE1", "ASIDE1", "VAE1", "VALE1", "VAAE1", "VAALE1"];

async function world(kind: TlbKind, seed: number, geometry: number) {
  const m = await AArch64Machine.create({ arch: "aarch64", ramBytes: 8 << 20, tlb: { kind, ...GEOMETRIES[geometry] } });
  let x = seed >>> 0 || 1;
  const rnd = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0; };
  const spaces: A64PageTableBuilder[] = [];
  for (let s = 0; s < SPACES; s++) {
    const t = new A64PageTableBuilder(m, { allocBase: BASE + 0x100000 + s * 0x40000, allocLimit: BASE + 0x100000 + (s + 1) * 0x40000 });
    for (let p = 0; p < PAGES; p++) {
      if (rnd() % 5 === 0) continue;
      t.map(USER + BigInt(p * 4096), BASE + 0x400000 + (rnd() % 512) * 4096, 4096, { ng: true, ap: rnd() % 4, uxn: rnd() % 3 === 0, pxn: rnd() % 3 === 0 });
    }
    spaces.push(t);
  }
  const kernel = new A64PageTableBuilder(m, { range: 1, allocBase: BASE + 0x200000 + SPACES * 0x40000 });
  for (let p = 0; p < PAGES; p++) kernel.map(KERNEL + BigInt(p * 4096), BASE + 0x600000 + p * 4096, 4096, { ap: rnd() % 4, uxn: true });
  return { m, spaces, kernel };
}

for (const kind of ["arch", "fast"] as const) {
  test(`${kind} TLB: ASID switches, TLBIs and covered edits never give a stale or foreign translation`, async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.nat(GEOMETRIES.length - 1),
      fc.array(opArb, { minLength: 30, maxLength: 100 }), async (seed, geometry, ops) => {
      const { m, spaces, kernel } = await world(kind, seed, geometry);
      const model = new AArch64Model(m.phys.bytes, { ramBase: BASE });
      const tcr = AArch64Machine.tcrFor("4k", 48) | (1n << 36n);   // 16-bit ASIDs from TTBR0
      let flags = { sctlrWxn: false, pan: false, uao: false };
      let space = 0;
      const sync = () => {
        const c = { tcr, ttbr0: spaces[space]!.ttbr(space + 1), ttbr1: kernel.ttbr(), ...flags };
        m.setControl(c);
        model.setControl(c);
      };
      sync();
      for (const o of ops) {
        if (o.op === "switch") { space = o.space; sync(); }
        else if (o.op === "flags") { flags = { sctlrWxn: o.wxn, pan: o.pan, uao: o.uao }; sync(); }
        else if (o.op === "tlbi") {
          const va = o.kernel ? KERNEL + BigInt(o.page * 4096) : USER + BigInt(o.page * 4096);
          m.tlbi(OPS[o.which]!, AArch64Machine.tlbiOperand(va, o.space + 1));
        } else if (o.op === "edit") {
          // Mostly the current space's page, which the accesses around it may have cached.
          const es = o.here ? space : o.space;
          const t = spaces[es]!, va = USER + BigInt(o.page * 4096);
          let ea: bigint;
          try { ea = t.descriptorAddress(va, 3); } catch { continue; }   // a page whose tables were never built
          const d = o.valid ? BigInt(BASE + 0x400000 + o.pa * 4096) | 3n | (1n << 10n) | (1n << 11n) | (BigInt(o.ap) << 6n)
            | (BigInt(o.xn & 1) << 53n) | (BigInt(o.xn >> 1) << 54n) : 0n;
          m.phys.writeU64(ea, d);
          // The TLBI the architecture requires, in a scope that covers the edited entry.
          const cover = (["VAE1", "VALE1", "VAAE1", "VAALE1", "ASIDE1", "VMALLE1"] as const)[o.cover]!;
          m.tlbi(cover, AArch64Machine.tlbiOperand(va, es + 1));
        } else {
          const va = (o.kernel ? KERNEL : USER) + BigInt(o.page * 4096 + 8);
          const k = KINDS[o.kind]!;
          const el = k.endsWith("_unpriv") ? 1 : o.el;
          const want = model.translate(va, k, el);
          const got = m.translate(va, k, el);
          const where = `space ${space} va 0x${va.toString(16)} ${k} EL${el} ${JSON.stringify(flags)}`;
          if (!want.ok) expect(got.ok ? `pa 0x${got.pa.toString(16)}` : got.fault.esr, where).toBe(want.esr);
          else expect(got.ok ? got.pa : `fault ${got.fault.message}`, where).toBe(want.pa);
        }
      }
    }), { numRuns: RUNS });
  }, 300_000);
}
