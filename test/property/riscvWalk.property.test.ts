// Property: for random RISC-V page tables (valid and garbage PTEs: every XWR, U, G, A, D,
// N, PBMT and reserved-bit combination, pointers into the tables, into RAM and far outside
// it, misaligned and NAPOT leaves), random control state (Sv32/39/48/57 or Bare, ASID, SUM,
// MXR, menvcfg PBMTE/ADUE, Svnapot/Svpbmt, adMode, quirks, PMP entries of every matching
// kind) and random VAs (canonical or not) with random access kinds at S or U, the core
// through each TLB kind never traps, never writes outside the entries, and agrees with the
// plain TypeScript model (src/model/riscvModel.ts) on every outcome (fault kind, cause,
// tval, PA) and on every entry's bytes afterwards (A/D).
// WASM_MMU_PROPERTY_RUNS sets the number of cases (default 100,000; `npm run test:long`
// runs 1,000,000). Checked by hand that it has teeth: with the model's MXR rule dropped it
// fails after 3 cases, with its PMP check of the Svadu A/D write dropped after 915.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Machine } from "../../src/machine.js";
import type { RiscvMachine } from "../../src/arch/riscv/machine.js";
import { RiscvModel, type RiscvAccess } from "../../src/model/riscvModel.js";
import { ArrayMemory } from "../../src/model/riscvMemory.js";
import { PMP_NA4, PMP_NAPOT, PMP_TOR, type PmpEntry } from "../../src/model/riscvPmp.js";
import type { TlbKind } from "../../src/config.js";

const RUNS = Math.max(1, Number(process.env.WASM_MMU_PROPERTY_RUNS ?? 100_000));
const RAM_BASE = 0x80000000;
const RAM = 1 << 20;                         // 256 frames; PPNs beyond them are outside RAM
const FRAME0 = BigInt(RAM_BASE) >> 12n;
const TABLE_FRAMES = 10;                     // tables live in frames 1..10
const MODES = ["sv32", "sv39", "sv48", "sv57", "bare"] as const;
type Mode = (typeof MODES)[number];
const LEVELS: Record<Exclude<Mode, "bare">, { levels: number; bits: number; size: number; vaBits: number; satp: bigint }> = {
  sv32: { levels: 2, bits: 10, size: 4, vaBits: 32, satp: 1n },
  sv39: { levels: 3, bits: 9, size: 8, vaBits: 39, satp: 8n },
  sv48: { levels: 4, bits: 9, size: 8, vaBits: 48, satp: 9n },
  sv57: { levels: 5, bits: 9, size: 8, vaBits: 57, satp: 10n },
};
const TLB_KINDS: TlbKind[] = ["none", "fast", "arch"];
/** Architectural TLB geometries, one per class (as the x86 property): ways 1, small, 16, 32, more than 32, fully associative. */
const GEOMETRIES = [
  { itlb: "3/1", dtlb: "5/1", stlb: "7/1" },
  { itlb: "6/2", dtlb: "12/4", stlb: "24/3" },
  { itlb: "48/16", dtlb: "16/16", stlb: "80/16" },
  { itlb: "32/32", dtlb: "96/32", stlb: "64/32" },
  { itlb: "66/33", dtlb: "72/72", stlb: "200/100" },
  { itlb: "64/64", dtlb: "128/128", stlb: "1536/1536" },
] as const;
const ACCESSES: RiscvAccess[] = ["read", "write", "fetch"];

interface EntrySpec { frame: "table" | "ram" | "far"; table: number; ramFrame: number; far: bigint; flags: number; high: number; aligned: number }
interface PmpSpec { kind: 0 | 1 | 2 | 3; frame: number; order: number; perms: number }
interface Case {
  mode: Mode; tlb: TlbKind; quirks: "spec" | "qemu"; adMode: "fault" | "update"; svnapot: boolean; svpbmt: boolean;
  asid: number; sum: boolean; mxr: boolean; pbmte: boolean; adue: boolean;
  pmp: PmpSpec[]; catchAll: boolean;
  entries: EntrySpec[]; targets: bigint[]; accesses: { target: number; offset: number; kind: number; user: boolean }[];
  /** Run the accesses as one translateBatch (the core's batch loop) instead of one translate each. */
  batch: boolean;
}

// Flags: V R W X U G A D (bits 0-7) and RSW (9:8): a good leaf (U and G as drawn), a clean
// pointer (G as drawn) or anything (V mostly set), so walks go deep and often succeed.
const LEAF_RIGHTS = [0x2, 0x6, 0x8, 0xa, 0xe];   // R, RW, X, RX, RWX (XWR bits 3:1)
const flagsArb = fc.tuple(fc.nat(0x3ff), fc.nat(15)).map(([r, pick]) => {
  if (pick < 5) return 0xc1 | LEAF_RIGHTS[r % 5]! | (r & 0x330);   // A, D, V, legal rights, U/G/RSW as drawn
  if (pick < 10) return 1 | (r & 0x320);
  return pick < 14 ? r | 1 : r;
});
// High bits (RV64): mostly none; sometimes PBMT, N, reserved 60:54.
const highArb = fc.oneof(
  { weight: 24, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }).map((p) => p << 29) },       // PBMT, bits 62:61 of the PTE (>> 32)
  { weight: 3, arbitrary: fc.constant(1 << 31) },                                     // N
  { weight: 1, arbitrary: fc.integer({ min: 22, max: 28 }).map((b) => 1 << b) },       // one of 60:54
);
const entryArb: fc.Arbitrary<EntrySpec> = fc.record({
  frame: fc.constantFrom("table", "table", "table", "table", "table", "ram", "ram", "far"),
  table: fc.integer({ min: 1, max: TABLE_FRAMES }),
  ramFrame: fc.nat(255),
  far: fc.bigInt({ min: 0n, max: (1n << 44n) - 1n }),
  flags: flagsArb,
  high: highArb,
  aligned: fc.nat(7),                        // 0: NAPOT-shaped PPN (...1000), 1-5: superpage-aligned, 6-7: as drawn
});
const pmpArb: fc.Arbitrary<PmpSpec> = fc.record({
  kind: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),   // OFF, TOR, NA4, NAPOT
  frame: fc.nat(300), order: fc.nat(10), perms: fc.constantFrom(0, 1, 3, 4, 5, 7),
});
const caseArb: fc.Arbitrary<Case> = fc.record({
  mode: fc.constantFrom(...MODES.slice(0, 4), ...MODES.slice(0, 4), "bare" as const),
  tlb: fc.constantFrom(...TLB_KINDS), quirks: fc.constantFrom("spec" as const, "qemu" as const),
  adMode: fc.constantFrom("fault" as const, "update" as const), svnapot: fc.boolean(), svpbmt: fc.boolean(),
  asid: fc.nat(0x1ff), sum: fc.boolean(), mxr: fc.boolean(), pbmte: fc.boolean(), adue: fc.nat(4).map((x) => x !== 0),
  pmp: fc.array(pmpArb, { maxLength: 3 }), catchAll: fc.nat(7).map((x) => x !== 0),
  entries: fc.array(entryArb, { minLength: 1, maxLength: 24 }),
  targets: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 1, maxLength: 4 }),
  accesses: fc.array(fc.record({ target: fc.nat(7), offset: fc.nat(0xffff), kind: fc.nat(2), user: fc.boolean() }), { minLength: 1, maxLength: 8 }),
  batch: fc.nat(4).map((x) => x === 0),
});

/**
 * One machine per (XLEN, TLB kind, quirks, adMode, extensions), reused with RAM cleaned; RV64
 * ones switch modes by satp. Architectural-TLB machines take the geometry classes in turn.
 */
const machines = new Map<string, Promise<RiscvMachine>>();
const geometriesUsed = new Set<number>();
function machineFor(c: Case): Promise<RiscvMachine> {
  const xlen = c.mode === "sv32" ? 32 : 64;
  const ext = xlen === 64 ? { svnapot: c.svnapot, svpbmt: c.svpbmt } : { svnapot: false, svpbmt: false };
  const key = `${xlen}/${c.tlb}/${c.quirks}/${c.adMode}/${ext.svnapot}/${ext.svpbmt}`;
  let m = machines.get(key);
  if (!m) {
    const g = c.tlb === "arch" ? [...machines.keys()].filter((k) => k.includes("/arch/")).length % GEOMETRIES.length : -1;
    if (g >= 0) geometriesUsed.add(g);
    m = Machine.create({ arch: "riscv", mode: xlen === 32 ? "sv32" : "sv39", ramBytes: RAM, ramBase: RAM_BASE,
      quirks: c.quirks, adMode: c.adMode, extensions: ext, tlb: { kind: c.tlb, ...(g >= 0 ? GEOMETRIES[g] : {}) } }) as Promise<RiscvMachine>;
    machines.set(key, m);
  }
  return m;
}
const modelBytes = new Uint8Array(RAM);
const seen = { ok: 0, page_fault: 0, access_fault: 0 };

/** The VAs: sign-extended for the mode most of the time (non-canonical otherwise), 32 bits on Sv32. */
function vasFor(c: Case): bigint[] {
  return c.targets.map((t, i) => {
    if (c.mode === "sv32") return t & (i % 2 === 0 ? 0xffcfffffn : 0xffffffffn);
    if (c.mode === "bare") return BigInt(RAM_BASE) + (t % BigInt(2 * RAM));    // half in RAM, half beyond
    const w = BigInt(LEVELS[c.mode].vaBits);
    if (i % 4 === 3) return t;                                                  // anything, often non-canonical
    // Half the time VA bits 29:20 are clear, so a superpage's offset stays inside the 1 MiB of RAM.
    const low = t & ((1n << w) - 1n) & (i % 2 === 0 ? ~(0x3ffn << 20n) : -1n);
    return low >> (w - 1n) ? low | (((1n << 64n) - 1n) ^ ((1n << w) - 1n)) : low;
  });
}

/** Write the entries along the targets' paths in the core's RAM; returns the entries' offsets. */
function buildTables(c: Case, bytes: Uint8Array, vas: bigint[]): number[] {
  if (c.mode === "bare") return [];
  const g = LEVELS[c.mode];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const written: number[] = [];
  let next = 0;
  for (const va of vas) {
    let table = 1;                                                  // root in frame 1
    for (let i = g.levels - 1; i >= 0; i--) {
      const idx = Number((va >> BigInt(12 + i * g.bits)) & ((1n << BigInt(g.bits)) - 1n));
      const off = table * 4096 + idx * g.size;
      if (!written.includes(off)) {
        const s = c.entries[next++ % c.entries.length]!;
        let ppn = s.frame === "table" ? FRAME0 + BigInt(s.table) : s.frame === "ram" ? FRAME0 + BigInt(s.ramFrame) : s.far;
        // Sv32: half the far entries are a RAM frame's alias 4, 8 or 12 GiB up (34-bit PAs): under
        // quirks "qemu" PMP sees such a table at its address mod 4 GiB, over the RAM's PMP entries.
        if (s.frame === "far" && g.size === 4 && (s.far & 1n)) ppn = ((1n + (s.far >> 1n) % 3n) << 20n) | (FRAME0 + BigInt(s.ramFrame));
        if (s.flags & 0xa) {                                        // a leaf: NAPOT-shaped, superpage-aligned or as drawn
          if (s.aligned === 0) ppn = (ppn & ~0xfn) | 8n;
          else if (s.aligned < 6 && i > 0) ppn &= ~((1n << BigInt(g.bits * i)) - 1n);
        }
        if (g.size === 4) view.setUint32(off, Number((((ppn & 0x3fffffn) << 10n) | BigInt(s.flags)) & 0xffffffffn), true);
        else view.setBigUint64(off, ((ppn & ((1n << 44n) - 1n)) << 10n) | BigInt(s.flags) | (BigInt(s.high >>> 0) << 32n), true);
        written.push(off);
      }
      const pte = g.size === 4 ? BigInt(view.getUint32(off, true)) : view.getBigUint64(off, true);
      const nextFrame = Number(((pte >> 10n) & ((1n << 44n) - 1n)) - FRAME0);
      if ((pte & 0xfn) !== 1n || nextFrame < 1 || nextFrame > TABLE_FRAMES) break;   // the walk decides what the rest means
      table = nextFrame;
    }
  }
  return written;
}

/** PMP entries in RAM's frames (and a little past it), every matching kind, permissions never W without R. */
function pmpFor(c: Case): PmpEntry[] {
  const out: PmpEntry[] = c.pmp.map((p) => {
    const base = BigInt(RAM_BASE) + BigInt(p.frame) * 4096n;
    if (p.kind === 1) return { cfg: (PMP_TOR << 3) | p.perms, addr: (base + (BigInt(p.order) << 12n)) >> 2n };
    if (p.kind === 2) return { cfg: (PMP_NA4 << 3) | p.perms, addr: (base + BigInt(p.order * 8)) >> 2n };
    if (p.kind === 3) {
      const size = 4096n << BigInt(p.order % 6);
      return { cfg: (PMP_NAPOT << 3) | p.perms, addr: ((base & ~(size - 1n)) >> 2n) | ((size >> 3n) - 1n) };
    }
    return { cfg: 0, addr: base >> 2n };
  });
  if (c.catchAll) out.push({ cfg: (PMP_NAPOT << 3) | 7, addr: (1n << (c.mode === "sv32" ? 32n : 54n)) - 1n });
  return out;
}

async function check(c: Case): Promise<void> {
  const m = await machineFor(c);
  const bytes = m.phys.bytes;
  const vas = vasFor(c);
  const written = buildTables(c, bytes, vas);
  const size = c.mode === "sv32" ? 4 : 8;
  for (const off of written) modelBytes.set(bytes.subarray(off, off + size), off);
  const xlen = c.mode === "sv32" ? 32 : 64;
  const pmp = pmpFor(c);
  const model = new RiscvModel(new ArrayMemory(modelBytes, BigInt(RAM_BASE)), {
    xlen, quirks: c.quirks, adMode: c.adMode, svnapot: xlen === 64 && c.svnapot, svpbmt: xlen === 64 && c.svpbmt, pmp,
  });
  try {
    const satp = c.mode === "bare" ? 0n : m.satpFor(c.mode, xlen === 32 ? c.asid : c.asid * 97, BigInt(RAM_BASE) + 4096n);
    const menvcfg = (c.pbmte ? 1n << 62n : 0n) | (c.adue ? 1n << 61n : 0n);
    m.setPmp(pmp);
    m.setControl({ satp, sum: c.sum, mxr: c.mxr, menvcfg });
    m.flushTlb();                                                   // the tables changed since the last case
    if (!model.setControl({ satp, sum: c.sum, mxr: c.mxr, menvcfg })) throw new Error(`model refused satp 0x${satp.toString(16)}`);
    const kept = m.control().menvcfg;
    if (kept !== model.control.menvcfg) expect(kept, "menvcfg as kept").toBe(model.control.menvcfg);
    const items = c.accesses.map((a) => ({
      va: (vas[a.target % vas.length]! + BigInt(a.offset)) & (xlen === 32 ? 0xffffffffn : (1n << 64n) - 1n),
      kind: ACCESSES[a.kind]!, priv: a.user ? "U" as const : "S" as const,
    }));
    const batch = c.batch ? m.translateBatch(items) : null;
    for (const [i, { va, kind, priv }] of items.entries()) {
      const where = `${c.mode} va=0x${va.toString(16)} ${kind} ${priv}${batch ? ` (batch item ${i})` : ""}`;
      const want = model.translate(va, kind, priv, 1);
      const got = batch ? batch[i]! : m.translate(va, kind, priv);
      seen[want.ok ? "ok" : want.fault]++;
      // Compared plainly first (this loop runs a few hundred thousand times), with expect() for the message.
      if (want.ok) {
        if (!got.ok || BigInt(got.pa) !== want.pa) {
          expect(got.ok ? BigInt(got.pa) : `${got.fault.kind} ${got.fault.cause} (${got.fault.message})`, where).toBe(want.pa);
        }
      } else if (got.ok || got.fault.kind !== want.fault || got.fault.cause !== want.cause || got.fault.tval !== want.tval) {
        expect(got.ok ? `ok pa=0x${got.pa.toString(16)}` : { fault: got.fault.kind, cause: got.fault.cause, tval: got.fault.tval }, `${where} (${want.rule})`)
          .toEqual({ fault: want.fault, cause: want.cause, tval: want.tval });
      }
    }
    for (const off of written) {
      const core = bytes.subarray(off, off + size), mine = modelBytes.subarray(off, off + size);
      if (Buffer.compare(core, mine) !== 0) {
        expect(`0x${Buffer.from(core).reverse().toString("hex")}`, `entry at 0x${(RAM_BASE + off).toString(16)}`).toBe(`0x${Buffer.from(mine).reverse().toString("hex")}`);
      }
    }
  } finally {
    for (const off of written) { bytes.fill(0, off, off + size); modelBytes.fill(0, off, off + size); }
  }
}

describe("the RISC-V core agrees with the TypeScript model", () => {
  test(`on ${RUNS} random page tables, control states, PMP tables and accesses`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, check), { numRuns: RUNS });
    const total = seen.ok + seen.page_fault + seen.access_fault;
    console.log(`riscv walk property: ${RUNS} cases, ${total} accesses:`, seen);
    // Successes and both fault kinds each in a real share of the accesses.
    if (RUNS >= 1000) {
      for (const k of ["ok", "page_fault", "access_fault"] as const) expect(seen[k] / total, k).toBeGreaterThan(0.05);
      expect(geometriesUsed.size, "architectural TLB geometry classes exercised").toBe(GEOMETRIES.length);
    }
    // Nothing outside the entries was written: every machine's RAM is back to zero.
    // (One memcmp per machine: a closure per byte cost a second or more.)
    const zero = new Uint8Array(RAM);
    for (const p of machines.values()) expect(Buffer.compare((await p).phys.bytes, zero)).toBe(0);
  }, 600_000);
});
