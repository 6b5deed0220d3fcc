// One source of truth: layouts the TypeScript side decodes (walk attributes, fast-TLB
// entries, TLB kind codes) are the core's exports, and reading one that does not exist
// is an error, not `undefined`.
import { expect, test } from "vitest";
import { Machine } from "../../src/machine.js";
import { PageTableBuilder, PAGE_2M } from "../../src/arch/x86/pageTable.js";

test("walk attributes decode with the exported ATTR_* layout", async () => {
  const m = await Machine.create({ ramBytes: 8 << 20 });
  const pt = new PageTableBuilder(m);
  pt.map(0x200000, 0x400000, PAGE_2M, { user: true, write: false, nx: true, key: 5 });
  m.setControl({ cr3: pt.cr3 });
  expect(m.core.walkOnce(0x200123, 0, m.access("read", 3), 0)).toBe(0);
  const a = m.core.lastWalkAttributes() >>> 0, n = m.k.num;
  expect({
    rw: (a & n.ATTR_RW) !== 0, us: (a & n.ATTR_US) !== 0, xd: (a & n.ATTR_XD) !== 0, g: (a & n.ATTR_GLOBAL) !== 0,
    key: (a >>> n.ATTR_KEY_SHIFT) & n.ATTR_KEY_MASK, shift: (a >>> n.ATTR_SHIFT_SHIFT) & n.ATTR_SHIFT_MASK,
  }).toEqual({ rw: false, us: true, xd: true, g: false, key: 5, shift: 21 });
  expect(m.walk(0x200123, "read", 3).pageSize).toBe(PAGE_2M);
});

test("the TLB kind codes and the fast-TLB entry layout are exported by the core", async () => {
  const m = await Machine.create({ ramBytes: 1 << 20 });
  const n = m.k.num;
  expect(new Set([n.TLB_KIND_NONE, n.TLB_KIND_FAST, n.TLB_KIND_ARCH]).size).toBe(3);
  expect(n.FAST_ENTRY_TAG + 8).toBeLessThanOrEqual(n.FAST_ENTRY_ADDEND);
  expect(n.FAST_ENTRY_ADDEND + 8).toBeLessThanOrEqual(n.FAST_ENTRY_SIZE);
  expect(n.ACC_SLOT_ENTRIES).toBe(256);
});

test("a constant the core does not export is an error; generic probes (toJSON, then) read as absent", async () => {
  const m = await Machine.create({ ramBytes: 1 << 20 });
  expect(() => (m.k.num as Record<string, number>).PTE_USR).toThrow(/no core constant named PTE_USR/);
  expect((m.k.big as unknown as { then?: unknown }).then).toBeUndefined();
  expect(m.k.big.PTE_XD).toBe(1n << 63n);                       // 64-bit constants read unsigned
});
