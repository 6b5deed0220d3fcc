// The two builds of each walker (assembly/walk/steps.ts): the Fast one every translation
// runs and the Traced one walkOnce runs (Machine.walk). For random page tables, control
// states and accesses in every paging mode, both give the same PA, attributes, fault
// record and A/D bits, and both count the same entry reads and A/D writes; those counts
// equal what the trace shows (one step per entry read, one changed step per write-back),
// so the walkers' once-per-walk counting is checked against an independent count.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Machine } from "../../src/machine.js";
import type { PagingMode } from "../../src/config.js";

const RUNS = Number(process.env.WASM_MMU_PROPERTY_RUNS ?? 100_000) >= 100_000 ? 3000 : 1000;
const RAM = 1 << 20;                        // 256 frames; tables in frames 1..12, anything above is outside RAM
const MODES: PagingMode[] = ["none", "legacy32", "pae", "4level", "5level"];
const TWO32 = 2 ** 32;

interface Entry { frame: number; outside: boolean; low: number; high: number }
interface Access { target: number; offset: number; kind: "read" | "write" | "fetch"; cpl: number; implicit: boolean }
interface Case {
  mode: PagingMode; quirks: "sdm" | "qemu"; maxPhyAddr: number; pages1G: boolean;
  control: { wp: boolean; pse: boolean; pge: boolean; smep: boolean; smap: boolean; pke: boolean; nxe: boolean; ac: boolean; pkru: number };
  entries: Entry[]; targets: { lo: number; hi: number }[]; accesses: Access[];
}

const entry: fc.Arbitrary<Entry> = fc.record({
  frame: fc.integer({ min: 1, max: 12 }),
  outside: fc.integer({ min: 0, max: 24 }).map((x) => x === 0),
  // P, R/W and U/S most of the time, PS now and then; A, D, G and the other low bits at random.
  low: fc.tuple(fc.nat(0xfff), fc.nat(15), fc.nat(4), fc.nat(4), fc.nat(5)).map(([bits, p, rw, us, ps]) =>
    (bits & ~0x87) | (p === 0 ? 0 : 1) | (rw === 0 ? 0 : 2) | (us === 0 ? 0 : 4) | (ps === 0 ? 0x80 : 0)),
  high: fc.oneof(
    { weight: 20, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 15 }).map((k) => (k << 27) >>> 0) },   // protection key
    { weight: 3, arbitrary: fc.constant(0x80000000) },                                       // XD
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }).map((b) => (1 << b) >>> 0) },    // a bit of 62:32
  ),
});
const caseArb: fc.Arbitrary<Case> = fc.record({
  mode: fc.constantFrom(...MODES), quirks: fc.constantFrom("sdm" as const, "qemu" as const),
  maxPhyAddr: fc.constantFrom(36, 40, 52), pages1G: fc.integer({ min: 0, max: 3 }).map((x) => x !== 0),
  control: fc.record({
    wp: fc.boolean(), pse: fc.boolean(), pge: fc.boolean(), smep: fc.boolean(), smap: fc.boolean(), pke: fc.boolean(),
    nxe: fc.boolean(), ac: fc.boolean(), pkru: fc.nat(0xffffffff),
  }),
  entries: fc.array(entry, { minLength: 1, maxLength: 20 }),
  targets: fc.array(fc.record({ lo: fc.nat(0xffffffff), hi: fc.nat(0xffffffff) }), { minLength: 1, maxLength: 4 }),
  accesses: fc.array(fc.record({
    target: fc.nat(7), offset: fc.oneof({ weight: 4, arbitrary: fc.nat(0xfff) }, { weight: 1, arbitrary: fc.nat(0x3fffff) }), kind: fc.constantFrom("read" as const, "write" as const, "fetch" as const),
    cpl: fc.constantFrom(0, 3), implicit: fc.integer({ min: 0, max: 7 }).map((x) => x === 0),
  }), { minLength: 1, maxLength: 8 }),
});

/** Two machines per configuration, no TLB: one walks through translate (Fast), the other through walkOnce (Traced). */
const pairs = new Map<string, Promise<[Machine, Machine]>>();
function pairFor(c: Case): Promise<[Machine, Machine]> {
  const key = `${c.mode}/${c.quirks}/${c.maxPhyAddr}/${c.pages1G}`;
  let p = pairs.get(key);
  if (!p) {
    const make = () => Machine.create({ ramBytes: RAM, mode: c.mode, tlb: { kind: "none" }, quirks: c.quirks, maxPhyAddr: c.maxPhyAddr, pages1G: c.pages1G });
    p = Promise.all([make(), make()]);
    pairs.set(key, p);
  }
  return p;
}

/** Targets made canonical (mostly) for the mode; tables written along their paths. Returns the entry addresses written. */
function build(c: Case, view: DataView): { written: number[]; vas: { lo: number; hi: number }[] } {
  const narrow = c.mode === "legacy32", size = narrow ? 4 : 8;
  const vas = c.targets.map((t, i) => {
    if (c.mode === "none") return { lo: t.lo % (2 * RAM), hi: t.hi };
    let hi = t.hi;
    if (i % 4 !== 3) {                        // one target in four keeps its raw (often non-canonical) high half
      if (c.mode === "4level") hi = (hi & 0x7fff) | (hi & 0x8000 ? 0xffff8000 : 0);
      if (c.mode === "5level") hi = (hi & 0xffffff) | (hi & 0x1000000 ? 0xff000000 : 0);
    }
    return { lo: t.lo, hi: hi >>> 0 };
  });
  const written: number[] = [];
  if (c.mode === "none") return { written, vas };
  const levels = c.mode === "5level" ? 5 : c.mode === "4level" ? 4 : c.mode === "pae" ? 3 : 2;
  let next = 0;
  for (const va of vas) {
    let table = 0x1000;
    for (let level = levels; level >= 1; level--) {
      let index: number;
      if (narrow) index = level === 2 ? va.lo >>> 22 : (va.lo >>> 12) & 1023;
      else if (c.mode === "pae" && level === 3) index = va.lo >>> 30;
      else index = Math.floor((va.hi * TWO32 + va.lo) / 2 ** (12 + 9 * (level - 1))) % 512;
      const ea = table + index * size;
      if (!written.includes(ea)) {
        const s = c.entries[next++ % c.entries.length]!;
        const frame = s.outside ? 0x100 + s.frame * 0x1111 : s.frame;
        view.setUint32(ea, ((frame & 0xfffff) * 4096 + s.low) >>> 0, true);
        if (!narrow) view.setUint32(ea + 4, (s.high | (frame >>> 20)) >>> 0, true);
        written.push(ea);
      }
      table = (view.getUint32(ea, true) & 0xfffff000) >>> 0;
      if (table >= RAM || table === 0) break;
    }
  }
  return { written, vas };
}

const seen = { ok: 0, PF: 0, GP: 0, BUS: 0 };

async function check(c: Case): Promise<void> {
  const [fast, traced] = await pairFor(c);
  const view = new DataView(fast.phys.bytes.buffer, fast.phys.bytes.byteOffset, RAM);
  const { written, vas } = build(c, view);
  for (const ea of written) traced.phys.bytes.set(fast.phys.bytes.subarray(ea, ea + 8), ea);
  try {
    const B = fast.k.big, ctl = c.control;
    const base = fast.initialControl(c.mode);
    let cr4 = base.cr4 & ~B.CR4_PSE;
    if (ctl.pse) cr4 |= B.CR4_PSE;
    if (ctl.pge) cr4 |= B.CR4_PGE;
    if (ctl.smep) cr4 |= B.CR4_SMEP;
    if (ctl.smap) cr4 |= B.CR4_SMAP;
    if (ctl.pke && (c.mode === "4level" || c.mode === "5level")) cr4 |= B.CR4_PKE;
    let efer = ctl.nxe ? base.efer | B.EFER_NXE : base.efer & ~B.EFER_NXE;
    if (c.mode === "legacy32" || c.mode === "none") efer &= ~B.EFER_NXE;
    const regs = { cr0: ctl.wp ? base.cr0 : base.cr0 & ~B.CR0_WP, cr3: 0x1000n, cr4, efer };
    const loaded = [fast, traced].map((m) => { try { m.loadState(regs); return "ok"; } catch (e) { return (e as Error).message; } });
    expect(loaded[1]).toBe(loaded[0]);
    if (loaded[0] !== "ok") return;                       // PAE PDPTEs with reserved bits: #GP at MOV to CR3
    for (const m of [fast, traced]) m.setControl({ pkru: ctl.pkru, ac: ctl.ac });
    for (const a of c.accesses) {
      const t = vas[a.target % vas.length]!;
      const lo32 = t.lo + a.offset;
      const lo = lo32 >>> 0, hi = (t.hi + (lo32 >= TWO32 ? 1 : 0)) >>> 0;
      const va = (BigInt(hi) << 32n) | BigInt(lo);
      const where = `${c.mode} va=0x${va.toString(16)} ${a.kind} cpl ${a.cpl}${a.implicit ? " implicit" : ""}`;
      const f0 = fast.tlb.stats().totals, t0 = traced.tlb.stats().totals;
      const fr = fast.translate(va, a.kind, a.cpl, { implicit: a.implicit && a.cpl === 0 });
      const fastAttrs = fast.core.lastWalkAttributes();
      const tw = traced.walk(va, a.kind, a.cpl, { update: true, implicit: a.implicit && a.cpl === 0 });
      const f1 = fast.tlb.stats().totals, t1 = traced.tlb.stats().totals;
      expect(tw.result, where).toEqual(fr);
      if (fr.ok) expect(traced.core.lastWalkAttributes(), where).toBe(fastAttrs);
      seen[fr.ok ? "ok" : (fr.fault.kind as "PF" | "GP" | "BUS")]++;
      const reads = tw.steps.filter((s) => !s.fromRegister).length;
      const writes = tw.steps.filter((s) => s.valueAfter !== s.value).length;
      expect({ reads: f1.entryReads - f0.entryReads, adWrites: f1.adWrites - f0.adWrites }, where).toEqual({ reads, adWrites: writes });
      expect({ reads: t1.entryReads - t0.entryReads, adWrites: t1.adWrites - t0.adWrites }, where).toEqual({ reads, adWrites: writes });
      for (const ea of written) {
        expect(Buffer.compare(traced.phys.bytes.subarray(ea, ea + 8), fast.phys.bytes.subarray(ea, ea + 8)), `${where}: entry at 0x${ea.toString(16)}`).toBe(0);
      }
    }
  } finally {
    for (const ea of written) { fast.phys.bytes.fill(0, ea, ea + 8); traced.phys.bytes.fill(0, ea, ea + 8); }
  }
}

describe("the Fast and Traced walkers", () => {
  test(`agree on PA, attributes, faults, A/D bits and counts for ${RUNS} random tables in every paging mode`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, check), { numRuns: RUNS });
    const total = seen.ok + seen.PF + seen.GP + seen.BUS;
    expect(seen.ok / total).toBeGreaterThan(0.05);
    for (const kind of ["PF", "GP", "BUS"] as const) expect(seen[kind], kind).toBeGreaterThan(0);
    console.log(`walkers: ${RUNS} cases, ${total} accesses:`, seen);
    expect(pairs.size, "every mode was drawn").toBeGreaterThanOrEqual(MODES.length);
  }, 300_000);
});
