// Property: through random sequences of satp switches between address spaces (ASIDs drawn
// from a small set, so two spaces sometimes share one), accesses, leaf changes made without
// a fence (remapped, re-permissioned, made invalid: user pages, 2 MiB/4 MiB superpages, and
// global kernel pages shared by every space) and SFENCE.VMA with all four rs1/rs2 forms
// (rs2 sometimes an ASID no space uses), SUM/MXR flips, the core through each TLB kind never
// gives a translation other than a fresh walk's (src/model/riscvModel.ts) or one a correct
// cache may still hold (src/model/riscvTlbModel.ts: walked since the last fence covering
// it, in this ASID or global, its old rights judged now). So: no stale translation a fence
// should have removed, no foreign one from another ASID, and nothing never walked.
// Leaves always have A and D set: no access writes memory, and a stale entry never needs
// an A/D update.
//
// Mutation check (run below, on the architectural TLB, with fixed seeds): the same property
// over a wrong oracle must fail, or this test could not see the bugs it is for:
//  - an ASID-scoped fence that also drops global entries (RiscvTlbModel.drops without the
//    `e.global` exemption): the core rightly keeps a remapped global kernel page across
//    SFENCE.VMA x0, asid and serves its old PA, which the wrong oracle no longer allows;
//  - an rs1 + rs2 fence that drops the whole ASID (the `holds` test skipped): the core
//    keeps the other pages' stale entries;
//  - no stale entries at all (candidates() empty): the core serves old translations after
//    changes without a fence, as the spec lets it.
// Core mutations, checked by hand (edit, `npm run build:wasm`, run this file; default runs):
//  - rvSfenceVma's ASID-scoped flush given the wrong ASID (archFlushWhere(rule, id + 1)):
//    the arch TLB property fails after 145 sequences;
//  - rvSfenceVma's rs1 = va flush removed (archFlushPage skipped): fails after 54;
//  - rvArchTranslate looking entries up under ASID 0 whatever satp holds: fails after 12;
//  - rvWriteSatp not flushing the untagged fast TLB: the fast TLB property fails after 14.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Machine } from "../../src/machine.js";
import type { RiscvMachine } from "../../src/arch/riscv/machine.js";
import { RiscvModel, type RiscvAccess } from "../../src/model/riscvModel.js";
import { ArrayMemory } from "../../src/model/riscvMemory.js";
import { RiscvTlbModel, type CachedTranslation } from "../../src/model/riscvTlbModel.js";
import type { TlbKind } from "../../src/config.js";

const RUNS = Math.max(1, Math.floor(Number(process.env.WASM_MMU_PROPERTY_RUNS ?? 100_000) / 200));
const RAM_BASE = 0x80000000n;
const RAM = 4 << 20;
const SPACES = 3;
const PAGES = 4;
const MODES = ["sv32", "sv39", "sv48", "sv57"] as const;
type Mode = (typeof MODES)[number];
const GEOM: Record<Mode, { levels: number; bits: number; size: number; vaBits: number }> = {
  sv32: { levels: 2, bits: 10, size: 4, vaBits: 32 },
  sv39: { levels: 3, bits: 9, size: 8, vaBits: 39 },
  sv48: { levels: 4, bits: 9, size: 8, vaBits: 48 },
  sv57: { levels: 5, bits: 9, size: 8, vaBits: 57 },
};
const ACCESSES: RiscvAccess[] = ["read", "write", "fetch"];
const V = 1n, A = 64n, D = 128n, U = 16n, G = 32n;
/** Leaf rights: R, RW, X, RX, RWX (never W without R). */
const PERMS = [2n, 6n, 8n, 10n, 14n];
/** Regions: 0 user 4 KiB pages, 1 global kernel 4 KiB pages (shared tables), 2 one superpage per space. */
type Region = 0 | 1 | 2;

type Op =
  | { op: "switch"; space: number }
  | { op: "access"; region: Region; page: number; offset: number; kind: number; user: boolean }
  | { op: "remap"; region: Region; space: number; page: number; frame: number; perms: number; user: boolean; valid: boolean }
  | { op: "sfence"; rs1: null | { region: Region; page: number; offset: number }; rs2: null | number }
  | { op: "status"; sum: boolean; mxr: boolean };

const region = fc.constantFrom(0 as const, 0 as const, 1 as const, 2 as const);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant("switch" as const), space: fc.nat(SPACES - 1) }) },
  { weight: 10, arbitrary: fc.record({ op: fc.constant("access" as const), region, page: fc.nat(PAGES - 1), offset: fc.nat(0xfff),
    kind: fc.nat(2), user: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("remap" as const), region, space: fc.nat(SPACES - 1), page: fc.nat(PAGES - 1),
    frame: fc.nat(255), perms: fc.nat(PERMS.length - 1), user: fc.boolean(), valid: fc.nat(5).map((x) => x !== 0) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("sfence" as const),
    rs1: fc.option(fc.record({ region, page: fc.nat(PAGES - 1), offset: fc.nat(0xfff) }), { freq: 2 }),
    rs2: fc.option(fc.nat(SPACES), { freq: 2 }) }) },            // an index into the case's ASIDs; SPACES = one no space uses
  { weight: 1, arbitrary: fc.record({ op: fc.constant("status" as const), sum: fc.boolean(), mxr: fc.boolean() }) },
);
const caseArb = fc.record({
  mode: fc.constantFrom(...MODES),
  asids: fc.array(fc.nat(3), { minLength: SPACES + 1, maxLength: SPACES + 1 }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 60, size: "max" }),    // long sequences: fills, changes, then fences
});
type Case = { mode: Mode; asids: number[]; ops: Op[] };

const machines = new Map<string, Promise<RiscvMachine>>();
function machineFor(xlen: 32 | 64, kind: TlbKind): Promise<RiscvMachine> {
  const key = `${xlen}/${kind}`;
  let m = machines.get(key);
  if (!m) {
    m = Machine.create({ arch: "riscv", mode: xlen === 32 ? "sv32" : "sv39", ramBytes: RAM, ramBase: RAM_BASE,
      tlb: { kind, itlb: "8/2", dtlb: "8/2", stlb: "64/4" } }) as Promise<RiscvMachine>;
    machines.set(key, m);
  }
  return m;
}

/** The world of one case: page tables in the machine's RAM, the VAs of each region. */
class World {
  readonly g: (typeof GEOM)[Mode];
  readonly view: DataView;
  readonly roots: bigint[] = [];
  private nextTable = 1;
  /** PTE address of each (region, space, page); the kernel region's are shared by all spaces. */
  readonly leafAt = new Map<string, bigint>();

  constructor(readonly mode: Mode, readonly bytes: Uint8Array) {
    this.g = GEOM[mode];
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let s = 0; s < SPACES; s++) this.roots.push(this.newTable());
    const superLevel = 1;
    for (let s = 0; s < SPACES; s++) {
      for (let p = 0; p < PAGES; p++) this.leafAt.set(`0/${s}/${p}`, this.entry(this.roots[s]!, this.va(0, p), 0));
      this.leafAt.set(`2/${s}/0`, this.entry(this.roots[s]!, this.va(2, 0), superLevel));
    }
    for (let p = 0; p < PAGES; p++) this.leafAt.set(`1/0/${p}`, this.entry(this.roots[0]!, this.va(1, p), 0));
    // Every space shares space 0's kernel tables: copy the root entry that leads to them.
    const top = this.g.levels - 1;
    const kIdx = this.index(this.va(1, 0), top);
    for (let s = 1; s < SPACES; s++) this.write(this.roots[s]! + kIdx * BigInt(this.g.size), this.read(this.roots[0]! + kIdx * BigInt(this.g.size)));
  }

  /** VA of page `page` of a region (the superpage region: `page` 4 KiB pages into it). */
  va(r: Region, page: number): bigint {
    const p = BigInt(page) << 12n;
    if (r === 0) return 0x400000n + p;
    if (r === 2) return (this.mode === "sv32" ? 0x800000n : 0x600000n) + p;
    if (this.mode === "sv32") return 0xc0000000n + p;
    return (((1n << 64n) - 1n) << BigInt(this.g.vaBits - 1)) & ((1n << 64n) - 1n) | p;   // lowest canonical upper-half VA
  }
  superShift(): number { return this.mode === "sv32" ? 22 : 21; }

  private newTable(): bigint { return RAM_BASE + BigInt(this.nextTable++) * 4096n; }
  private index(va: bigint, level: number): bigint { return (va >> BigInt(12 + level * this.g.bits)) & ((1n << BigInt(this.g.bits)) - 1n); }
  read(pa: bigint): bigint {
    const off = Number(pa - RAM_BASE);
    return this.g.size === 4 ? BigInt(this.view.getUint32(off, true)) : this.view.getBigUint64(off, true);
  }
  write(pa: bigint, v: bigint): void {
    const off = Number(pa - RAM_BASE);
    if (this.g.size === 4) this.view.setUint32(off, Number(v), true); else this.view.setBigUint64(off, v, true);
  }
  /** The address of the entry for `va` at `level`, making pointer tables on the way. */
  private entry(root: bigint, va: bigint, level: number): bigint {
    let table = root;
    for (let i = this.g.levels - 1; i > level; i--) {
      const ea = table + this.index(va, i) * BigInt(this.g.size);
      let pte = this.read(ea);
      if (!(pte & V)) { pte = ((this.newTable() >> 12n) << 10n) | V; this.write(ea, pte); }
      table = (pte >> 10n) << 12n;
    }
    return table + this.index(va, level) * BigInt(this.g.size);
  }

  /** A leaf: data frames from the upper half of RAM, superpages at an aligned base (maybe past RAM). */
  leaf(r: Region, frame: number, perms: number, user: boolean, valid: boolean): bigint {
    let pa: bigint;
    if (r === 2) pa = RAM_BASE + (BigInt(frame % 3) << BigInt(this.superShift()));   // the last may be past RAM
    else pa = RAM_BASE + BigInt(RAM / 2) + BigInt(frame) * 4096n;
    let pte = ((pa >> 12n) << 10n) | PERMS[perms]! | A | D | (valid ? V : 0n);
    if (r === 1) pte |= G; else if (user) pte |= U;
    return pte;
  }
}

/** The outcome as one comparable string. */
const show = (r: { ok: true; pa: bigint } | { ok: false; fault: string; cause: number }) =>
  r.ok ? `pa 0x${r.pa.toString(16)}` : `${r.fault} ${r.cause}`;

async function runCase(c: Case, kind: TlbKind, tlbModel: () => RiscvTlbModel): Promise<void> {
  const xlen = c.mode === "sv32" ? 32 : 64;
  const m = await machineFor(xlen, kind);
  const bytes = m.phys.bytes;
  bytes.fill(0);
  m.flushTlb();
  m.setControl({ sum: false, mxr: false });                      // the machine is reused: back to reset state
  const w = new World(c.mode, bytes);
  for (let s = 0; s < SPACES; s++) {
    for (let p = 0; p < PAGES; p++) w.write(w.leafAt.get(`0/${s}/${p}`)!, w.leaf(0, s * PAGES + p, 4, p % 2 === 0, true));
    w.write(w.leafAt.get(`2/${s}/0`)!, w.leaf(2, s, 4, false, true));
  }
  for (let p = 0; p < PAGES; p++) w.write(w.leafAt.get(`1/0/${p}`)!, w.leaf(1, 100 + p, 4, false, true));
  const model = new RiscvModel(new ArrayMemory(bytes, RAM_BASE), { xlen });
  const tlb = tlbModel();
  let space = 0, sum = false, mxr = false;
  const load = (s: number) => {
    space = s;
    const satp = m.satpFor(c.mode, c.asids[s]!, w.roots[s]!);
    m.setControl({ satp });
    expect(model.setControl({ satp })).toBe(true);
  };
  load(0);
  for (const o of c.ops) {
    if (o.op === "switch") load(o.space);
    else if (o.op === "status") { sum = o.sum; mxr = o.mxr; m.setControl({ sum, mxr }); model.setControl({ sum, mxr }); }
    else if (o.op === "remap") {
      const key = o.region === 1 ? `1/0/${o.page}` : o.region === 2 ? `2/${o.space}/0` : `0/${o.space}/${o.page}`;
      w.write(w.leafAt.get(key)!, w.leaf(o.region, o.frame, o.perms, o.user, o.valid));
    } else if (o.op === "sfence") {
      const va = o.rs1 === null ? undefined : w.va(o.rs1.region, o.rs1.page) + BigInt(o.rs1.offset);
      const asid = o.rs2 === null ? undefined : c.asids[o.rs2]!;
      m.sfenceVma(va, asid);
      tlb.sfenceVma(va, asid);
    } else {
      const va = w.va(o.region, o.page) + BigInt(o.offset);
      const access = ACCESSES[o.kind]!, priv = o.user ? "U" : "S";
      const fresh = model.translate(va, access, priv, 1);
      const allowed = new Set([show(fresh)]);
      for (const e of tlb.candidates(va, c.asids[space]!)) {
        const r = RiscvTlbModel.outcome(e, va, access, priv, sum, mxr);
        if (r) allowed.add(show(r));
      }
      const got = m.translate(va, access, priv);
      const gotS = got.ok ? show({ ok: true, pa: BigInt(got.pa) }) : show({ ok: false, fault: got.fault.kind, cause: got.fault.cause });
      expect([...allowed], `space ${space} (ASID ${c.asids[space]}) ${access} ${priv} of 0x${va.toString(16)}: core gave ${gotS}`).toContain(gotS);
      if (fresh.ok && gotS === show(fresh)) tlb.fill(va, fresh, c.asids[space]!);
    }
  }
}

describe("RISC-V ASIDs and SFENCE.VMA", () => {
  for (const kind of ["arch", "fast", "none"] as const) {
    test(`${kind} TLB: no stale, foreign or never-walked translation after switches, changes and fences`, async () => {
      await fc.assert(fc.asyncProperty(caseArb, (c) => runCase(c, kind, () => new RiscvTlbModel())), { numRuns: RUNS });
    }, 300_000);
  }

  // The mutation check of the doc comment: a wrong oracle must make the property fail.
  class GlobalsDroppedByAsidFence extends RiscvTlbModel {
    protected override drops(e: CachedTranslation, vaddr: bigint | undefined, asid: number | undefined): boolean {
      if (asid !== undefined && e.asid !== asid && !e.global) return false;   // global entries no longer exempt
      return vaddr === undefined || this.holds(e, vaddr);
    }
  }
  class WholeAsidByPageFence extends RiscvTlbModel {
    protected override drops(e: CachedTranslation, vaddr: bigint | undefined, asid: number | undefined): boolean {
      if (asid !== undefined) return !e.global && e.asid === asid;             // rs1 ignored when rs2 is given
      return vaddr === undefined || this.holds(e, vaddr);
    }
  }
  class NoStaleEntries extends RiscvTlbModel {
    override candidates(): CachedTranslation[] { return []; }
  }
  for (const [name, make] of [
    ["an ASID-scoped fence dropping global entries", () => new GlobalsDroppedByAsidFence()],
    ["a page-and-ASID fence dropping the whole ASID", () => new WholeAsidByPageFence()],
    ["no stale entry allowed", () => new NoStaleEntries()],
  ] as const) {
    test(`mutation check: the property fails with ${name}`, async () => {
      const r = await fc.check(fc.asyncProperty(caseArb, (c) => runCase(c, "arch", make)), { numRuns: 2000, seed: 11 });
      expect(r.failed, `${name}: no sequence told the wrong oracle apart`).toBe(true);
    }, 300_000);
  }
});
