// The architectural TLB in every geometry: direct-mapped, small, 16/32 ways, more than 32
// ways (a set is scanned in chunks of 64 ways), fully associative up to the STLB's
// 1536 entries, sets that are not a power of two. Each behaves as true LRU says: hand-
// checked cases, and random streams against the plain TypeScript TLB (src/model/tlbModels.ts).
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Machine } from "../../src/machine.js";
import { PageTableBuilder } from "../../src/arch/x86/pageTable.js";
import { X86Model } from "../../src/model/x86Model.js";
import { TsArchTlb } from "../../src/model/tlbModels.js";
import { ReplayEngine } from "../../src/trace/engine.js";

const BASE = 0x400000;                 // page i is at BASE + i * 4 KiB
const MAX_PAGES = 4096;
/** Page i's frame: 1024 frames from 2 MiB up, shared round robin (the TLBs cache page numbers, not frames). */
const frame = (page: number) => 0x200000 + (page % 1024) * 4096;

let tables: { bytes: Uint8Array; cr3: bigint } | undefined;

/** A 4-level machine with MAX_PAGES user pages mapped, all with A and D preset (the tables are built once and copied). */
async function world(itlb: string, dtlb: string, stlb: string) {
  const m = await Machine.create({ ramBytes: 8 << 20, tlb: { kind: "arch", itlb, dtlb, stlb } });
  if (!tables) {
    const pt = new PageTableBuilder(m, { allocBase: 0x100000, allocLimit: 0x200000 });
    for (let i = 0; i < MAX_PAGES; i++) pt.map(BASE + i * 4096, frame(i), 4096, { user: true, accessed: true, dirty: true });
    tables = { bytes: m.phys.bytes.slice(0x100000, 0x200000), cr3: pt.cr3 };
  }
  m.phys.bytes.set(tables.bytes, 0x100000);
  m.setControl({ cr3: tables.cr3 });
  m.tlb.reset();
  return m;
}

const read = (m: Machine, page: number) => {
  const t = m.translate(BASE + page * 4096 + 8, "read", 3);
  if (!t.ok || t.pa !== frame(page) + 8) throw new Error(`page ${page}: ${JSON.stringify(t.ok ? t.pa : t.fault.message)}`);
};
const dtlbHits = (m: Machine) => m.tlb.stats().dtlb!.hits;

describe("fully associative and wide sets (more than 32 ways)", () => {
  test.each([64, 72, 128, 1536])("fully associative with %i ways: every page of a full TLB hits; one more evicts only the least recently used", async (n) => {
    const m = await world("2/2", `${n}/${n}`, "2/2");
    for (let p = 0; p < n; p++) read(m, p);
    expect(m.tlb.stats().dtlb).toMatchObject({ hits: 0, misses: n, evictions: 0 });
    for (let p = n - 1; p >= 0; p--) read(m, p);               // all present: page 0 is now the MRU, page n-1 the LRU
    expect(dtlbHits(m)).toBe(n);
    read(m, n);                                               // evicts page n-1
    expect(m.tlb.stats().dtlb!.evictions).toBe(1);
    m.tlb.reset();
    for (let p = 0; p < n - 1; p++) read(m, p);
    read(m, n);
    expect(m.tlb.stats().dtlb).toMatchObject({ hits: n, misses: 0 });
    read(m, n - 1);
    expect(m.tlb.stats().dtlb).toMatchObject({ hits: n, misses: 1 });
  });

  test("64 ways in 2 sets: pages alternate between the sets (set = vpn mod 2)", async () => {
    const m = await world("2/2", "128/64", "2/2");
    for (let p = 0; p < 128; p++) read(m, p);
    for (let p = 0; p < 128; p++) read(m, p);
    expect(m.tlb.stats().dtlb).toMatchObject({ hits: 128, misses: 128, evictions: 0 });
    read(m, 128);                                              // set 0 is full: its LRU way (page 0) goes
    m.tlb.reset();
    read(m, 1); read(m, 0);
    expect(m.tlb.stats().dtlb).toMatchObject({ hits: 1, misses: 1 });
  });

  test("a cyclic sweep over one page more than a fully associative TLB holds never hits (LRU's worst case)", async () => {
    const m = await world("2/2", "72/72", "2/2");
    for (let round = 0; round < 3; round++) for (let p = 0; p <= 72; p++) read(m, p);
    expect(dtlbHits(m)).toBe(0);
  });

  test("the trace replay's STLB of 64/64 hits", async () => {
    const engine = await ReplayEngine.create({ stlb: "64/64", dtlb: "2/1", itlb: "2/1" });
    const lines = [];
    for (let round = 0; round < 2; round++) for (let p = 0; p < 64; p++) lines.push(` L ${(0x10000 + p * 4096).toString(16)},8`);
    engine.push(new TextEncoder().encode(lines.join("\n") + "\n"));
    const s = engine.finish();
    expect({ hits: s.stlb_hits, misses: s.stlb_misses }).toEqual({ hits: 64, misses: 64 });
  });
});

// ── random streams against the TypeScript model ──────────────────────────────────

/** Geometries by class: ways 1, small, 16, 32, more than 32, fully associative; sets often not a power of two. */
const waysClass = fc.oneof(
  fc.constant(1), fc.integer({ min: 2, max: 15 }), fc.constant(16), fc.constant(32), fc.integer({ min: 33, max: 130 }),
);
const geometry = fc.oneof(
  fc.record({ ways: waysClass, sets: fc.integer({ min: 1, max: 12 }) }),
  fc.integer({ min: 1, max: 1536 }).map((ways) => ({ ways, sets: 1 })),           // fully associative
).map(({ ways, sets }) => ({ entries: ways * sets, ways }));

interface Access { page: number; fetch: boolean }

test("random streams: the core's L1 and STLB hits and misses equal the TypeScript true-LRU model's at every access", async () => {
  const runs = Math.max(20, Number(process.env.WASM_MMU_PROPERTY_RUNS ?? 100_000) / 1000);
  await fc.assert(fc.asyncProperty(geometry, geometry, geometry, fc.integer({ min: 1, max: 4 }), fc.infiniteStream(fc.tuple(fc.nat(), fc.boolean())),
    async (itlb, dtlb, stlb, spread, stream) => {
      const g = (x: { entries: number; ways: number }) => `${x.entries}/${x.ways}`;
      const m = await world(g(itlb), g(dtlb), g(stlb));
      // The model walks the machine's own RAM: both set the same A bits, and only the TLBs are compared.
      const model = new X86Model(m.phys.bytes, { maxPhyAddr: 40 });
      model.setControl({ mode: "4level", wp: true, pse: false, pge: false, smep: false, smap: false, pke: false, nxe: true, ac: false, pkru: 0 });
      expect(model.writeCr3(Number(m.control().cr3), 0)).toBe("ok");
      const ts = new TsArchTlb(model, { itlb: [itlb.entries, itlb.ways], dtlb: [dtlb.entries, dtlb.ways], stlb: [stlb.entries, stlb.ways] });
      // Pages drawn from a range about `spread` times the STLB, so sets fill, hit and evict.
      const pages = Math.min(MAX_PAGES, Math.max(4, Math.ceil(stlb.entries * spread / 2)));
      const length = Math.min(3000, 4 * (stlb.entries + dtlb.entries) + 50);
      const it = stream[Symbol.iterator]();
      for (let i = 0; i < length; i++) {
        const [r, fetch] = it.next().value as [number, boolean];
        const a: Access = { page: r % pages, fetch };
        const va = BASE + a.page * 4096;
        const t = m.translate(va, a.fetch ? "fetch" : "read", 3);
        const want = ts.translate(va >>> 0, 0, (a.fetch ? 2 : 0) | 4);
        if ((t.ok ? t.pa : -1) !== want) expect(t.ok ? t.pa : -1).toBe(want);
        if (i % 64 !== 63 && i !== length - 1) continue;        // counters compared every 64 accesses and at the end
        const s = m.tlb.stats();
        const got = [s.itlb!.hits, s.itlb!.misses, s.dtlb!.hits, s.dtlb!.misses, s.stlb!.hits, s.stlb!.misses];
        const exp = [ts.itlbHits, ts.itlbMisses, ts.dtlbHits, ts.dtlbMisses, ts.stlbHits, ts.stlbMisses];
        if (got.join() !== exp.join()) {
          expect({ access: i, ...a, itlb: g(itlb), dtlb: g(dtlb), stlb: g(stlb), counters: got })
            .toEqual({ access: i, ...a, itlb: g(itlb), dtlb: g(dtlb), stlb: g(stlb), counters: exp });
        }
      }
    }), { numRuns: runs });
}, 600_000);
