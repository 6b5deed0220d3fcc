// The THP-like page-size policy (page_size "thp:N"), worked by hand. Demand paging maps
// 4 KiB pages (frames from 0x100, tables first, trace-replay.md §6); the Nth distinct
// 4 KiB page of a 2 MiB region to fault in collapses the region (khugepaged's
// collapse_huge_page): a 2 MiB-aligned block at the next frame rounded up to a multiple
// of 512, page k of the region at block + k·4 KiB, the PD entry a 2 MiB leaf, the page
// table freed (page_table_pages counts the tables in use), and every TLB and the PDE cache
// drop the region's 4 KiB entries. Later translations in the region take the 2 MiB entry
// (key: its 2 MiB page, never aliasing a 4 KiB one) and a 3-level walk, without a fault.
import { describe, expect, test } from "vitest";
import { Ajv } from "ajv";
import outputSchema from "../../schemas/study-output.schema.json" with { type: "json" };
import { checkConfig, expandConfigurations } from "../../src/study/config.js";
import { runStudy } from "../../src/study/study.js";
import { ReplayEngine } from "../../src/trace/engine.js";
import { ConfigError } from "../../src/config.js";

const loads = (addrs: number[]) => Buffer.from(addrs.map((a) => ` L ${a.toString(16).padStart(8, "0")},8\n`).join(""));

async function report(h: Record<string, unknown>, trace: Buffer, detail = true) {
  return (await runStudy([trace], expandConfigurations(checkConfig(h), []), { jobs: 1, detail }))[0]!.element.report;
}

/** FNV-1a over each physical address's 8 bytes, least significant first (trace-replay.md §7). */
function physHash(pas: number[]): string {
  let h = 0xcbf29ce484222325n;
  for (const pa of pas) {
    for (let i = 0n; i < 8n; i++) h = ((h ^ ((BigInt(pa) >> (8n * i)) & 0xffn)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

describe("a promotion worked by hand", () => {
  // thp:2, default TLBs (dTLB 64/4, STLB 1536/12: nothing is evicted).
  //  1 L 0x1000    page 1, region 0: fault (PML4 0x100, PDPT 0x101, PD 0x102, PT 0x103, data 0x104):
  //                dTLB miss, STLB miss, walk of 4 refs → pa 0x104000; region 0 has 1 page
  //  2 L 0x1008    page 1 again: dTLB hit → 0x104008
  //  3 L 0x2000    page 2: fault (data 0x105): miss, miss, walk 4 → 0x105000; region 0 has 2 = N:
  //                collapse: next frame 0x106 rounds up to 0x200 (block at pa 0x200000, frames
  //                up to 0x3ff taken), PT 0x103 freed; pages 1 and 2 leave the TLBs
  //  4 L 0x1010    page 1 through the 2 MiB page: dTLB miss, STLB miss, walk of 3 refs, no
  //                fault → 0x200000 + 0x1010 = 0x201010
  //  5 L 0x3000    page 3, never touched, in the huge page: dTLB hit (same 2 MiB entry) → 0x203000
  //  6 L 0x200000  region 1: PT missing: fault (PT 0x400, data 0x401): miss, miss, walk 4 → 0x401000
  //  7 L 0x1ff000  region 0's last page: dTLB hit → 0x3ff000
  // → translations 7; dTLB 3 hits / 4 misses; STLB 0 / 4; walks 4 of 4+4+3+4 = 15 refs;
  //   page faults 3 (pages_touched 3: 4 KiB pages faulted in); promotions 1;
  //   page-table pages: PML4, PDPT, PD, region 1's PT = 4 (region 0's freed).
  test("counts, physical addresses and the freed page table", async () => {
    const r = await report({ page_size: "thp:2" }, loads([0x1000, 0x1008, 0x2000, 0x1010, 0x3000, 0x200000, 0x1ff000]));
    expect(r).toMatchObject({
      page_size: 4096, thp_threshold: 2, promotions: 1, translations: 7, records: 7, records_l: 7,
      itlb_hits: 0, itlb_misses: 0, dtlb_hits: 3, dtlb_misses: 4, stlb_hits: 0, stlb_misses: 4, walks: 4,
      page_faults: 3, pages_touched: 3, page_table_pages: 4, walk_memory_refs: 15, memory_refs_per_walk: 15 / 4,
    });
    expect(r.phys_hash).toBe(physHash([0x104000, 0x104008, 0x105000, 0x201010, 0x203000, 0x401000, 0x3ff000]));
  });

  // thp:2, dTLB 2/2 and STLB 2/2 (LRU): the flush frees ways, so an entry survives that an
  // unflushed TLB would have evicted.
  //  1 L 0x1000     page 1 (region 0): fault (tables 0x100-0x103, data 0x104): dTLB {1}, STLB {1}
  //  2 L 0x200000   page 0x200 (region 1): fault (PT 0x105, data 0x106): dTLB {1, 0x200}, STLB {1, 0x200}
  //  3 L 0x2000     page 2: fault (data 0x107) → 0x107000; both evict their LRU, page 1: {0x200, 2};
  //                 region 0 has 2 pages: collapse (0x108 rounds up to 0x200: block 0x200000), PT 0x103
  //                 freed, page 2 flushed: dTLB {0x200, -}, STLB {0x200, -}
  //  4 L 0x3000     the 2 MiB page H0: dTLB miss, STLB miss, walk of 3, no fault → 0x203000; fills the
  //                 empty ways: {0x200, H0} in both
  //  5 L 0x200008   dTLB hit → 0x106008 (without the flush, H0 would have evicted page 0x200: a walk)
  //  6 L 0x1000     page 1 in H0: dTLB hit → 0x201000
  // → dTLB 2 hits / 4 misses; STLB 0 / 4; walks 4, refs 4+4+4+3 = 15; faults 3; page tables 4.
  test("the flush empties the region's ways: the next fill takes one, nothing is evicted", async () => {
    const r = await report({ page_size: "thp:2", dtlb: "2/2", stlb: "2/2" },
      loads([0x1000, 0x200000, 0x2000, 0x3000, 0x200008, 0x1000]));
    expect(r).toMatchObject({
      promotions: 1, translations: 6, dtlb_hits: 2, dtlb_misses: 4, stlb_hits: 0, stlb_misses: 4,
      page_faults: 3, page_table_pages: 4, walk_memory_refs: 15,
    });
    expect(r.phys_hash).toBe(physHash([0x104000, 0x106000, 0x107000, 0x203000, 0x106008, 0x201000]));
  });

  // The same in wide sets (17 ways: the hash of tags and the LRU lists, study/tlb.ts), where a
  // flushed entry's way is refilled by moving the set's last filled entry into it. thp:2,
  // dTLB 17/17, STLB 17/17. Rk = L 0x200000·k, region k's first page (all in one PD).
  //  a L 0x1000           page 1 (slot 0 of both)                                 fault
  //  b R1..R15            slots 1..15                                             15 faults
  //  c L 0x2000           page 2 (slot 16: full); collapse region 0: page 1 leaves slot 0
  //                       (page 2 moves in), then page 2 (R15 moves in): 15 entries   fault
  //  d L 0x3000           H0: dTLB miss, STLB miss, walk (3 refs); 16 entries
  //  e R16                17 entries (full)                                       fault
  //  f R1..R15 + 8        15 dTLB hits (nothing was evicted); the STLB is not touched
  //  g R17                dTLB evicts its LRU, H0 (used at d); STLB its LRU, R1 (filled at b) fault
  //  h L 0x5000           H0: dTLB miss, STLB hit; the dTLB evicts R16 (used at e)
  //  i R16 + 8            dTLB miss, STLB hit
  // → translations 37; dTLB 15 hits / 22 misses; STLB 2 hits / 20 misses; faults 19;
  //   walk refs 19·4 + 3 = 79; page tables: PML4, PDPT, PD, the PTs of regions 1..17 = 20.
  test("wide sets: the flushed ways are filled first and the LRU order survives the moves", async () => {
    const R = (k: number, off = 0) => 0x200000 * k + off;
    const ks = Array.from({ length: 15 }, (_, i) => i + 1);
    const trace = loads([0x1000, ...ks.map((k) => R(k)), 0x2000, 0x3000, R(16), ...ks.map((k) => R(k, 8)), R(17), 0x5000, R(16, 8)]);
    const r = await report({ page_size: "thp:2", dtlb: "17/17", stlb: "17/17" }, trace);
    expect(r).toMatchObject({
      promotions: 1, translations: 37, dtlb_hits: 15, dtlb_misses: 22, stlb_hits: 2, stlb_misses: 20, walks: 20,
      page_faults: 19, page_table_pages: 20, walk_memory_refs: 79,
    });
  });

  // A PDE cache of two entries (2/2, LRU): the collapse drops region 0's PDE (it pointed
  // to the freed PT), which frees its way. thp:2; Pk = region k's PDE:
  //  1 L 0x1000    fault, no cache hit: 4 refs; PDE cache {P0}
  //  2 L 0x200000  fault, P1 misses: 4 refs; {P0, P1}
  //  3 L 0x2000    fault, P0 hits: 1 ref; region 0 collapses: P0 leaves: {P1, -}
  //  4 L 0x400000  fault, P2 misses: 4 refs; P2 fills the empty way: {P1, P2} (without the
  //                drop it would evict the LRU entry, P1)
  //  5 L 0x201000  fault, P1 hits: 1 ref; region 1 collapses
  // → walks 5, refs 4+4+1+4+1 = 14, PDE cache hits 2, faults 5, promotions 2, page
  //   tables PML4, PDPT, PD and region 2's PT = 4.
  test("the PDE cache drops the collapsed region's entry", async () => {
    const r = await report({ page_size: "thp:2", walk_caches: { pde: "2/2" } },
      loads([0x1000, 0x200000, 0x2000, 0x400000, 0x201000]));
    expect(r).toMatchObject({ walks: 5, walk_memory_refs: 14, pde_cache_hits: 2, promotions: 2, page_faults: 5, page_table_pages: 4 });
  });
  // 2 MiB keys: the 2 MiB page number tagged (STUDY_KEY_2M), the set index without the tag.
  // thp:2, dTLB 3/1 and STLB 3/1 (3 sets, direct-mapped: set = key mod 3). H1 = region 1's
  // 2 MiB page, key 1 in set 1.
  //  1 L 0x200000  page 0x200 (set 2): fault (tables 0x100-0x103, data 0x104) → 0x104000
  //  2 L 0x201000  page 0x201 (set 0): fault (data 0x105) → 0x105000; region 1 collapses
  //                (block 0x200000): both pages flushed
  //  3 L 0x202000  H1: misses, walk of 3 → 0x202000; set 1 {H1}
  //  4 L 0x4000    page 4 (set 1): fault (PT 0x400, data 0x401) → 0x401000; evicts H1 (with the
  //                tag in the index H1 would sit in set (2^62 + 1) mod 3 = 2 and stay)
  //  5 L 0x203000  H1: misses, walk of 3 → 0x203000; evicts page 4
  //  6 L 0x1000    page 1 (set 1, 4 KiB): not H1 though both are 1 untagged: misses, fault
  //                (data 0x402) → 0x402000; region 0 has 2 pages: it collapses too
  // → dTLB 0 hits / 6 misses, STLB 0 / 6, faults 4, refs 4+4+3+4+3+4 = 22, promotions 2,
  //   page tables PML4, PDPT, PD = 3.
  test("a 2 MiB entry never aliases a 4 KiB one, and sits in the set of its 2 MiB page", async () => {
    const r = await report({ page_size: "thp:2", dtlb: "3/1", stlb: "3/1" }, loads([0x200000, 0x201000, 0x202000, 0x4000, 0x203000, 0x1000]));
    expect(r).toMatchObject({ dtlb_hits: 0, dtlb_misses: 6, stlb_hits: 0, stlb_misses: 6, page_faults: 4, walk_memory_refs: 22, page_table_pages: 3, promotions: 2 });
    expect(r.phys_hash).toBe(physHash([0x104000, 0x105000, 0x202000, 0x401000, 0x203000, 0x402000]));
  });
});

describe("the threshold", () => {
  // thp:3: two distinct pages of a region (one of them twice) are N-1: no promotion; a third
  // is N. Pages 1, 2, 1 → faults 2, page tables 4, no promotion; then page 3 → promotion,
  // the PT freed (3 tables), the next load of page 1 a 2 MiB walk (3 refs): 4+4+4+3 = 15.
  test("N-1 distinct pages: none; the Nth: a promotion", async () => {
    const below = await report({ page_size: "thp:3" }, loads([0x1000, 0x2000, 0x1008]));
    expect(below).toMatchObject({ promotions: 0, page_faults: 2, page_table_pages: 4, walks: 2, walk_memory_refs: 8, dtlb_hits: 1 });
    const at = await report({ page_size: "thp:3" }, loads([0x1000, 0x2000, 0x1008, 0x3000, 0x1010]));
    expect(at).toMatchObject({ promotions: 1, page_faults: 3, page_table_pages: 3, walks: 4, walk_memory_refs: 15, dtlb_hits: 1 });
    // Page 1 at 0x1010 after the collapse: frames 0x104, 0x105, 0x106 were the data, next 0x107 → block 0x200.
    expect(at.phys_hash).toBe(physHash([0x104000, 0x105000, 0x104008, 0x106000, 0x201010]));
  });

  test("thp:512 needs every page of the region; thp (= thp:1) collapses at the first", async () => {
    const pages = (n: number) => Array.from({ length: n }, (_, i) => i * 0x1000);
    const r511 = await report({ page_size: "thp:512" }, loads(pages(511)), false);
    expect(r511).toMatchObject({ promotions: 0, page_faults: 511, page_table_pages: 4 });
    const r512 = await report({ page_size: "thp:512" }, loads(pages(512)), false);
    expect(r512).toMatchObject({ promotions: 1, page_faults: 512, page_table_pages: 3 });
    // thp:1: page 0 faults as a 4 KiB page (data 0x104), the region collapses at once (block
    // 0x200) and page 0's entry is flushed; page 1 walks the 2 MiB page (a dTLB miss, 3
    // levels, no fault), which page 2 then hits.
    const one = await report({ page_size: "thp" }, loads([0x0, 0x1000, 0x2000]));
    expect(one).toMatchObject({
      thp_threshold: 1, promotions: 1, page_faults: 1, dtlb_hits: 1, dtlb_misses: 2, walks: 2, walk_memory_refs: 7, page_table_pages: 3,
    });
    expect(one.phys_hash).toBe(physHash([0x104000, 0x201000, 0x202000]));
  });
});

describe("a trace of several decode chunks", () => {
  // 20,000 loads at i·0x400: each 4 KiB page 4 times in a row, pages 0..4999, regions 0..9
  // (region 9 holds pages 4608..4999: 392). 280,000 bytes of text: more than one decode
  // call (at most 131,070 bytes each with THP), so markers land in several chunks.
  // thp:1: one fault per region, each collapsing at once: 10 faults, 10 promotions, every
  // PT freed (page tables 3).
  // thp:512: regions 0..8 collapse at their 512th page; region 9 keeps its PT (tables 4).
  // Each page: its fault (dTLB and STLB miss), 3 dTLB hits; but a collapse flushes the
  // page that made it, so the next of its 3 loads walks the 2 MiB page (3 levels) and the
  // last 2 hit: dTLB misses 5000 + 9, hits 20000 - 5009 = 14991; walk refs 5000·4 + 9·3.
  const trace = loads(Array.from({ length: 20000 }, (_, i) => i * 0x400));
  test("thp:1 and thp:512", async () => {
    expect(trace.length).toBe(280000);
    expect(await report({ page_size: "thp:1" }, trace, false)).toMatchObject({
      translations: 20000, page_faults: 10, promotions: 10, page_table_pages: 3,
    });
    expect(await report({ page_size: "thp:512" }, trace)).toMatchObject({
      translations: 20000, page_faults: 5000, promotions: 9, page_table_pages: 4,
      dtlb_hits: 14991, dtlb_misses: 5009, stlb_hits: 0, stlb_misses: 5009, walk_memory_refs: 20027,
    });
  });
});

describe("configuration", () => {
  test("the schema names a bad page size; thp needs 1..512", () => {
    for (const bad of ["thp:0", "thp:513", "thp:", "thp:x", 8192]) {
      expect(() => checkConfig({ page_size: bad }, "c.json")).toThrow(
        `c.json /page_size: ${JSON.stringify(bad)} is not 4096, 2097152, "thp" or "thp:N" (N in 1..512)`);
    }
    expect(expandConfigurations(checkConfig({ page_size: "thp:64" }), [])[0]!.hierarchy).toMatchObject({ pageSize: 4096, thp: 64 });
    expect(expandConfigurations(checkConfig({ page_size: 2097152 }), [])[0]!.hierarchy).toMatchObject({ pageSize: 2097152, thp: null });
  });

  test("page_size is sweepable across policies: one decode each, fixed sizes without THP keys", async () => {
    const { parseSweep } = await import("../../src/study/config.js");
    const configs = expandConfigurations(null, [parseSweep("page_size=4096,thp:2,2097152")]);
    const items = await runStudy([loads([0x1000, 0x2000, 0x1008])], configs, { jobs: 1 });
    expect(items.map((i) => i.element.config)).toEqual([{ page_size: "4096" }, { page_size: "thp:2" }, { page_size: "2097152" }]);
    const [small, thp, huge] = items.map((i) => i.element.report);
    expect(small).not.toHaveProperty("promotions");
    expect(huge).not.toHaveProperty("thp_threshold");
    // 4 KiB: 2 faults, page 1 again a dTLB hit. thp:2: the same 2 faults, then the collapse
    // flushes page 1: 0x1008 walks the 2 MiB page. 2 MiB: one page, one fault, two hits.
    expect(small).toMatchObject({ page_faults: 2, walks: 2, dtlb_hits: 1 });
    expect(thp).toMatchObject({ page_faults: 2, walks: 3, dtlb_hits: 0, promotions: 1 });
    expect(huge).toMatchObject({ page_faults: 1, walks: 1, dtlb_hits: 2 });
    // The shipped output schema takes the THP keys.
    const validate = new Ajv({ strict: true }).compile(outputSchema);
    expect(validate(items.map((i) => i.element)), JSON.stringify(validate.errors)).toBe(true);
  });

  test("the engine takes a THP threshold only for a decode of 4 KiB pages", async () => {
    await expect(ReplayEngine.create({}, undefined, 2)).rejects.toThrow(ConfigError);
    await expect(ReplayEngine.create({ huge: true }, () => {}, 2)).rejects.toThrow("THP threshold 2 needs decoded records, 4 KiB pages and 1..512");
    await expect(ReplayEngine.create({}, () => {}, 513)).rejects.toThrow("THP threshold 513");
  });
});
