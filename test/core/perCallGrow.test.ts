// raw.translate over an adopted memory that its embedder grows: growing detaches every
// view the JS-side probe holds, and the probe must then miss (never read stale or wrong
// words), leaving the core to answer exactly, with the fast TLB's counters still exact.
import { expect, test } from "vitest";
import { Machine } from "../../src/machine.js";
import { PageTableBuilder } from "../../src/arch/x86/pageTable.js";

test("after the adopted memory grows, raw.translate still gives the mapped PA and the counters stay exact", async () => {
  const ramBytes = 8 << 20, ramOffset = await Machine.coreEnd();
  const pages = Math.ceil((ramOffset + ramBytes) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages + 16 });
  const m = await Machine.create({ memory, ramOffset, ramBytes, tlb: { kind: "fast" } });
  const pt = new PageTableBuilder(m);
  pt.map(0x40_0000, 0x20_0000, 4096, { user: true });
  m.setControl({ cr3: pt.cr3 });
  const rd = m.access("read", 3);
  expect(m.raw.translate(0x40_0010, 0, rd)).toBe(0x20_0010);     // miss: the core fills
  expect(m.raw.translate(0x40_0020, 0, rd)).toBe(0x20_0020);     // hit in JS
  expect(m.raw.hitCount()).toBe(1);

  memory.grow(4);                                                // the views the probe captured are detached now
  expect(m.raw.translate(0x40_0030, 0, rd)).toBe(0x20_0030);     // the core's own fast-TLB hit
  expect(m.raw.translate(0x40_1000, 0, rd)).toBe(-1);            // not mapped: the core faults
  expect(m.lastFault().errorCode).toBe(0x4);
  expect(m.raw.hitCount()).toBe(1);
  expect(m.tlb.stats().fast).toMatchObject({ hits: 2, misses: 2, faults: 1 });
});
