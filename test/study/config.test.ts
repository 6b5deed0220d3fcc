// Study configurations: the shipped schema validates (ajv), errors name the JSON path and
// the bad value, sweeps multiply in order and name their values as given.
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { checkConfig, expandConfigurations, parseSweep } from "../../src/study/config.js";
import { ConfigError } from "../../src/config.js";

const err = (f: () => unknown) => { try { f(); } catch (e) { expect(e).toBeInstanceOf(ConfigError); return (e as Error).message; } throw new Error("no error"); };

describe("config file", () => {
  test("defaults: trace-replay.md §1, true LRU", () => {
    const [c] = expandConfigurations(null, []);
    expect(c!.label).toEqual({});
    expect(c!.hierarchy).toEqual({
      pageSize: 4096, thp: null,
      itlb: { entries: 64, ways: 8, policy: "lru", seed: 1 },
      dtlb: { entries: 64, ways: 4, policy: "lru", seed: 1 },
      stlb: { entries: 1536, ways: 12, policy: "lru", seed: 1 },
      walkCaches: null,
    });
  });
  test("strings and objects, several hierarchies named", () => {
    const file = checkConfig([{ name: "skylake", stlb: "1536/12" }, { name: "zen", page_size: 2097152, dtlb: { entries: 72, ways: 72, policy: "fifo" } }]);
    const cs = expandConfigurations(file, []);
    expect(cs.map((c) => c.label)).toEqual([{ hierarchy: "skylake" }, { hierarchy: "zen" }]);
    expect(cs[1]!.hierarchy.pageSize).toBe(2097152);
    expect(cs[1]!.hierarchy.dtlb).toEqual({ entries: 72, ways: 72, policy: "fifo", seed: 1 });
  });
  test("errors name the JSON path and the bad value", () => {
    expect(err(() => checkConfig({ stlb: { entries: 64, ways: 0 } }, "c.json"))).toBe("c.json /stlb/ways: 0 must be >= 1");
    expect(err(() => checkConfig({ stlbb: "64/4" }, "c.json"))).toBe('c.json /stlbb: unknown key "stlbb"');
    expect(err(() => checkConfig({ page_size: 8192 }, "c.json"))).toBe("c.json /page_size: 8192 is not 4096, 2097152, \"thp\" or \"thp:N\" (N in 1..512)");
    expect(err(() => checkConfig({ itlb: "64x4" }, "c.json"))).toBe('c.json /itlb: "64x4" is not ENTRIES/WAYS (e.g. "1536/12")');
    expect(err(() => checkConfig({ dtlb: { entries: 64, ways: 4, policy: "mru" } }, "c.json")))
      .toBe('c.json /dtlb/policy: "mru" is not one of "lru", "plru", "fifo", "random"');
    expect(err(() => checkConfig([{}, { stlb: "100/7" }], "c.json"))).toBe('c.json /1 /stlb: "100/7": entries 100 is not a multiple of ways 7');
    expect(err(() => checkConfig({ stlb: { entries: 96, ways: 12, policy: "plru" } }, "c.json")))
      .toBe('c.json /stlb: {"entries":96,"ways":12,"policy":"plru"}: tree-PLRU needs a power-of-two ways count, not 12');
  });
  test("the shipped schema file is what validates (a key it lacks is refused)", () => {
    const schema = JSON.parse(readFileSync(new URL("../../schemas/study-config.schema.json", import.meta.url), "utf8"));
    expect(Object.keys(schema.definitions.hierarchy.properties)).toEqual(expect.arrayContaining(["page_size", "itlb", "dtlb", "stlb"]));
    expect(err(() => checkConfig({ l3tlb: "64/4" }))).toMatch(/unknown key "l3tlb"/);
  });
});

describe("sweeps", () => {
  test("multiply, first --sweep slowest, values as given", () => {
    const cs = expandConfigurations(null, [parseSweep("stlb=64/4,128/8"), parseSweep("page_size=4096,2097152")]);
    expect(cs.map((c) => c.label)).toEqual([
      { stlb: "64/4", page_size: "4096" }, { stlb: "64/4", page_size: "2097152" },
      { stlb: "128/8", page_size: "4096" }, { stlb: "128/8", page_size: "2097152" },
    ]);
    expect(cs.map((c) => [c.hierarchy.stlb.entries, c.hierarchy.pageSize])).toEqual([[64, 4096], [64, 2097152], [128, 4096], [128, 2097152]]);
  });
  test("a dotted path into a TLB given as E/W, or defaulted", () => {
    const cs = expandConfigurations([{ stlb: "256/8" }], [parseSweep("stlb.policy=fifo,random"), parseSweep("dtlb.ways=1,64")]);
    expect(cs.map((c) => [c.hierarchy.stlb, c.hierarchy.dtlb.ways])).toEqual([
      [{ entries: 256, ways: 8, policy: "fifo", seed: 1 }, 1], [{ entries: 256, ways: 8, policy: "fifo", seed: 1 }, 64],
      [{ entries: 256, ways: 8, policy: "random", seed: 1 }, 1], [{ entries: 256, ways: 8, policy: "random", seed: 1 }, 64],
    ]);
  });
  test("a bad value names the sweep, the path and the value", () => {
    expect(err(() => expandConfigurations(null, [parseSweep("stlb=64/4,100/7")]))).toBe('--sweep stlb=100/7: config /stlb: "100/7": entries 100 is not a multiple of ways 7');
    expect(err(() => expandConfigurations(null, [parseSweep("stlb.ways=0")]))).toBe("--sweep stlb.ways=0: config /stlb/ways: 0 must be >= 1");
    expect(err(() => expandConfigurations(null, [parseSweep("l2=1")]))).toBe('--sweep l2=1: config /l2: unknown key "l2"');
    expect(err(() => parseSweep("stlb"))).toMatch(/not PARAM=V1,V2/);
    expect(err(() => parseSweep("stlb=64/4,64/4"))).toMatch(/given twice/);
    expect(err(() => expandConfigurations(null, [parseSweep("stlb=64/4"), parseSweep("stlb=128/8")]))).toBe("--sweep stlb given twice");
  });
});
