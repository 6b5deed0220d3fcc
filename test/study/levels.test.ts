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
import { FIXTURES } from "../helpers/fixtures.js";

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
    expect(report).toMatchObject({ translations: 7, walks: 3, page_faults: 3, outcome_hash: fnv([[A, 3], [B, 3], [C, 3], [A, 0], [C, 0], [B, 1], [C, 1]]) });
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
