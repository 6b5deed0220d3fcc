// Paging-structure caches (Intel SDM §4.10.3), worked by hand: one entry each (1/1), so
// every fill replaces. Loads of five new pages (every one a walk):
//
// 4 KiB pages (4 levels; keys: PML4E va[47:39], PDPTE va[47:30], PDE va[47:21]):
//   0x00001000  no cache holds anything: 4 references; caches PML4E 0, PDPTE 0, PDE 0
//   0x00002000  same page table: PDE cache hit: 1 reference (the PTE)
//   0x00200000  PDE 1 misses, PDPTE 0 hits: 2 references (PDE, PTE); PDE cache now 1
//   0x40000000  PDE 0x200 and PDPTE 1 miss, PML4E 0 hits: 3 references; PDPTE 1, PDE 0x200
//   0x8000000000 PML4E 1: nothing hits: 4 references
//   -> 5 walks, 14 references, one hit in each cache.
// 2 MiB pages (3 levels, the PDE is the leaf: no PDE cache):
//   0x00001000 3 references; 0x00002000 same 2 MiB page: a dTLB hit, no walk;
//   0x00200000 PDPTE 0 hits: 1 reference; 0x40000000 PML4E 0 hits: 2; 0x8000000000: 3
//   -> 4 walks, 9 references, PDPTE 1 hit, PML4E 1 hit, PDE 0.
import { describe, expect, test } from "vitest";
import { checkConfig, expandConfigurations } from "../../src/study/config.js";
import { runStudy } from "../../src/study/study.js";

const TRACE = Buffer.from([0x1000, 0x2000, 0x200000, 0x40000000, 0x8000000000].map((a) => ` L ${a.toString(16).padStart(8, "0")},8\n`).join(""));
const CACHES = { pml4: "1/1", pdpt: "1/1", pde: "1/1" };

async function report(h: Record<string, unknown>) {
  return (await runStudy([TRACE], expandConfigurations(checkConfig(h), []), { jobs: 1 }))[0]!.element.report;
}

describe("paging-structure caches", () => {
  test("4 KiB pages: a hit at each level cuts the walk to the levels below it", async () => {
    expect(await report({ walk_caches: CACHES })).toMatchObject({
      walks: 5, page_faults: 5, walk_memory_refs: 14, pml4_cache_hits: 1, pdpt_cache_hits: 1, pde_cache_hits: 1,
    });
  });
  test("2 MiB pages: three levels, the PDE is the leaf", async () => {
    expect(await report({ page_size: 2097152, walk_caches: CACHES })).toMatchObject({
      walks: 4, dtlb_hits: 1, walk_memory_refs: 9, pml4_cache_hits: 1, pdpt_cache_hits: 1, pde_cache_hits: 0,
    });
  });
  test("only the caches configured: a PDPTE cache alone; none at all keeps replay's keys", async () => {
    // PDPTE only: 4, then 0x2000: PDPTE 0 hit (2), 0x200000: hit (2), 0x40000000: miss (4), 0x8000000000: miss (4).
    expect(await report({ walk_caches: { pdpt: "1/1" } })).toMatchObject({ walk_memory_refs: 16, pdpt_cache_hits: 2, pml4_cache_hits: 0, pde_cache_hits: 0 });
    const plain = await report({});
    expect(plain).not.toHaveProperty("walk_memory_refs");
    expect(plain.walks).toBe(5);
  });
  test("the schema checks the caches' geometry, naming the path", () => {
    expect(() => checkConfig({ walk_caches: { pde: "32/5" } }, "c.json")).toThrow('c.json /walk_caches/pde: "32/5": entries 32 is not a multiple of ways 5');
    expect(() => checkConfig({ walk_caches: { pdp: "4/4" } }, "c.json")).toThrow('c.json /walk_caches/pdp: unknown key "pdp"');
  });
});

describe("CSV carries the extensions' keys", () => {
  test("walk_memory_refs and the caches' hits follow replay's columns", async () => {
    const { sweepCsv } = await import("../../src/study/output.js");
    const items = await runStudy([TRACE], expandConfigurations(checkConfig({ walk_caches: CACHES }), []), { jobs: 1 });
    const [header, row] = sweepCsv(items.map((i) => i.element)).trim().split("\n");
    const cols = header!.split(",");
    expect(cols.slice(-5)).toEqual(["outcome_hash", "walk_memory_refs", "pml4_cache_hits", "pdpt_cache_hits", "pde_cache_hits"]);
    expect(row!.split(",").slice(-4)).toEqual(["14", "1", "1", "1"]);
  });
});
