// Validation at the edge: bad options are rejected with the bad value named.
import { expect, test } from "vitest";
import { Machine } from "../../src/machine.js";

test.each([
  [{ ramBytes: 1_000_000 + 1 }, /ramBytes: 1000001 is not a multiple of 4096/],
  [{ ramBytes: 512 * 1024 }, /ramBytes: 524288 is below the minimum/],
  [{ ramBytes: 4 * 1024 ** 3 }, /ramBytes: 4294967296 is above the maximum/],
  [{ maxPhyAddr: 53 }, /maxPhyAddr: 53/],
  [{ mode: "6level" as never }, /mode: "6level"/],
  [{ quirks: "bochs" as never }, /quirks: "bochs"/],
  [{ tlb: { kind: "arch" as const, stlb: "1536/11" } }, /tlb.stlb: entries 1536 is not a multiple of ways 11/],
  [{ tlb: { kind: "arch" as const, dtlb: "64x4" } }, /tlb.dtlb: "64x4" is not of the form ENTRIES\/WAYS/],
  [{ tlb: { kind: "fast" as const, entries: 1000 } }, /tlb.entries: 1000 is not a power of two/],
  [{ tlb: { kind: "arch" as const, itlb: { entries: 0, ways: 1 } } }, /tlb.itlb: entries 0/],
])("Machine.create(%j) is rejected", async (opts, message) => {
  await expect(Machine.create(opts)).rejects.toThrow(message);
});

test("a machine of 3.5 GiB, the maximum, can be created and addressed at its last byte", async () => {
  const m = await Machine.create({ ramBytes: 3.5 * 1024 ** 3, mode: "none" });
  m.phys.writeU32(3.5 * 1024 ** 3 - 4, 0xdeadbeef);
  expect(m.phys.readU32(3.5 * 1024 ** 3 - 4)).toBe(0xdeadbeef);
  expect(() => m.phys.readU32(3.5 * 1024 ** 3 - 2)).toThrow(/outside RAM/);
});

test("virtual addresses that a number cannot hold exactly are refused", async () => {
  const m = await Machine.create({});
  expect(() => m.translate(2 ** 60)).toThrow(/not a safe/);
  expect(() => m.translate(1n << 64n)).toThrow(/does not fit 64 bits/);
});
