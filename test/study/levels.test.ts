// The levels form, worked by hand. Pages A = 0x1000, B = 0x2000, C = 0x3000 take frames
// 0x104, 0x105, 0x106 (the four page-table pages 0x100..0x103 come first). Outcomes as
// replay codes them: 0 a hit in the path's first level, 1 in a later one, 2 a walk, 3 a
// walk that takes the page's fault.
//
// Inclusion: l1i (fetch, 1/1), l1d (load + store, 1/1), l2 (all kinds, 2/2, true LRU):
//
//   record   non-inclusive               inclusive                          exclusive (victim l2)
//   1 L A    walk+fault; l2 {A} l1d A    same                               walk+fault; l1d A (l2 not filled)
//   2 I B    walk+fault; l2 {A B} l1i B  same                               walk+fault; l1i B
//   3 I C    walk+fault; l2 evicts A:    l2 evicts A and back-invalidates   walk+fault; l1i evicts B -> l2 {B}
//            l2 {B C}; l1i C             it in l1d; l1i C                   (victim fill 1); l1i C
//   4 L A    l1d hit                     l1d miss, l2 miss: walk; l2 evicts l1d hit
//                                        B (in no l1: nothing removed) {C A}
//   5 I C    l1i hit                     l1i hit                            l1i hit
//   6 I B    l1i miss, l2 hit; l1i B     l1i miss, l2 miss: walk; l2 evicts l1i miss, l2 hit: B moves up (out of l2),
//            (l2 order C, B)             C, back-invalidated from l1i; l1i  l1i evicts C -> l2 {C} (victim fill 2)
//                                        takes B into the freed way
//   7 I C    l1i miss, l2 hit            l1i miss, l2 miss: walk; l2 evicts l1i miss, l2 hit: C moves up, B down
//                                        A, back-invalidated from l1d       (victim fill 3)
//
//   non-inclusive: 3 walks; l1i 5 accesses 1 hit 4 misses; l1d 2 / 1 / 1; l2 5 / 2 / 3.
//     outcomes 3 3 3 0 0 1 1
//   inclusive: 6 walks (3 faults); l1i 5 / 1 / 4; l1d 2 / 0 / 2; l2 6 / 0 / 6, 3 back-invalidations.
//     outcomes 3 3 3 2 0 2 2
//   exclusive: 3 walks; l1i 5 / 1 / 4; l1d 2 / 1 / 1; l2 5 / 2 / 3, 3 victim fills.
//     outcomes 3 3 3 0 0 1 1 (as non-inclusive: the same hits, in other places)
import { describe, expect, test } from "vitest";
import { checkConfig, expandConfigurations, parseSweep } from "../../src/study/config.js";
import { runStudy } from "../../src/study/study.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { readConstants } from "../../src/core/constants.js";
import { instantiateCore } from "../../src/core/wasm.js";

const outputSchema = JSON.parse(readFileSync(fileURLToPath(new URL("../../schemas/study-output.schema.json", import.meta.url)), "utf8"));

const SAMPLE = fileURLToPath(new URL("../../data/sample.lackey.gz", import.meta.url));

const A = 0x104000, B = 0x105000, C = 0x106000;
const INCLUSION_TRACE = Buffer.from(" L 00001000,4\nI  00002000,4\nI  00003000,4\n L 00001000,4\nI  00003000,4\nI  00002000,4\nI  00003000,4\n");

function fnv(pairs: [number, number][]): string {
  let h = 0xcbf29ce484222325n;
  const byte = (b: bigint) => { h = ((h ^ b) * 0x100000001b3n) & 0xffffffffffffffffn; };
  for (const [pa, outcome] of pairs) {
    for (let i = 0n; i < 8n; i++) byte((BigInt(pa) >> (8n * i)) & 0xffn);
    byte(BigInt(outcome));
  }
  return h.toString(16).padStart(16, "0");
}

const level = (name: string, accesses: number, hits: number, more: Record<string, number> = {}) => ({
  name, accesses, hits, misses: accesses - hits, accesses_4k: accesses, hits_4k: hits, misses_4k: accesses - hits,
  accesses_2m: 0, hits_2m: 0, misses_2m: 0, back_invalidations: 0, victim_fills: 0, ...more,
});

async function run(trace: Buffer | string, h: Record<string, unknown>, options: { warmup?: number; interval?: number; detail?: boolean } = {}) {
  return (await runStudy([trace], expandConfigurations(checkConfig(h), []), { ...options, jobs: 1 }))[0]!.element;
}

const split = (inclusion: string) => ({
  levels: [
    { name: "l1i", serves: ["fetch"], tlb: "1/1" },
    { name: "l1d", serves: ["load", "store"], tlb: "1/1" },
    { name: "l2", serves: ["fetch", "load", "store"], tlb: "2/2", inclusion },
  ],
});

describe("inclusion", () => {
  test("non-inclusive: no back-invalidation, the l2 keeps what the l1s evict", async () => {
    const { report } = await run(INCLUSION_TRACE, split("non-inclusive"));
    expect(report).toMatchObject({ translations: 7, walks: 3, walks_4k: 3, walks_2m: 0, page_faults: 3, outcome_hash: fnv([[A, 3], [B, 3], [C, 3], [A, 0], [C, 0], [B, 1], [C, 1]]) });
    expect(report.levels).toEqual([level("l1i", 5, 1), level("l1d", 2, 1), level("l2", 5, 2)]);
    expect(report).not.toHaveProperty("itlb_hits");
  });
  test("inclusive: an l2 eviction removes the entry from the l1s (back-invalidation)", async () => {
    const { report } = await run(INCLUSION_TRACE, split("inclusive"));
    expect(report).toMatchObject({ walks: 6, page_faults: 3, outcome_hash: fnv([[A, 3], [B, 3], [C, 3], [A, 2], [C, 0], [B, 2], [C, 2]]) });
    expect(report.levels).toEqual([level("l1i", 5, 1), level("l1d", 2, 0), level("l2", 6, 0, { back_invalidations: 3 })]);
  });
  test("exclusive: the l2 holds only the l1s' victims, a hit moves the entry up", async () => {
    const { report } = await run(INCLUSION_TRACE, split("exclusive"));
    expect(report).toMatchObject({ walks: 3, page_faults: 3, outcome_hash: fnv([[A, 3], [B, 3], [C, 3], [A, 0], [C, 0], [B, 1], [C, 1]]) });
    expect(report.levels).toEqual([level("l1i", 5, 1), level("l1d", 2, 1), level("l2", 5, 2, { victim_fills: 3 })]);
  });
});

describe("inclusion towards the levels of its kinds only", () => {
  // l1i (fetch, 2/2), l1d (load, store, 1/1), l2 (load, store, 1/1, inclusive): fetches
  // never reach the l2, so it includes only the l1d.
  //   I A  l1i miss: walk + fault; l1i {A}
  //   L A  l1d miss, l2 miss: walk; l2 {A}, l1d {A}
  //   L B  l1d miss, l2 miss: walk + fault; the l2 evicts A: removed from the l1d (1
  //        back-invalidation), not from the l1i; l1d {B}
  //   I A  l1i hit
  test("an inclusive l2 of loads and stores leaves the l1i alone", async () => {
    const { report } = await run(Buffer.from("I  00001000,4\n L 00001000,4\n L 00002000,4\nI  00001000,4\n"), {
      levels: [{ name: "l1i", serves: ["fetch"], tlb: "2/2" }, { name: "l1d", serves: ["load", "store"], tlb: "1/1" },
        { name: "l2", serves: ["load", "store"], tlb: "1/1", inclusion: "inclusive" }],
    });
    expect(report).toMatchObject({ walks: 3, page_faults: 2, outcome_hash: fnv([[A, 3], [A, 2], [B, 3], [A, 0]]) });
    expect(report.levels).toEqual([level("l1i", 2, 1), level("l1d", 2, 0), level("l2", 2, 0, { back_invalidations: 1 })]);
  });
});

describe("routing", () => {
  // l1i serves fetches, l1d loads only, l2 every kind, so a store's path is l2 alone:
  //   I A  l1i miss, l2 miss: walk + fault; l2 {A}, l1i {A}           outcome 3
  //   L A  l1d miss, l2 hit; l1d {A}                                  outcome 1 (a later level)
  //   S A  l2 hit: the first level of the store's path                 outcome 0
  test("each kind looks up only its levels; a hit in the path's first level counts as an L1 hit", async () => {
    const { report } = await run(Buffer.from("I  00001000,4\n L 00001000,4\n S 00001000,4\n"), {
      levels: [{ name: "l1i", serves: ["fetch"], tlb: "1/1" }, { name: "l1d", serves: ["load"], tlb: "1/1" }, { name: "l2", serves: ["store", "load", "fetch"], tlb: "2/2" }],
    });
    expect(report).toMatchObject({ translations: 3, walks: 1, page_faults: 1, outcome_hash: fnv([[A, 3], [A, 1], [A, 0]]) });
    expect(report.levels).toEqual([level("l1i", 1, 0), level("l1d", 1, 0), level("l2", 3, 2)]);
  });
});

describe("the levels form equals the fixed form when it describes the same hierarchy", () => {
  // l1i = iTLB (fetch), l1d = dTLB (load, store), l2 = STLB (all), non-inclusive: the same
  // lookups, fills and evictions, so the same counts and outcome hash; small geometries so
  // every level evicts, a wide fully associative STLB and tree-PLRU, walk caches.
  const pairs: [Record<string, unknown>, Record<string, unknown>][] = [
    [{ itlb: "4/2", dtlb: "8/4", stlb: "32/4" }, { l1i: "4/2", l1d: "8/4", l2: "32/4" }],
    [{ itlb: { entries: 8, ways: 8, policy: "plru" }, dtlb: { entries: 16, ways: 4, policy: "fifo" }, stlb: "64/64" },
     { l1i: { entries: 8, ways: 8, policy: "plru" }, l1d: { entries: 16, ways: 4, policy: "fifo" }, l2: "64/64" }],
    [{ stlb: "48/6", walk_caches: { pml4: "2/2", pdpt: "4/4", pde: "8/2" } }, { l1i: "64/8", l1d: "64/4", l2: "48/6", walk_caches: { pml4: "2/2", pdpt: "4/4", pde: "8/2" } }],
    [{ page_size: 2097152, itlb: "2/2", dtlb: "2/1", stlb: "4/2" }, { page_size: 2097152, l1i: "2/2", l1d: "2/1", l2: "4/2" }],
    // The THP-like policy: mixed page sizes and promotion markers, shared arrays keyed as the fixed form keys them.
    [{ page_size: "thp:1", itlb: "4/2", dtlb: "8/4", stlb: "32/4", walk_caches: { pde: "8/2" } }, { page_size: "thp:1", l1i: "4/2", l1d: "8/4", l2: "32/4", walk_caches: { pde: "8/2" } }],
    [{ page_size: "thp:8", stlb: "64/64" }, { page_size: "thp:8", l1i: "64/8", l1d: "64/4", l2: "64/64" }],
  ];
  test.each(pairs.map((p, i) => [i, ...p]))("pair %i on the sample trace", async (_i, fixed, lv) => {
    const { l1i, l1d, l2, ...rest } = lv as Record<string, unknown>;
    const levelsForm = { ...rest, levels: [{ name: "l1i", serves: ["fetch"], tlb: l1i }, { name: "l1d", serves: ["load", "store"], tlb: l1d }, { name: "l2", serves: ["fetch", "load", "store"], tlb: l2 }] };
    const items = await runStudy([SAMPLE], expandConfigurations(checkConfig([fixed, levelsForm]), []), { jobs: 1 });
    const f = items[0]!.element.report, l = items[1]!.element.report;
    for (const key of ["page_size", "lines", "records", "translations", "walks", "page_faults", "pages_touched", "page_table_pages", "phys_hash", "outcome_hash", "walk_memory_refs", "pml4_cache_hits", "pdpt_cache_hits", "pde_cache_hits", "thp_threshold", "promotions"]) {
      expect([key, l[key]]).toEqual([key, f[key]]);
    }
    const [li, ld, ls] = l.levels as { hits: number; misses: number }[];
    expect([li!.hits, li!.misses, ld!.hits, ld!.misses, ls!.hits, ls!.misses]).toEqual([f.itlb_hits, f.itlb_misses, f.dtlb_hits, f.dtlb_misses, f.stlb_hits, f.stlb_misses]);
    expect(f.stlb_misses).toBeGreaterThan(0);
    // Every walk is of the configuration's page size (the decode marks no 2 MiB page in a 4 KiB run).
    if (f.thp_threshold === undefined) expect([l.walks_4k, l.walks_2m]).toEqual(f.page_size === 4096 ? [f.walks, 0] : [0, f.walks]);
    else {
      expect(f.promotions).toBeGreaterThan(0);
      expect(l.walks_2m).toBeGreaterThan(0);
      expect((l.walks_4k as number) + (l.walks_2m as number)).toBe(f.walks);
    }
  });
});

describe("per-page-size arrays against a shared array (records fed straight to the run loop)", () => {
  // The decode makes REC_HUGE records only under the THP-like page-size policy (another
  // change), so these records are built here. One level, every kind; loads of
  //   X = 4 KiB page 0x200 through a 2 MiB page (REC_HUGE; 2 MiB page 1), P = 0x5, Q = 0x6,
  //   Y = 0x201 (REC_HUGE, the same 2 MiB page as X), P again.
  // Per page size, a 1/1 4 KiB array and a 1/1 2 MiB array:
  //   X 2m miss {1}; P 4k miss {5}; Q 4k miss, evicts P {6}; Y 2m hit; P 4k miss {5}
  //   -> 4k: 3 accesses 0 hits; 2m: 2 accesses 1 hit; 4 walks: 3 of 4 references + 1 of 3 = 15
  // Shared, 2/2 LRU (X kept as 2 MiB page 1 with the size tag):
  //   X miss {X}; P miss {X P}; Q miss, evicts X {P Q}; Y (= X) miss, evicts P {Q X};
  //   P miss, evicts Q {X P} -> 4k: 3 / 0; 2m: 2 / 0; 5 walks: 3 x 4 + 2 x 3 = 18 references
  // Shared, 4/4: 4 KiB page 1 and 2 MiB page 1 (X) are two entries (the tag keeps them apart):
  //   page 1 miss, X miss, page 1 hit, X hit.
  async function level(arrays: [number, number][], recs: [number, boolean, boolean?][], pde = 0) {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    const { exports: x, raw } = await instantiateCore(memory);
    const k = readConstants(raw).num;
    x.studyReset();
    const c = x.studyLevelsCreate(1);
    const t = arrays.map(([e, w]) => x.studyTlbCreate(e, w, k.POLICY_LRU, 1n, 0));
    expect(x.studyLevelSet(c, 0, 7, k.INCL_NON, t[0]!, t[1] ?? 0)).toBeTruthy();
    x.studyConfigWalk(c, 0, 0, pde > 0 ? x.studyTlbCreate(pde, pde, k.POLICY_LRU, 1n, 0) : 0, 0);
    const at = x.studyAlloc(16 * recs.length), list = x.studyAlloc(4);
    const v = new DataView(memory.buffer);
    v.setUint32(list, c, true);
    recs.forEach(([vpn, huge, promote], i) => {
      v.setBigUint64(at + 16 * i, BigInt(vpn) << 12n, true);
      v.setBigUint64(at + 16 * i + 8, (BigInt(vpn) << BigInt(k.REC_VPN_SHIFT)) | (promote ? BigInt(k.REC_PROMOTE)
        : BigInt(k.REC_KIND_LOAD << k.REC_KIND_SHIFT) | BigInt(k.REC_RECORD_START) | BigInt(huge ? k.REC_HUGE : 0)), true);
    });
    expect(x.studyLevelsRunMany(list, 1, at, recs.length)).toBe(recs.length);
    const w = new DataView(memory.buffer), st = x.studyLevelStats(c);
    const u = (f: number) => Number(w.getBigUint64(st + 8 * f, true));
    const l0 = k.LS_LEVEL0;
    return {
      hits4k: u(l0 + k.LS_HITS_4K), misses4k: u(l0 + k.LS_MISSES_4K), hits2m: u(l0 + k.LS_HITS_2M), misses2m: u(l0 + k.LS_MISSES_2M),
      walks: u(k.LS_WALKS), walks2m: u(k.LS_WALKS_2M), walkRefs: Number(w.getBigUint64(c + k.CFG_STATS + 8 * k.SS_WALK_REFS, true)),
      translations: Number(w.getBigUint64(c + k.CFG_STATS + 8 * k.SS_TRANSLATIONS, true)),
      pdeHits: Number(w.getBigUint64(c + k.CFG_STATS + 8 * k.SS_PDEC_HITS, true)),
    };
  }
  const MIXED: [number, boolean][] = [[0x200, true], [0x5, false], [0x6, false], [0x201, true], [0x5, false]];
  test("an array per page size keeps the 2 MiB entry from the 4 KiB churn", async () => {
    expect(await level([[1, 1], [1, 1]], MIXED)).toEqual({ hits4k: 0, misses4k: 3, hits2m: 1, misses2m: 1, walks: 4, walks2m: 1, walkRefs: 15, translations: 5, pdeHits: 0 });
  });
  test("a shared array: both sizes compete for its ways", async () => {
    expect(await level([[2, 2]], MIXED)).toEqual({ hits4k: 0, misses4k: 3, hits2m: 0, misses2m: 2, walks: 5, walks2m: 2, walkRefs: 18, translations: 5, pdeHits: 0 });
  });
  test("a shared array tells 4 KiB page 1 from 2 MiB page 1", async () => {
    expect(await level([[4, 4]], [[1, false], [0x200, true], [1, false], [0x3ff, true]])).toEqual({ hits4k: 1, misses4k: 1, hits2m: 1, misses2m: 1, walks: 2, walks2m: 1, walkRefs: 7, translations: 4, pdeHits: 0 });
  });
  // A promotion marker (REC_PROMOTE, not a translation) for the region of 0x200..0x3ff:
  // one level 4/4, a PDE cache 2/2. Loads 0x200, 0x201, 0x5, the marker, 0x201 (still a
  // 4 KiB record here, to see the flush), 0x5:
  //   0x200 miss, walk of 4 (PDE cache {1}); 0x201 miss, PDE hit: 1 reference;
  //   0x5 miss, 4 references (PDE cache {1, 0}); the marker drops 0x200, 0x201 and PDE 1;
  //   0x201 miss (flushed), PDE 1 missing: 4 references; 0x5 hit
  //   -> 5 translations, 1 hit, 4 misses, 4 walks, 13 references, 1 PDE-cache hit
  test("a promotion flushes the region's 4 KiB entries from every level and its PDE from the PDE cache", async () => {
    expect(await level([[4, 4]], [[0x200, false], [0x201, false], [0x5, false], [0x200, false, true], [0x201, false], [0x5, false]], 2))
      .toEqual({ hits4k: 1, misses4k: 4, hits2m: 0, misses2m: 0, walks: 4, walks2m: 0, walkRefs: 13, translations: 5, pdeHits: 1 });
  });
  test("a bad level argument is refused, not trapped on", async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    const { exports: x, raw } = await instantiateCore(memory);
    const k = readConstants(raw).num;
    x.studyReset();
    expect(x.studyLevelsCreate(0)).toBe(0);
    expect(x.studyLevelsCreate(65)).toBe(0);
    const c = x.studyLevelsCreate(2), t = x.studyTlbCreate(4, 4, k.POLICY_LRU, 1n, 0);
    expect(x.studyLevelSet(c, 2, 7, k.INCL_NON, t, 0)).toBeFalsy();      // level 2 of 2
    expect(x.studyLevelSet(c, 0, 8, k.INCL_NON, t, 0)).toBeFalsy();      // no such kind
    expect(x.studyLevelSet(c, 0, 7, 3, t, 0)).toBeFalsy();               // no such inclusion
    expect(x.studyLevelSet(c, 0, 7, k.INCL_NON, 0, 0)).toBeFalsy();      // no array
    const fixed = x.studyConfigCreate(t, t, t);
    expect(x.studyLevelSet(fixed, 0, 7, k.INCL_NON, t, 0)).toBeFalsy();  // not a levels configuration
    expect([x.studyLevelStats(fixed), x.studyLevelStatsCount(fixed), x.studyLevelStatsCount(c)]).toEqual([0, 0, 2 + 2 * k.LS_FIELDS]);
    // The levels loop refuses a fixed-form configuration (nothing run); an unset level is skipped, a promotion included.
    const list = x.studyAlloc(4), rec = x.studyAlloc(32);
    new DataView(memory.buffer).setUint32(list, fixed, true);
    expect(x.studyLevelsRunMany(list, 1, rec, 1)).toBe(0);
    expect(x.studyLevelSet(c, 0, 7, k.INCL_NON, t, 0)).toBeTruthy();
    const v = new DataView(memory.buffer);
    v.setUint32(list, c, true);
    v.setBigUint64(rec + 8, (0x200n << BigInt(k.REC_VPN_SHIFT)) | BigInt(k.REC_PROMOTE), true);
    v.setBigUint64(rec + 24, (0x200n << BigInt(k.REC_VPN_SHIFT)) | BigInt(k.REC_RECORD_START), true);
    expect(x.studyLevelsRunMany(list, 1, rec, 2)).toBe(2);
    const w = new DataView(memory.buffer), st = x.studyLevelStats(c);
    expect([w.getBigUint64(st + 8 * (k.LS_LEVEL0 + k.LS_MISSES_4K), true), w.getBigUint64(st + 8 * (k.LS_LEVEL0 + k.LS_FIELDS + k.LS_MISSES_4K), true)]).toEqual([1n, 0n]);
  });
});

describe("the config", () => {
  const L = (more: Record<string, unknown>[] = []) => [{ name: "l1", serves: ["fetch", "load", "store"], tlb: "4/4" }, ...more];
  test.each([
    [{ levels: L(), stlb: "64/4" }, 'c.json /stlb: "64/4": not with /levels (the levels form replaces itlb, dtlb and stlb)'],
    [{ levels: [{ name: "l1", serves: ["fetch", "load"], tlb: "4/4" }] }, 'c.json /levels: no level serves "store"'],
    [{ levels: [{ name: "l1", serves: ["exec"], tlb: "4/4" }] }, 'c.json /levels/0/serves/0: "exec" is not one of "fetch", "load", "store"'],
    [{ levels: L([{ name: "l1", serves: ["load"], tlb: "4/4" }]) }, 'c.json /levels/1/name: "l1": two levels have this name'],
    [{ levels: L([{ name: "l2", serves: ["load"], tlb: "4/4", tlb_2m: "4/4" }]) }, 'c.json /levels/1: "l2": give tlb (shared) or tlb_4k and tlb_2m (per page size), not both'],
    [{ levels: L([{ name: "l2", serves: ["load"], tlb_4k: "4/4" }]) }, 'c.json /levels/1: "l2": per-page-size arrays need both tlb_4k and tlb_2m'],
    [{ levels: L([{ name: "l2", serves: ["load"] }]) }, 'c.json /levels/1: "l2": no array: give tlb (shared) or tlb_4k and tlb_2m (per page size)'],
    [{ levels: L([{ name: "l2", serves: ["load"], tlb_4k: "4/4", tlb_2m: "6/4" }]) }, 'c.json /levels/1/tlb_2m: "6/4": entries 6 is not a multiple of ways 4'],
    [{ levels: [{ name: "v", serves: ["fetch", "load", "store"], tlb: "4/4", inclusion: "exclusive" }] }, 'c.json /levels/0/inclusion: "exclusive": no level before "v" serves "fetch" (an exclusive level holds only their victims)'],
    [{ levels: L([{ name: "l2", serves: ["load"], tlb: "4/4", inclusion: "victim" }]) }, 'c.json /levels/1/inclusion: "victim" is not one of "non-inclusive", "inclusive", "exclusive"'],
    [{ levels: L([{ name: "L2", serves: ["load"], tlb: "4/4" }]) }, 'c.json /levels/1/name: "L2" is not a level name (a lowercase letter, then up to 31 lowercase letters, digits or _)'],
  ])("%j is refused", (h, message) => {
    expect(() => checkConfig(h, "c.json")).toThrow(message);
  });
  test("--sweep reaches a level by its name", () => {
    const file = checkConfig({ levels: L([{ name: "l2", serves: ["load", "store"], tlb: "16/4" }]) });
    const configs = expandConfigurations(file, [parseSweep("levels.l2.tlb=32/4,64/8"), parseSweep("levels.l2.tlb.policy=lru,fifo")]);
    expect(configs.map((c) => [c.label, c.hierarchy.levels![1]!.tlb])).toEqual([
      [{ "levels.l2.tlb": "32/4", "levels.l2.tlb.policy": "lru" }, { entries: 32, ways: 4, policy: "lru", seed: 1 }],
      [{ "levels.l2.tlb": "32/4", "levels.l2.tlb.policy": "fifo" }, { entries: 32, ways: 4, policy: "fifo", seed: 1 }],
      [{ "levels.l2.tlb": "64/8", "levels.l2.tlb.policy": "lru" }, { entries: 64, ways: 8, policy: "lru", seed: 1 }],
      [{ "levels.l2.tlb": "64/8", "levels.l2.tlb.policy": "fifo" }, { entries: 64, ways: 8, policy: "fifo", seed: 1 }],
    ]);
    expect(() => expandConfigurations(file, [parseSweep("levels.l3.tlb=8/8")])).toThrow('--sweep levels.l3.tlb: no level named "l3"');
    expect(() => expandConfigurations(file, [parseSweep("stlb=8/8")])).toThrow('--sweep stlb=8/8: config /stlb: "8/8": not with /levels');
  });
});

describe("the options in the levels form", () => {
  // The inclusion trace, non-inclusive (see the top): records 1-4 hold the 3 walks; the l1i
  // is asked at records 2, 3, 5, 6, 7 (hit at 5), the l1d at 1, 4 (hit at 4), the l2 at
  // 1, 2, 3, 6, 7 (hits at 6, 7).
  test("--warmup 3 measures records 4-7; --interval 4 cuts after record 4", async () => {
    const warm = await run(INCLUSION_TRACE, split("non-inclusive"), { warmup: 3 });
    expect(warm.report).toMatchObject({ records: 4, translations: 4, walks: 0, page_faults: 0, warmup_records: 3, lines: 7 });
    expect(warm.report.levels).toEqual([level("l1i", 3, 1), level("l1d", 1, 1), level("l2", 2, 2)]);
    const cut = await run(INCLUSION_TRACE, split("non-inclusive"), { interval: 4 });
    const lv = (l1i: number[], l1d: number[], l2: number[]) =>
      ([["l1i", l1i], ["l1d", l1d], ["l2", l2]] as [string, number[]][]).map(([name, [a, h]]) => ({ name, accesses: a, hits: h, misses: a! - h! }));
    expect(cut.intervals).toEqual([
      { records_start: 0, records_end: 4, records: 4, fetch_records: 2, translations: 4, walks: 3, page_faults: 3, levels: lv([2, 0], [2, 1], [3, 0]) },
      { records_start: 4, records_end: 7, records: 3, fetch_records: 3, translations: 3, walks: 0, page_faults: 0, levels: lv([3, 1], [0, 0], [2, 2]) },
    ]);
  });
  test("--detail: each level's misses per 1,000 instructions (5 fetch records), 4 references per walk", async () => {
    const { report } = await run(INCLUSION_TRACE, split("non-inclusive"), { detail: true });
    expect(report).toMatchObject({ instructions: 5, walk_memory_refs: 12, memory_refs_per_walk: 4 });
    expect((report.levels as { mpki: number }[]).map((l) => l.mpki)).toEqual([800, 200, 600]);
  });
  test("two traces: the levels added up; CSV spreads them into columns; the output schema holds", async () => {
    const { assemble, sweepCsv, intervalCsv } = await import("../../src/study/output.js");
    const configs = expandConfigurations(checkConfig(split("inclusive")), []);
    const items = await runStudy([INCLUSION_TRACE, INCLUSION_TRACE], configs, { jobs: 1, interval: 4 });
    const elements = assemble({ traces: ["a", "b"], configs: configs.map((c) => c.label), options: { warmup: 0, interval: 4 } }, items);
    expect(elements[2]!.report.levels).toEqual([level("l1i", 10, 2), level("l1d", 4, 0), level("l2", 12, 0, { back_invalidations: 6 })]);
    expect(elements[2]!.report).toMatchObject({ walks: 12, outcome_hash: null });
    const validate = new Ajv({ strict: true }).compile(outputSchema);
    expect(validate(elements), JSON.stringify(validate.errors)).toBe(true);
    const [header, row] = sweepCsv(elements).trim().split("\n");
    const cols = header!.split(",");
    expect(cols).not.toContain("itlb_hits");
    expect(cols.slice(cols.indexOf("outcome_hash") + 1, cols.indexOf("outcome_hash") + 6)).toEqual(["walks_4k", "walks_2m", "l1i.accesses", "l1i.hits", "l1i.misses"]);
    expect(row!.split(",")[cols.indexOf("l2.back_invalidations")]).toBe("3");
    const rows = intervalCsv(elements).trim().split("\n");
    expect(rows[0]).toBe("trace,records_start,records_end,records,fetch_records,translations,walks,page_faults,l1i.accesses,l1i.hits,l1i.misses,l1d.accesses,l1d.hits,l1d.misses,l2.accesses,l2.hits,l2.misses");
  });
});

describe("removal from wide sets (the hash of tags)", () => {
  // l1d (loads) 17/17 and an inclusive l2 18/18 are wide (more than 16 ways); l1i 1/1.
  // Pages P1..P18 (P_n at n << 12... from 0x10000) and fetches F1, F2:
  //   L P1..P17: 17 walks + faults; both full of them except the l2's 18th way
  //   I F1, I F2: walks + faults; the l2 holds F1, then evicts P1 (its LRU) for F2 and
  //     back-invalidates P1 from the l1d (1)
  //   L P18: walk + fault; the l2 evicts P2 (2); the l1d takes P1's freed way, evicts nothing
  //   L P1: walk; the l2 evicts P3 (3); the l1d takes P2's freed way
  //   L P4: l1d hit (the l2 does not see it: P4 stays its LRU)
  //   L P3: walk; the l2 evicts P4 (4); the l1d takes a freed way
  //   L P5..P17: 13 l1d hits (nothing else was lost)
  // -> 22 walks, 20 faults; l1d 34 accesses, 14 hits; l1i 2 / 0; l2 22 / 0, 4 back-invalidations.
  test("an inclusive wide l2 back-invalidates a wide l1d, whose freed ways refill before any eviction", async () => {
    const P = (n: number) => ` L ${(0x10000 + (n << 12)).toString(16).padStart(8, "0")},4\n`;
    const F = (n: number) => `I  ${(0x100000 + (n << 12)).toString(16).padStart(8, "0")},4\n`;
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    const trace = [...range(1, 17).map(P), F(1), F(2), P(18), P(1), P(4), P(3), ...range(5, 17).map(P)].join("");
    const { report } = await run(Buffer.from(trace), {
      levels: [{ name: "l1i", serves: ["fetch"], tlb: "1/1" }, { name: "l1d", serves: ["load", "store"], tlb: "17/17" },
        { name: "l2", serves: ["fetch", "load", "store"], tlb: "18/18", inclusion: "inclusive" }],
    });
    expect(report).toMatchObject({ translations: 36, walks: 22, page_faults: 20 });
    expect(report.levels).toEqual([level("l1i", 2, 0), level("l1d", 34, 14), level("l2", 22, 0, { back_invalidations: 4 })]);
  });
});

test("the README's levels example is a valid config and runs", async () => {
  const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
  const block = /```json\n(\{ "name": "skylake-like"[\s\S]*?)```/.exec(readme);
  expect(block).not.toBeNull();
  const { report } = await run(INCLUSION_TRACE, JSON.parse(block![1]!));
  // Ample levels: the three pages walk once each; l1i hits at records 5, 6 (B and C stay), 7.
  expect(report).toMatchObject({ walks: 3, page_faults: 3 });
  expect((report.levels as { name: string; hits: number }[]).map((l) => [l.name, l.hits])).toEqual([["l1i", 3], ["l1d", 1], ["l2", 0]]);
});

test("the CLI: a levels config with a sweep of a level, --detail; --plot refused for it", async () => {
  const { spawnSync } = await import("node:child_process");
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "wasm-mmu-levels-"));
  try {
    const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
    writeFileSync(join(dir, "h.json"), JSON.stringify(split("non-inclusive")));
    writeFileSync(join(dir, "t.lackey"), INCLUSION_TRACE);
    const go = (...args: string[]) => spawnSync(process.execPath, [cli, "study", "--config", "h.json", ...args, "t.lackey"], { cwd: dir, encoding: "utf8" });
    const r = go("--detail", "--sweep", "levels.l2.inclusion=non-inclusive,inclusive");
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const out = JSON.parse(r.stdout);
    expect(new Ajv({ strict: true }).compile(outputSchema)(out)).toBe(true);
    expect(out.map((e: { config: object; report: { walks: number } }) => [e.config, e.report.walks])).toEqual([
      [{ "levels.l2.inclusion": "non-inclusive" }, 3], [{ "levels.l2.inclusion": "inclusive" }, 6]]);
    const p = go("--plot", "x.svg");
    expect(p.status).toBe(1);
    expect(p.stderr).toContain("--plot draws the iTLB/dTLB/STLB form: a config with levels is not plotted");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
