// Warm-up and intervals, worked by hand (4 KiB pages, default TLBs):
//
//   r1 I  00001000,4   iTLB miss, STLB miss, walk + fault: PML4..PT 0x100-0x103, page 1 -> 0x104
//   r2  L 00002000,8   dTLB miss, STLB miss, walk + fault: page 2 -> 0x105
//   r3  L 00001000,4   dTLB miss, STLB hit (r1 filled it)                         pa 0x104000
//   r4 I  00001004,4   iTLB hit                                                    pa 0x104004
//   r5  M 00002ffc,8   pages 2 and 3: load p2 dTLB hit, load p3 dTLB miss, STLB miss, walk +
//                      fault (page 3 -> 0x106), store p2 dTLB hit, store p3 dTLB hit
//   r6  S 00003000,4   dTLB hit                                                    pa 0x106000
//
// --warmup 2 measures r3..r6: 4 records, 7 translations; iTLB 1 hit / 0 misses, dTLB 4 / 2,
// STLB 1 / 1, 1 walk, 1 fault; outcome hash over (0x104000,1) (0x104004,0) (0x105ffc,0)
// (0x106000,3) (0x105ffc,0) (0x106000,0) (0x106000,0). The whole trace still has 6 lines,
// 2 I, 2 L, 1 S, 1 M records, 3 pages touched, 4 page-table pages.
// --interval 2 after it: (2,4] = r3, r4: 2 records, 1 fetch record, 2 translations, iTLB
// 1/0, dTLB 0/1, STLB 1/0, no walk; (4,6] = r5, r6: 2 records, 5 translations, dTLB 4/1,
// STLB 0/1, 1 walk, 1 fault. The last boundary is the trace's end: no empty third row.
// --interval 4 alone: (0,4] = r1..r4: 4 records, 2 fetch records, 4 translations, iTLB 1/1,
// dTLB 0/2, STLB 1/2, 2 walks, 2 faults; then (4,6] as above, shorter.
import { describe, expect, test } from "vitest";
import { expandConfigurations } from "../../src/study/config.js";
import { runStudy } from "../../src/study/study.js";

const TRACE = Buffer.from("I  00001000,4\n L 00002000,8\n L 00001000,4\nI  00001004,4\n M 00002ffc,8\n S 00003000,4\n");

function fnv(pairs: [number, number][]): string {
  let h = 0xcbf29ce484222325n;
  const byte = (b: bigint) => { h = ((h ^ b) * 0x100000001b3n) & 0xffffffffffffffffn; };
  for (const [pa, outcome] of pairs) {
    for (let i = 0n; i < 8n; i++) byte((BigInt(pa) >> (8n * i)) & 0xffn);
    byte(BigInt(outcome));
  }
  return h.toString(16).padStart(16, "0");
}

const row = (start: number, end: number, v: number[]) => ({
  records_start: start, records_end: end, records: v[0], fetch_records: v[1], translations: v[2], itlb_hits: v[3], itlb_misses: v[4],
  dtlb_hits: v[5], dtlb_misses: v[6], stlb_hits: v[7], stlb_misses: v[8], walks: v[8], page_faults: v[9],
});

const study = async (options: { warmup?: number; interval?: number }) =>
  (await runStudy([TRACE], expandConfigurations(null, []), { ...options, jobs: 1 }))[0]!.element;

describe("warm-up", () => {
  test("the first N records train the TLBs and stay out of the counts", async () => {
    const e = await study({ warmup: 2 });
    expect(e.report).toMatchObject({
      lines: 6, records: 4, records_i: 2, records_l: 2, records_s: 1, records_m: 1, translations: 7,
      itlb_hits: 1, itlb_misses: 0, dtlb_hits: 4, dtlb_misses: 2, stlb_hits: 1, stlb_misses: 1, walks: 1, page_faults: 1,
      pages_touched: 3, page_table_pages: 4, warmup_records: 2,
      outcome_hash: fnv([[0x104000, 1], [0x104004, 0], [0x105ffc, 0], [0x106000, 3], [0x105ffc, 0], [0x106000, 0], [0x106000, 0]]),
    });
    expect(e.intervals).toBeUndefined();
  });
  test("a warm-up as long as the trace, or longer, measures nothing", async () => {
    for (const warmup of [6, 100]) {
      const e = await study({ warmup });
      expect(e.report).toMatchObject({ records: 0, translations: 0, itlb_hits: 0, dtlb_misses: 0, walks: 0, page_faults: 0, outcome_hash: "cbf29ce484222325", lines: 6 });
    }
  });
});

describe("intervals", () => {
  test("after a warm-up: rows of 2 records, the last ending at the trace's end", async () => {
    const e = await study({ warmup: 2, interval: 2 });
    expect(e.intervals).toEqual([row(2, 4, [2, 1, 2, 1, 0, 0, 1, 1, 0, 0]), row(4, 6, [2, 0, 5, 0, 0, 4, 1, 0, 1, 1])]);
  });
  test("from the start: a full row, then a shorter one", async () => {
    const e = await study({ interval: 4 });
    expect(e.intervals).toEqual([row(0, 4, [4, 2, 4, 1, 1, 0, 2, 1, 2, 2]), row(4, 6, [2, 0, 5, 0, 0, 4, 1, 0, 1, 1])]);
    // The rows add up to the report.
    for (const key of ["translations", "itlb_hits", "dtlb_misses", "stlb_misses", "page_faults"] as const) {
      expect(e.intervals!.reduce((s, r) => s + r[key], 0)).toBe(e.report[key]);
    }
  });
  test("one record per interval: a row per record, the M record's 4 translations in its own", async () => {
    const e = await study({ interval: 1 });
    expect(e.intervals!.map((r) => [r.records_end, r.translations])).toEqual([[1, 1], [2, 1], [3, 1], [4, 1], [5, 4], [6, 1]]);
  });
});
