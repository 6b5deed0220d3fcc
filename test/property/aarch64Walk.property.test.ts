// Property: for random AArch64 tables (every granule, per range), random TCR/TTBR/WXN/PAN/
// UAO and random accesses (EL0, EL1, LDTR/STTR, tagged and out-of-range VAs), the core,
// through each TLB kind, never traps, never writes outside the descriptors, and agrees
// with the plain TypeScript model (src/model/aarch64Model.ts) on every outcome (PA, or
// fault kind, level, ESR and FAR) and on every descriptor after the accesses (AF, dirty
// state). WASM_MMU_PROPERTY_RUNS sets the number of cases (default 100,000, each a table
// and control state with up to 6 accesses; ~350,000 accesses). The time goes to the model,
// the core and fast-check's generation in about equal parts: the checks compare plainly and
// call expect() only on a difference (expect's own cost was the largest share), and the
// final "RAM back to zero" check is one memcmp per machine, not a closure per byte.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { AArch64Machine } from "../../src/arch/aarch64/machine.js";
import { AArch64Model, type A64Access } from "../../src/model/aarch64Model.js";
import type { TlbKind } from "../../src/config.js";

const RUNS = Math.max(50, Number(process.env.WASM_MMU_PROPERTY_RUNS ?? 100_000));
const BASE = 0x40000000;
const RAM = 4 << 20;                       // 64 slots of 64 KiB: tables in slots 1..12, leaves anywhere
const TABLES = 12;
const KINDS: A64Access[] = ["read", "write", "fetch", "read_unpriv", "write_unpriv"];
const TLB_KINDS: TlbKind[] = ["none", "fast", "arch"];
const GRAN_BITS = { "4k": 12, "16k": 14, "64k": 16 } as const;
type Gran = keyof typeof GRAN_BITS;

interface DescSpec { kind: number; slot: number; far: bigint; offset: number; attrs: bigint; high: bigint }
interface Case {
  tlb: TlbKind; quirks: "arm" | "qemu"; paRange: number; lva: boolean;
  gran: [Gran, Gran]; txsz: [number, number]; tcrBits: bigint; ips: number; asid: [number, number];
  ttbrLow: [number, number]; wxn: boolean; pan: boolean; uao: boolean;
  descs: DescSpec[]; targets: { range: number; bits: bigint; tag: number; flip: number }[];
  accesses: { target: number; offset: number; kind: number; el: 0 | 1 }[];
}

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const descSpec: fc.Arbitrary<DescSpec> = fc.record({
  // 0 invalid, 1-5 table, 6-7 block, 8-9 page (bits 1:0 = 11 at level 3), 10 "01"
  kind: fc.integer({ min: 0, max: 10 }),
  slot: fc.integer({ min: 0, max: 63 }),
  far: fc.oneof({ weight: 9, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.integer({ min: 30, max: 51 }).map((b) => 1n << BigInt(b)) }),
  offset: fc.nat(63),
  // AP, AF (mostly set), nG, DBM, PXN, UXN, table bits 59..62, RES0/ignored bits now and then
  attrs: fc.record({
    ap: fc.nat(3), af: fc.integer({ min: 0, max: 5 }).map((x) => x !== 0), ng: fc.boolean(), dbm: fc.boolean(),
    pxn: fc.integer({ min: 0, max: 3 }).map((x) => x === 0), uxn: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
    tbl: fc.integer({ min: 0, max: 15 }).map((x) => (x < 8 ? 0 : x)),
  }).map((a) => (BigInt(a.ap) << 6n) | (a.af ? 1n << 10n : 0n) | (a.ng ? 1n << 11n : 0n) | (a.dbm ? 1n << 51n : 0n)
    | (a.pxn ? 1n << 53n : 0n) | (a.uxn ? 1n << 54n : 0n) | (BigInt(a.tbl) << 59n)),
  high: fc.oneof({ weight: 8, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.integer({ min: 12, max: 47 }).map((b) => 1n << BigInt(b)) },
    { weight: 1, arbitrary: fc.integer({ min: 55, max: 63 }).map((b) => 1n << BigInt(b)) }),
});
const gran = fc.constantFrom<Gran>("4k", "16k", "64k");
const txsz = fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 16, max: 39 }) }, { weight: 1, arbitrary: fc.nat(63) });
const caseArb: fc.Arbitrary<Case> = fc.record({
  tlb: fc.constantFrom(...TLB_KINDS), quirks: fc.constantFrom("arm" as const, "qemu" as const),
  paRange: fc.constantFrom(40, 44, 48, 52), lva: fc.boolean(),
  gran: fc.tuple(gran, gran), txsz: fc.tuple(txsz, txsz),
  // EPD0/1, A1, AS, TBI0/1, HA, HD, HPD0/1, TBID0/1, E0PD0/1, each set now and then
  tcrBits: fc.array(fc.constantFrom(7, 23, 22, 36, 37, 38, 39, 39, 40, 40, 41, 42, 51, 52, 55, 56), { maxLength: 5 })
    .map((bs) => bs.reduce((t, b) => t | (1n << BigInt(b)), 0n)),
  ips: fc.nat(7), asid: fc.tuple(fc.nat(0xffff), fc.nat(0xffff)),
  ttbrLow: fc.tuple(fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(0xffff) }), fc.constant(0)),
  wxn: fc.boolean(), pan: fc.boolean(), uao: fc.boolean(),
  descs: fc.array(descSpec, { minLength: 1, maxLength: 16 }),
  targets: fc.array(fc.record({
    range: fc.nat(1), bits: u64, tag: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(255) }),
    flip: fc.oneof({ weight: 8, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(63) }),
  }), { minLength: 1, maxLength: 3 }),
  accesses: fc.array(fc.record({ target: fc.nat(7), offset: fc.nat(0x3fff).map((x) => x & ~7), kind: fc.nat(4), el: fc.constantFrom(0 as const, 1 as const) }),
    { minLength: 1, maxLength: 6 }),
});

const machines = new Map<string, Promise<AArch64Machine>>();
function machineFor(c: Case): Promise<AArch64Machine> {
  const key = `${c.tlb}/${c.quirks}/${c.paRange}/${c.lva}`;
  let m = machines.get(key);
  if (!m) {
    m = AArch64Machine.create({ arch: "aarch64", ramBytes: RAM, paRange: c.paRange, lva: c.lva, quirks: c.quirks, tlb: { kind: c.tlb } });
    machines.set(key, m);
  }
  return m;
}
const modelRam = new Uint8Array(RAM);
const seen: Record<string, number> = { ok: 0 };

/** The TCR of a case, with its granules in their TG0/TG1 encodings. */
function tcrOf(c: Case): bigint {
  const tg0 = { "4k": 0n, "16k": 2n, "64k": 1n }[c.gran[0]], tg1 = { "4k": 2n, "16k": 1n, "64k": 3n }[c.gran[1]];
  return BigInt(c.txsz[0]) | (tg0 << 14n) | (BigInt(c.txsz[1]) << 16n) | (tg1 << 30n) | (BigInt(c.ips) << 32n) | c.tcrBits;
}

/** Descriptors along each target's path in both ranges' tables, in one RAM image (offsets from BASE). */
function build(c: Case, model: AArch64Model, ram: Uint8Array): { written: number[]; vas: bigint[] } {
  const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  const written: number[] = [];
  let next = 0;
  const vas = c.targets.map((t) => {
    let va = t.bits;
    if (t.range === 1) va |= 1n << 55n; else va &= ~(1n << 55n);
    const p = model.params(va);
    // In range for its TxSZ (bits above equal bit 55), then maybe a tag or a flipped bit.
    const mask = (1n << BigInt(p.inputBits)) - 1n;
    va = t.range === 1 ? va | ~mask & ((1n << 64n) - 1n) : va & mask;
    if (t.tag >= 0) va = (va & ((1n << 56n) - 1n)) | (BigInt(t.tag) << 56n);
    if (t.flip >= 0) va ^= 1n << BigInt(t.flip);
    return va;
  });
  for (const va of vas) {
    const p = model.params(va);
    let table = Number(p.base);
    for (let level = p.startLevel; level <= 3; level++) {
      const shift = p.granuleBits + p.stride * (3 - level);
      const width = level === p.startLevel ? p.inputBits - shift : p.stride;
      const ea = table + Number((va >> BigInt(shift)) & ((1n << BigInt(width)) - 1n)) * 8;
      const off = ea - BASE;
      if (off < 0 || off + 8 > RAM) break;
      if (!written.includes(off)) {
        const s = c.descs[next++ % c.descs.length]!;
        const g = GRAN_BITS[p.granule];
        let d: bigint;
        if (s.kind === 0) d = s.attrs & ~1n;
        else if (s.kind <= 5 && level < 3) d = BigInt(BASE + (1 + (s.slot % TABLES)) * 0x10000) | s.far | 3n | s.attrs;
        else {
          // A leaf: an OA aligned to this level's size, inside RAM most of the time.
          const size = 1n << BigInt(shift);
          const oa = (BigInt(BASE) + BigInt(s.slot) * 0x10000n + BigInt(s.offset) * (1n << BigInt(g))) & ~(size - 1n);
          d = oa | s.far | s.attrs | (s.kind === 10 || (s.kind <= 7 && level < 3) ? 1n : 3n);
        }
        d |= s.high;
        view.setBigUint64(off, d & ((1n << 64n) - 1n), true);
        written.push(off);
      }
      const d = view.getBigUint64(off, true);
      if ((d & 3n) !== 3n || level === 3) break;
      table = Number(d & 0xfffffffff000n & ~((1n << BigInt(p.granuleBits)) - 1n));
    }
  }
  return { written, vas };
}

const where = (va: bigint, kind: A64Access, el: number, tcr: bigint): string =>
  `va=0x${va.toString(16)} ${kind} EL${el} tcr=0x${tcr.toString(16)}`;

async function check(c: Case): Promise<void> {
  const m = await machineFor(c);
  const coreRam = m.phys.bytes;
  const model = new AArch64Model(modelRam, { ramBase: BASE, paRange: c.paRange, lva: c.lva, quirks: c.quirks });
  const tcr = tcrOf(c);
  // Root tables in slots 1 and 2 (64 KiB aligned: aligned for every granule and size).
  const ttbr = (i: 0 | 1) => BigInt(BASE + (1 + i) * 0x10000 + c.ttbrLow[i]) | (BigInt(c.asid[i]) << 48n);
  const control = { tcr, ttbr0: ttbr(0), ttbr1: ttbr(1), sctlrWxn: c.wxn, pan: c.pan, uao: c.uao };
  model.setControl(control);
  const { written, vas } = build(c, model, coreRam);
  for (const off of written) modelRam.set(coreRam.subarray(off, off + 8), off);
  try {
    m.setControl(control);
    m.flushTlb();
    for (const a of c.accesses) {
      const va = (vas[a.target % vas.length]! + BigInt(a.offset)) & ((1n << 64n) - 1n);
      const kind = KINDS[a.kind]!;
      const el = kind.endsWith("_unpriv") ? 1 : a.el;
      const want = model.translate(va, kind, el);
      const got = m.translate(va, kind, el);
      // Compared plainly first (this loop runs a few hundred thousand times), with expect() for the message.
      if (want.ok) {
        seen.ok!++;
        if (want.pa >= BASE && want.pa < BASE + RAM) {
          if (!got.ok || got.pa !== want.pa) expect(got, where(va, kind, el, tcr)).toEqual({ ok: true, pa: want.pa });
        } else {
          seen.external = (seen.external ?? 0) + 1;
          if (got.ok || got.fault.kind !== "external_abort" || got.fault.fsc !== 0x10 || got.fault.busAddress !== BigInt(want.pa)) {
            expect(got.ok ? null : { kind: got.fault.kind, fsc: got.fault.fsc, bus: got.fault.busAddress }, where(va, kind, el, tcr))
              .toEqual({ kind: "external_abort", fsc: 0x10, bus: BigInt(want.pa) });
          }
        }
      } else {
        seen[want.fault] = (seen[want.fault] ?? 0) + 1;
        if (got.ok || got.fault.kind !== want.fault || got.fault.level !== want.level || got.fault.esr !== want.esr || got.fault.far !== want.far) {
          expect(got.ok ? null : { kind: got.fault.kind, level: got.fault.level, esr: got.fault.esr, far: got.fault.far }, where(va, kind, el, tcr))
            .toEqual({ kind: want.fault, level: want.level, esr: want.esr, far: want.far });
        }
      }
    }
    for (const off of written) {
      if (Buffer.compare(coreRam.subarray(off, off + 8), modelRam.subarray(off, off + 8)) !== 0) {
        expect(Buffer.from(coreRam.subarray(off, off + 8)).toString("hex"), `descriptor at 0x${(BASE + off).toString(16)}`)
          .toBe(Buffer.from(modelRam.subarray(off, off + 8)).toString("hex"));
      }
    }
  } finally {
    for (const off of written) { coreRam.fill(0, off, off + 8); modelRam.fill(0, off, off + 8); }
  }
}

describe("the AArch64 core agrees with the TypeScript model", () => {
  test(`on ${RUNS} random tables, control states and accesses`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, check), { numRuns: RUNS });
    console.log(`aarch64 property: ${RUNS} cases:`, seen);
    const total = Object.values(seen).reduce((a, b) => a + b, 0);
    expect(seen.ok! / total).toBeGreaterThan(0.05);
    for (const k of ["translation", "address_size", "access_flag", "permission", "external_abort"]) expect(seen[k] ?? 0, k).toBeGreaterThan(0);
    // Nothing outside the descriptors was written: every machine's RAM is back to zero.
    const zero = new Uint8Array(RAM);
    for (const p of machines.values()) expect(Buffer.compare((await p).phys.bytes, zero)).toBe(0);
  }, 600_000);
});
