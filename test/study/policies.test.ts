// Replacement policies of the study TLB, worked by hand. The dTLB under test is one set
// (fully associative); the STLB is large, so every dTLB miss is the policy's doing. A
// letter is a page; M = dTLB miss, H = hit. Empty ways fill first, in way order.
//
// 4 ways (sets searched in place), pages A B C D A E B C A:
//  LRU   A B C D fill; A hit (recency A D C B); E evicts B; B evicts C; C evicts D; A hit
//        -> M M M M H M M M H
//  FIFO  A B C D fill; A hit (no change); E evicts A (oldest insert); B hit; C hit; A evicts B
//        -> M M M M H M H H M
//  tree-PLRU (node bits point at the half to evict next; a use points its path away):
//        fills w0..w3 leave root 0, node2 0, node3 0; A (w0) hit: root 1, node2 1;
//        E: root 1 -> node3 0 -> w2 (C) evicted, then root 0, node3 1; B (w1) hit: root 1,
//        node2 0; C: root 1 -> node3 1 -> w3 (D) evicted; A hit -> M M M M H M H M H
//  random, seed s: the victim of E is xorshift64(13, 7, 17) of (s XOR 0x9e3779b97f4a7c15)
//        modulo 4 (README): after A B C D E, the page of that way misses, any other hits.
//
// 32 ways (the hash of tags and set lists), pages 1..32, then 1, 33, 17, 2:
//  LRU   33 evicts 2 (least recent after 1's hit): 17 hit, 2 miss
//  FIFO  33 evicts 1 (first in): 17 hit, 2 hit
//  PLRU  after the fills every node points left; 1's hit points its path right, so 33 goes
//        right at the root, then left down to w16 (page 17): 17 miss, 2 hit
import { describe, expect, test } from "vitest";
import { readConstants, type CoreConstants } from "../../src/core/constants.js";
import { instantiateCore, type CoreExports } from "../../src/core/wasm.js";

const POLICY = { lru: "POLICY_LRU", fifo: "POLICY_FIFO", plru: "POLICY_PLRU", random: "POLICY_RANDOM" } as const;

/** Hits (H) and misses (M) of the dTLB for `pages`, one load each. */
async function outcomes(policy: keyof typeof POLICY, ways: number, pages: number[], seed = 1n): Promise<string> {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const { exports: x, raw } = await instantiateCore(memory);
  const k: CoreConstants = readConstants(raw);
  x.studyReset();
  const cfg = x.studyConfigCreate(x.studyTlbCreate(8, 8, k.num.POLICY_LRU, 1n, 0),
    x.studyTlbCreate(ways, ways, k.num[POLICY[policy]], seed, 0), x.studyTlbCreate(4096, 4096, k.num.POLICY_LRU, 1n, 0));
  expect(cfg).not.toBe(0);
  const rec = x.studyAlloc(16);
  let out = "";
  for (const page of pages) {
    const v = new DataView(memory.buffer);
    v.setBigUint64(rec, BigInt(page) << 12n, true);
    v.setBigUint64(rec + 8, (BigInt(page) << BigInt(k.num.REC_VPN_SHIFT)) | BigInt(k.num.REC_RECORD_START) |
      (BigInt(k.num.REC_KIND_LOAD) << BigInt(k.num.REC_KIND_SHIFT)), true);
    const hits = () => new DataView(memory.buffer).getBigUint64(cfg + k.num.CFG_STATS + 8 * k.num.SS_DTLB_HITS, true);
    const before = hits();
    expect(x.studyRun(cfg, rec, 1)).toBe(1);
    out += hits() > before ? "H" : "M";
  }
  return out;
}

const [A, B, C, D, E] = [1, 2, 3, 4, 5];
const SEQ = [A, B, C, D, A, E, B, C, A];

function xorshiftVictim(seed: bigint, ways: bigint): number {
  const M = (1n << 64n) - 1n;
  let x = seed ^ 0x9e3779b97f4a7c15n;
  x ^= (x << 13n) & M; x ^= x >> 7n; x ^= (x << 17n) & M;
  return Number(x % ways);
}

describe("4 ways, searched in place", () => {
  test("true LRU", async () => { expect(await outcomes("lru", 4, SEQ)).toBe("MMMMHMMMH"); });
  test("FIFO", async () => { expect(await outcomes("fifo", 4, SEQ)).toBe("MMMMHMHHM"); });
  test("tree-PLRU", async () => { expect(await outcomes("plru", 4, SEQ)).toBe("MMMMHMHMH"); });
  test("random: the seeded victim, and only it, misses (each page probed in its own run)", async () => {
    const victims = new Set<number>();
    for (const seed of [1n, 2n, 3n, 12345n]) {
      const v = xorshiftVictim(seed, 4n);
      victims.add(v);
      for (const [way, page] of [A, B, C, D].entries()) {
        expect(await outcomes("random", 4, [A, B, C, D, E, page], seed), `seed ${seed}, page in way ${way}`).toBe(way === v ? "MMMMMM" : "MMMMMH");
      }
    }
    expect(victims.size).toBeGreaterThan(1);      // the seed matters
  });
});

describe("32 ways, through the hash of tags", () => {
  const fill = Array.from({ length: 32 }, (_, i) => i + 1);
  const seq = [...fill, 1, 33, 17, 2];
  const head = "M".repeat(32) + "HM";
  test("true LRU", async () => { expect(await outcomes("lru", 32, seq)).toBe(head + "HM"); });
  test("FIFO", async () => { expect(await outcomes("fifo", 32, seq)).toBe(head + "HH"); });
  test("tree-PLRU", async () => { expect(await outcomes("plru", 32, seq)).toBe(head + "MH"); });
  test("random: the seeded victim's page misses, its neighbours hit", async () => {
    const v = xorshiftVictim(7n, 32n);
    for (const way of [v, (v + 1) % 32, (v + 31) % 32]) {
      expect((await outcomes("random", 32, [...fill, 33, way + 1], 7n)).slice(-1), `way ${way}`).toBe(way === v ? "M" : "H");
    }
  });
});

describe("refused geometries", () => {
  test("tree-PLRU needs a power-of-two ways count; entries a multiple of ways", async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    const { exports: x, raw } = await instantiateCore(memory);
    const k = readConstants(raw);
    const core: CoreExports = x;
    core.studyReset();
    expect(core.studyTlbCreate(12, 12, k.num.POLICY_PLRU, 1n, 0)).toBe(0);
    expect(core.studyTlbCreate(100, 7, k.num.POLICY_LRU, 1n, 0)).toBe(0);
    expect(core.studyTlbCreate(64, 0, k.num.POLICY_LRU, 1n, 0)).toBe(0);
    expect(core.studyTlbCreate(16, 16, 9, 1n, 0)).toBe(0);
    expect(core.studyTlbCreate(16, 16, k.num.POLICY_PLRU, 1n, 0)).not.toBe(0);
  });
});

describe("through the study: the config's policy reaches the workers", () => {
  test("a 4-entry dTLB over A B C D A E B C A: LRU 2 hits, FIFO 3, tree-PLRU 3 (each as above)", async () => {
    const { runStudy } = await import("../../src/study/study.js");
    const { checkConfig, expandConfigurations, parseSweep } = await import("../../src/study/config.js");
    const trace = Buffer.from(SEQ.map((p) => ` L ${(p * 4096).toString(16).padStart(8, "0")},8\n`).join(""));
    const configs = expandConfigurations(checkConfig({ dtlb: "4/4" }), [parseSweep("dtlb.policy=lru,fifo,plru")]);
    const items = await runStudy([trace], configs);
    expect(items.map((i) => [i.element.config["dtlb.policy"], i.element.report.dtlb_hits, i.element.report.dtlb_misses]))
      .toEqual([["lru", 2, 7], ["fifo", 3, 6], ["plru", 3, 6]]);
  });
});
