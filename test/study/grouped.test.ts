// Configurations with identical L1 TLBs run as one group (assembly/study/group.ts): L1 is
// simulated once and only its misses go to each configuration's STLB (LRU STLBs of the same
// set count through one recency stack, fully associative wide ones through one list with
// zones). Checked three ways:
// by hand on a small trace, through the core's studyRunShared directly; the grouping key
// (which configurations may share); and grouped = ungrouped (shareL1: false), key for key,
// over sweeps that vary L1 too, with walk caches, every policy, warm-up and intervals.
//
// Hand-worked trace: loads of pages A B A B C A (0x1000, 0x2000, 0x1000, 0x2000, 0x3000,
// 0x1000), dTLB 1/1 (one entry: every change of page misses; 6 misses, 0 hits).
//   STLB 1/1: every access misses: 0 hits, 6 misses (walks), faults on A, B, C: 3.
//   STLB 2/2 (LRU): A miss F, B miss F, A hit, B hit (A now LRU), C miss F (evicts A),
//                   A miss (walk, evicts B): 2 hits, 4 misses, 3 faults.
import { describe, expect, test } from "vitest";
import { checkConfig, expandConfigurations, parseSweep } from "../../src/study/config.js";
import { l1Key, runStudy } from "../../src/study/study.js";
import { ReplayEngine } from "../../src/trace/engine.js";
import { instantiateCore } from "../../src/core/wasm.js";
import { readConstants } from "../../src/core/constants.js";
import { FIXTURES } from "../helpers/fixtures.js";

const TRACE = Buffer.from([0x1000, 0x2000, 0x1000, 0x2000, 0x3000, 0x1000].map((a) => ` L ${a.toString(16).padStart(8, "0")},8\n`).join(""));
const SAMPLE = `${FIXTURES}../../data/sample.lackey.gz`;
const AWK = `${FIXTURES}traces/awk-wordfreq.lackey.gz`;

const HAND = [
  { stlb: "1/1", expect: { stlb_hits: 0, stlb_misses: 6, walks: 6, page_faults: 3 } },
  { stlb: "2/2", expect: { stlb_hits: 2, stlb_misses: 4, walks: 4, page_faults: 3 } },
];

describe("the grouped run, by hand", () => {
  test("through runStudy: two STLBs under one 1/1 dTLB", async () => {
    const configs = expandConfigurations(checkConfig({ dtlb: "1/1" }), [parseSweep("stlb=1/1,2/2")]);
    expect(l1Key(configs[0]!.hierarchy)).toBe(l1Key(configs[1]!.hierarchy));
    const items = await runStudy([TRACE], configs, { jobs: 1 });
    items.forEach((item, i) => {
      expect(item.element.report).toMatchObject({ translations: 6, dtlb_hits: 0, dtlb_misses: 6, itlb_hits: 0, itlb_misses: 0, ...HAND[i]!.expect });
    });
  });

  test("the core's studyRunShared, on own STLBs, one LRU stack and LRU zones: the counts by hand, and the outcome hashes of studyRunMany", async () => {
    const parts: Uint8Array[] = [];
    const engine = await ReplayEngine.create({}, (r) => { parts.push(r.slice()); });
    engine.push(TRACE);
    engine.finish();
    const records = Buffer.concat(parts);
    expect(records.length).toBe(6 * 16);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    const { raw } = await instantiateCore(memory);
    const k = readConstants(raw).num;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const x = raw as any;
    x.studyReset();
    const config = (stlb: number) => {
      const c = x.studyConfigCreate(x.studyTlbCreate(64, 8, k.POLICY_LRU, 1n, 0), x.studyTlbCreate(1, 1, k.POLICY_LRU, 1n, 0),
        x.studyTlbCreate(stlb, stlb, k.POLICY_LRU, 1n, 0));
      x.studyConfigWalk(c, 0, 0, 0, 0);
      return c as number;
    };
    const shared = [config(1), config(2)], alone = [config(1), config(2)], stacked = [config(1), config(2)];
    const list = x.studyAlloc(16) as number, input = x.studyAlloc(records.length) as number;
    const stacks = x.studyAlloc(16) as number;          // zeroed: each configuration on its own STLB
    new Uint8Array(memory.buffer, input, records.length).set(records);
    const view = () => new DataView(memory.buffer);
    shared.forEach((c, j) => view().setUint32(list + 4 * j, c, true));
    expect(x.studyRunShared(list, stacks, 2, input, 6)).toBe(6);
    for (const c of alone) { view().setUint32(list, c, true); expect(x.studyRunMany(list, 1, input, 6)).toBe(6); }
    // Both STLBs (1 set, LRU) on one recency stack 2 deep: [stack, ways | first] per configuration.
    const stack = x.studyStackCreate(1, 2) as number;
    stacked.forEach((c, j) => view().setUint32(list + 4 * j, c, true));
    view().setUint32(stacks, stack, true); view().setUint32(stacks + 4, (1 | 0x80000000) >>> 0, true);
    view().setUint32(stacks + 8, stack, true); view().setUint32(stacks + 12, 2, true);
    expect(x.studyRunShared(list, stacks, 2, input, 6)).toBe(6);
    // And on fully associative LRU zones of sizes 1 and 2: [zones, (size index + 1) | ZONES | first].
    const zoned = [config(1), config(2)];
    const sizes = x.studyAlloc(8) as number;
    view().setUint32(sizes, 1, true); view().setUint32(sizes + 4, 2, true);
    const zones = x.studyZonesCreate(sizes, 2) as number;
    expect(zones).not.toBe(0);
    zoned.forEach((c, j) => view().setUint32(list + 4 * j, c, true));
    view().setUint32(stacks, zones, true); view().setUint32(stacks + 4, (1 | 0x40000000 | 0x80000000) >>> 0, true);
    view().setUint32(stacks + 8, zones, true); view().setUint32(stacks + 12, (2 | 0x40000000) >>> 0, true);
    expect(x.studyRunShared(list, stacks, 2, input, 6)).toBe(6);
    const stat = (c: number, f: string) => view().getBigUint64(c + k.CFG_STATS + 8 * k[f as "SS_RECORDS"], true);
    shared.forEach((c, i) => {
      const e = HAND[i]!.expect;
      expect([stat(c, "SS_RECORDS"), stat(c, "SS_TRANSLATIONS"), stat(c, "SS_DTLB_HITS"), stat(c, "SS_DTLB_MISSES"),
        stat(c, "SS_STLB_HITS"), stat(c, "SS_STLB_MISSES"), stat(c, "SS_FAULTS"), stat(c, "SS_WALK_REFS")])
        .toEqual([6n, 6n, 0n, 6n, BigInt(e.stlb_hits), BigInt(e.stlb_misses), 3n, 4n * BigInt(e.walks)]);
      for (let f = 0; f < k.SS_FIELDS; f++) {
        expect(view().getBigUint64(c + k.CFG_STATS + 8 * f, true)).toBe(view().getBigUint64(alone[i]! + k.CFG_STATS + 8 * f, true));
        expect(view().getBigUint64(stacked[i]! + k.CFG_STATS + 8 * f, true)).toBe(view().getBigUint64(alone[i]! + k.CFG_STATS + 8 * f, true));
        expect(view().getBigUint64(zoned[i]! + k.CFG_STATS + 8 * f, true)).toBe(view().getBigUint64(alone[i]! + k.CFG_STATS + 8 * f, true));
      }
    });
    // The two configurations' hashes differ (record 3 is an STLB hit in one, a walk in the other).
    expect(stat(shared[0]!, "SS_OUTCOME_HASH")).not.toBe(stat(shared[1]!, "SS_OUTCOME_HASH"));
  });
});

describe("which configurations share their L1", () => {
  // Work-list order, stlb slowest: [0] stlb 64/4 itlb 64/8 dtlb lru, [1] ... dtlb random,
  // [2] itlb 64/4 lru, [3] itlb 64/4 random, [4] stlb 1536/1536 itlb 64/8 lru, ...
  const all = expandConfigurations(null, [parseSweep("stlb=64/4,1536/1536"), parseSweep("itlb=64/8,64/4"), parseSweep("dtlb.policy=lru,random")])
    .map((x) => x.hierarchy);
  const [a, b, c, d, e] = [all[0], all[4], all[1], all[2], all[3]];
  test("the same iTLB and dTLB (and page size) share, whatever the STLB and walk caches", () => {
    expect(l1Key(a!)).not.toBeNull();
    expect(l1Key(b!)).toBe(l1Key(a!));
    expect(l1Key({ ...a!, walkCaches: { pml4: null, pdpt: { entries: 4, ways: 4, policy: "lru", seed: 1 }, pde: null } })).toBe(l1Key(a!));
  });
  test("a different dTLB policy, iTLB geometry, seed or page size does not; THP or an unknown setting never groups", () => {
    expect(l1Key(c!)).not.toBe(l1Key(a!));                     // dtlb random
    expect(l1Key(d!)).not.toBe(l1Key(a!));                     // itlb 64/4
    expect(l1Key(e!)).not.toBe(l1Key(c!));                     // itlb 64/4, dtlb random vs 64/8 random
    expect(l1Key({ ...c!, dtlb: { ...c!.dtlb, seed: 2 } })).not.toBe(l1Key(c!));
    expect(l1Key({ ...a!, pageSize: 2097152 })).not.toBe(l1Key(a!));
    expect(l1Key({ ...a!, pagePolicy: "thp" } as never)).toBeNull();
    // THP (REC_HUGE records, promotions that flush L1) runs on run.ts's own loop only.
    expect(l1Key({ ...a!, thp: 1 })).toBeNull();
    expect(l1Key(expandConfigurations(checkConfig({ page_size: "thp:64" }), [])[0]!.hierarchy)).toBeNull();
  });
});

describe("grouped = ungrouped, key for key", () => {
  const cases: [string, string[], Record<string, unknown> | null, { warmup?: number; interval?: number; detail?: boolean }][] = [
    // LRU stacks: 1024/8, 1536/12, 2048/16 (128 sets); 64/4, 128/8 (16); 60/4, 120/8 (15, not a power of two).
    ["stlb x itlb x dtlb.policy, 4 KiB", ["stlb=1536/12,1024/8,2048/16,64/4,128/8,60/4,120/8,96/3,1536/1536,65536/65536", "itlb=64/8,32/32", "dtlb.policy=lru,random"], null, {}],
    // Zones: fully associative 17/17 .. 1536/1536 (the sample touches more pages than the small ones hold: evictions).
    ["fully associative LRU zones", ["stlb=17/17,32/32,64/64,100/100,256/256,1536/1536"], null, {}],
    ["stlb sizes on LRU stacks and zones with walk caches, warm-up and intervals", ["stlb=16/4,32/8,64/16,64/4,128/8,20/20,40/40"],
      { walk_caches: { pml4: "2/2", pdpt: "4/4", pde: "32/4" } }, { warmup: 3000, interval: 60000, detail: true }],
    ["stlb x dtlb with walk caches, 2 MiB pages, warm-up and intervals", ["stlb=16/4,256/8,512/512", "dtlb=64/4,16/16"],
      { page_size: 2097152, walk_caches: { pml4: "2/2", pdpt: "4/4" } }, { warmup: 5000, interval: 40000, detail: true }],
    ["stlb policies with walk caches, 4 KiB, intervals", ["stlb.policy=lru,plru,fifo,random", "stlb=64/4,1024/8"],
      { walk_caches: { pml4: "2/2", pdpt: "4/4", pde: "32/4" } }, { interval: 50000 }],
  ];
  for (const [name, sweeps, config, options] of cases) {
    test(name, async () => {
      const configs = expandConfigurations(config ? checkConfig(config) : null, sweeps.map(parseSweep));
      const keys = new Set(configs.map((c) => l1Key(c.hierarchy)));
      expect(keys.size).toBeLessThan(configs.length);     // some configurations do share
      const grouped = await runStudy([SAMPLE, AWK], configs, { jobs: 2, ...options });
      const alone = await runStudy([SAMPLE, AWK], configs, { jobs: 2, ...options, shareL1: false });
      expect(grouped).toHaveLength(2 * configs.length);
      expect(grouped).toEqual(alone);
    }, 60_000);
  }
});
