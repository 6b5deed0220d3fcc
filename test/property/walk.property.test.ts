// Property: for random page tables, control state and accesses, the core (through each
// TLB kind, and the architectural TLB in every geometry class) never traps, never
// touches memory outside the RAM image, and agrees with the plain TypeScript model
// (src/model/x86Model.ts) on every outcome and on every entry's A/D bits, in every
// paging mode including paging off. Access values are drawn from every u8 and u32 too:
// an invalid one is a BAD_ACCESS fault and the next accesses still agree with the model.
// WASM_MMU_PROPERTY_RUNS sets the number of cases (default 100,000; the opt-in
// `npm run test:long` runs 1,000,000).
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Machine } from "../../src/machine.js";
import { X86Model, type PagingMode } from "../../src/model/x86Model.js";
import type { TlbKind } from "../../src/config.js";

const RUNS = Number(process.env.WASM_MMU_PROPERTY_RUNS ?? 100_000);
const RAM = 1 << 20;                       // 256 frames; leaf or table pointers beyond it are bus faults
const TABLE_FRAMES = 10;                   // tables live in frames 1..10
const MODES = ["none", "legacy32", "pae", "4level", "5level"] as const;
const TLB_KINDS: TlbKind[] = ["none", "fast", "arch"];
/** Architectural TLB geometries, one per class: ways 1, small, 16, 32, more than 32, fully associative; sets often not a power of two. */
const GEOMETRIES = [
  { itlb: "3/1", dtlb: "5/1", stlb: "7/1" },
  { itlb: "6/2", dtlb: "12/4", stlb: "24/3" },
  { itlb: "48/16", dtlb: "16/16", stlb: "80/16" },
  { itlb: "32/32", dtlb: "96/32", stlb: "64/32" },
  { itlb: "66/33", dtlb: "72/72", stlb: "200/100" },
  { itlb: "64/64", dtlb: "128/128", stlb: "1536/1536" },
  { itlb: "64/8", dtlb: "64/4", stlb: "1536/12" },
] as const;

interface EntrySpec { table: number; outside: boolean; farFrame: number; low: number; present: boolean; rw: boolean; us: boolean; ps: boolean; high: number }
interface AccessSpec { target: number; offset: number; kind: number; user: boolean; implicit: boolean; raw: number | null }
interface Case {
  mode: (typeof MODES)[number]; tlb: TlbKind; quirks: "sdm" | "qemu"; maxPhyAddr: number; pages1G: boolean;
  control: { wp: boolean; pse: boolean; pge: boolean; smep: boolean; smap: boolean; pke: boolean; nxe: boolean; ac: boolean; pkru: number };
  entries: EntrySpec[]; targets: { lo: number; hi: number }[]; accesses: AccessSpec[];
}

const highBits = fc.oneof(
  { weight: 30, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 15 }).map((k) => (k << 27) >>> 0) },  // key bits 62:59
  { weight: 2, arbitrary: fc.constant(0x80000000) },                                       // XD
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 19 }).map((b) => (1 << b) >>> 0) },    // bits 32..51
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 30 }).map((b) => (1 << b) >>> 0) },   // bits 52..62
);
const entrySpec: fc.Arbitrary<EntrySpec> = fc.record({
  table: fc.integer({ min: 1, max: TABLE_FRAMES }),
  outside: fc.integer({ min: 0, max: 31 }).map((x) => x === 0),
  farFrame: fc.integer({ min: 0, max: 0xfffff }),
  low: fc.integer({ min: 0, max: 0xfff }),
  present: fc.integer({ min: 0, max: 19 }).map((x) => x !== 0),
  rw: fc.integer({ min: 0, max: 9 }).map((x) => x !== 0),
  us: fc.integer({ min: 0, max: 9 }).map((x) => x !== 0),
  ps: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  high: highBits,
});
const target = fc.oneof(
  { weight: 8, arbitrary: fc.record({ lo: fc.nat(0xffffffff), hi: fc.integer({ min: 0, max: 0x1ffffff }) }) },   // 57-bit, sign-extended below
  { weight: 1, arbitrary: fc.record({ lo: fc.nat(0xffffffff), hi: fc.nat(0xffffffff) }) },                        // anything, often non-canonical
);
const accessSpec: fc.Arbitrary<AccessSpec> = fc.record({
  target: fc.nat(7),
  offset: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 0xfff }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x3fffff }) }), kind: fc.integer({ min: 0, max: 2 }),
  user: fc.boolean(), implicit: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
  // Now and then any access value an embedder could pass: a byte (valid or not) or a u32.
  raw: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof(fc.nat(255), fc.nat(0xffffffff)) }),
});
const caseArb: fc.Arbitrary<Case> = fc.record({
  mode: fc.constantFrom(...MODES), tlb: fc.constantFrom(...TLB_KINDS), quirks: fc.constantFrom("sdm" as const, "qemu" as const),
  maxPhyAddr: fc.constantFrom(32, 36, 40, 46, 52), pages1G: fc.integer({ min: 0, max: 4 }).map((x) => x !== 0),
  control: fc.record({
    wp: fc.boolean(), pse: fc.boolean(), pge: fc.boolean(), smep: fc.boolean(), smap: fc.boolean(), pke: fc.boolean(),
    nxe: fc.boolean(), ac: fc.boolean(), pkru: fc.nat(0xffffffff),
  }),
  entries: fc.array(entrySpec, { minLength: 1, maxLength: 24 }),
  targets: fc.array(target, { minLength: 1, maxLength: 4 }),
  accesses: fc.array(accessSpec, { minLength: 1, maxLength: 8 }),
});

/**
 * One machine per (mode, tlb, quirks, MAXPHYADDR, 1 GiB pages), reused across cases with
 * RAM cleaned. Architectural-TLB machines take the geometry classes in turn (a machine per
 * geometry and key would be 7 times as many machines to build), so any run that builds 7 of
 * them covers every class.
 */
const machines = new Map<string, Promise<Machine>>();
const geometriesUsed = new Set<number>();
function machineFor(c: Case): Promise<Machine> {
  const key = `${c.mode}/${c.tlb}/${c.quirks}/${c.maxPhyAddr}/${c.pages1G}`;
  let m = machines.get(key);
  if (!m) {
    const g = c.tlb === "arch" ? [...machines.keys()].filter((k) => k.includes("/arch/")).length % GEOMETRIES.length : -1;
    if (g >= 0) geometriesUsed.add(g);
    const tlb = { kind: c.tlb, ...(g >= 0 ? GEOMETRIES[g] : {}) };
    m = Machine.create({ ramBytes: RAM, mode: c.mode, tlb, quirks: c.quirks, maxPhyAddr: c.maxPhyAddr, pages1G: c.pages1G });
    machines.set(key, m);
  }
  return m;
}
/** The model's RAM image, reused (entries are cleared after each case). */
const modelRam = new Uint8Array(RAM);
/** Outcomes seen, so the test can show it exercised successes and every fault kind. */
const seen = { ok: 0, PF: 0, GP: 0, BUS: 0, BAD_ACCESS: 0, none: 0 };

const TWO32 = 2 ** 32;
/** Access bytes: kind 0-2, user or implicit or neither (assembly/constants/access.ts). */
const validAccess = (acc: number) => acc < 16 && (acc & 3) !== 3 && (acc & 12) !== 12;

/** Lay the entries out along the targets' paths, in the same RAM image for core and model. */
function buildTables(c: Case, ram: Uint8Array): { written: number[]; vas: { lo: number; hi: number }[] } {
  const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  const narrow = c.mode === "legacy32";
  const size = narrow ? 4 : 8;
  const written: number[] = [];
  let next = 0;
  const vas = c.targets.map((t) => {
    // Paging off: the low 32 bits are the PA; half the targets land in RAM, half beyond it.
    if (c.mode === "none") return { lo: t.lo % (2 * RAM), hi: t.hi };
    let hi = t.hi;
    if (c.mode === "4level" && hi <= 0x1ffffff) hi = (hi & 0xffff) | (hi & 0x8000 ? 0xffff0000 : 0);
    if (c.mode === "5level" && hi <= 0x1ffffff) hi = (hi & 0x1ffffff) | (hi & 0x1000000 ? 0xfe000000 : 0);
    return { lo: t.lo, hi: hi >>> 0 };
  });
  const levels = c.mode === "5level" ? 5 : c.mode === "4level" ? 4 : c.mode === "pae" ? 3 : 2;
  if (c.mode === "none") return { written, vas };
  for (const va of vas) {
    let table = 0x1000;
    for (let level = levels; level >= 1; level--) {
      let index: number;
      if (narrow) index = level === 2 ? va.lo >>> 22 : (va.lo >>> 12) & 1023;
      else if (c.mode === "pae" && level === 3) index = va.lo >>> 30;
      else { const shift = 12 + 9 * (level - 1); index = Math.floor((va.hi * TWO32 + va.lo) / 2 ** shift) % 512; }
      if (c.mode !== "4level" && c.mode !== "5level") index >>>= 0;
      const ea = (c.mode === "pae" && level === 3 ? 0x1000 : table) + index * size;
      if (!written.includes(ea)) {
        const s = c.entries[next++ % c.entries.length]!;
        const frame = s.outside ? s.farFrame : s.table;
        let lo = ((frame & 0xfffff) * 4096 + (s.low & ~0x87) + (s.present ? 1 : 0) + (s.rw ? 2 : 0) + (s.us ? 4 : 0) + (s.ps ? 0x80 : 0)) >>> 0;
        if (narrow) view.setUint32(ea, lo, true);
        else {
          const hi = (s.outside ? frame >>> 20 : 0) | s.high;
          view.setUint32(ea, lo, true);
          view.setUint32(ea + 4, hi >>> 0, true);
        }
        written.push(ea);
      }
      const lo = narrow ? view.getUint32(ea, true) : view.getUint32(ea, true);
      table = (lo & 0xfffff000) >>> 0;
      if (table >= RAM || table === 0) break;       // the path leaves the tables: the walk decides what that means
    }
  }
  return { written, vas };
}

async function check(c: Case): Promise<void> {
  const m = await machineFor(c);
  const coreRam = m.phys.bytes;
  const { written, vas } = buildTables(c, coreRam);
  for (const ea of written) modelRam.set(coreRam.subarray(ea, ea + 8), ea);
  const model = new X86Model(modelRam, { maxPhyAddr: c.maxPhyAddr, quirks: c.quirks, pages1G: c.pages1G });
  const B = m.k.big;
  try {
    const base = m.initialControl(c.mode);
    const ctl = c.control;
    let cr0 = ctl.wp ? base.cr0 : base.cr0 & ~B.CR0_WP;
    let cr4 = base.cr4 & ~B.CR4_PSE;
    if (ctl.pse) cr4 |= B.CR4_PSE;
    if (ctl.pge) cr4 |= B.CR4_PGE;
    if (ctl.smep) cr4 |= B.CR4_SMEP;
    if (ctl.smap) cr4 |= B.CR4_SMAP;
    if (ctl.pke) cr4 |= B.CR4_PKE;
    let efer = ctl.nxe ? base.efer | B.EFER_NXE : base.efer & ~B.EFER_NXE;
    if (c.mode === "legacy32") efer &= ~B.EFER_NXE;
    model.setControl({ mode: c.mode as PagingMode, ...ctl, nxe: (efer & B.EFER_NXE) !== 0n });
    const modelCr3 = model.writeCr3(0x1000, 0);
    let coreCr3 = "ok";
    try { m.loadState({ cr0, cr3: 0x1000n, cr4, efer }); } catch (e) { coreCr3 = (e as { fault?: { kind: string } }).fault?.kind ?? "throw"; }
    expect(coreCr3).toBe(modelCr3);
    if (coreCr3 !== "ok") return;
    m.setControl({ pkru: ctl.pkru, ac: ctl.ac });
    for (const a of c.accesses) {
      const t = vas[a.target % vas.length]!;
      const lo32 = t.lo + a.offset;
      const lo = lo32 >>> 0, hi = (t.hi + (lo32 >= TWO32 ? 1 : 0)) >>> 0;
      const acc = a.raw ?? a.kind | (a.implicit ? m.k.num.ACC_IMPLICIT : a.user ? m.k.num.ACC_USER : 0);
      const r = m.core.translate(lo, hi, acc);
      const where = `va=0x${(BigInt(hi) << 32n | BigInt(lo)).toString(16)} acc=${acc}`;
      if (c.mode === "none") seen.none++;
      if (!validAccess(acc)) {
        // Not an access: no walk, no A/D bit (the entries are compared below), a fault record of its own.
        seen.BAD_ACCESS++;
        expect(r, where).toBe(-1);
        expect(m.lastFault().kind, where).toBe("BAD_ACCESS");
        continue;
      }
      const expected = model.walk(lo, hi, acc, true);
      seen[expected < 0 ? model.faultKind : "ok"]++;
      if (expected < 0) {
        expect(r, where).toBe(-1);
        const f = m.lastFault();
        expect({ kind: f.kind, errorCode: f.errorCode, bus: f.busAddress === null ? null : Number(f.busAddress) }, where)
          .toEqual({ kind: model.faultKind, errorCode: model.errorCode, bus: model.faultKind === "BUS" ? model.busAddr : null });
      } else {
        expect(r >>> 0, where).toBe(expected);
      }
    }
    for (const ea of written) {
      expect(Buffer.compare(coreRam.subarray(ea, ea + 8), modelRam.subarray(ea, ea + 8)), `entry at 0x${ea.toString(16)}`).toBe(0);
    }
  } finally {
    for (const ea of written) { coreRam.fill(0, ea, ea + 8); modelRam.fill(0, ea, ea + 8); }
  }
}

describe("the core agrees with the TypeScript model", () => {
  test(`on ${RUNS} random page tables, control states and accesses`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, check), { numRuns: RUNS });
    // The generator reaches successes and every fault kind in a real share of the accesses.
    const total = seen.ok + seen.PF + seen.GP + seen.BUS + seen.BAD_ACCESS;

    expect(seen.ok / total).toBeGreaterThan(0.1);
    for (const kind of ["PF", "GP", "BUS", "BAD_ACCESS", "none"] as const) expect(seen[kind], kind).toBeGreaterThan(0);
    if (RUNS >= 1000) expect(geometriesUsed.size, "architectural TLB geometry classes exercised").toBe(GEOMETRIES.length);
    console.log(`property: ${RUNS} cases, ${total} accesses:`, seen);
    // Nothing outside the entries was written: every machine's RAM is back to zero.
    for (const p of machines.values()) {
      const m = await p;
      expect(m.phys.bytes.every((b) => b === 0)).toBe(true);
    }
  }, 600_000);
});
