// Embedding: a machine inside a memory the emulator already owns, with RAM at an offset.
import { expect, test } from "vitest";
import { Machine } from "../../src/machine.js";
import { PageTableBuilder } from "../../src/arch/x86/pageTable.js";

test("a machine adopts an existing WebAssembly.Memory and uses RAM at the given offset", async () => {
  const coreEnd = await Machine.coreEnd();
  const ramOffset = coreEnd + 0x100000;                        // the emulator keeps 1 MiB for itself after the core
  const memory = new WebAssembly.Memory({ initial: Math.ceil((ramOffset + (8 << 20)) / 65536) });
  const m = await Machine.create({ memory, ramOffset, ramBytes: 8 << 20 });
  const pt = new PageTableBuilder(m);
  pt.map(0x400000, 0x200000, 4096, { user: true });
  m.setControl({ cr3: pt.cr3 });
  new Uint8Array(memory.buffer, ramOffset + 0x200010, 1)[0] = 0xab;   // the emulator writes guest RAM itself
  const t = m.translate(0x400010, "read", 3);
  expect(t).toEqual({ ok: true, pa: 0x200010 });
  expect(m.phys.read(0x200010, 1)[0]).toBe(0xab);
  expect(new Uint8Array(memory.buffer, coreEnd, 0x100000).every((b) => b === 0)).toBe(true);   // untouched by the MMU
});

test("an adopted memory too small, an offset inside the core's state, or a physical base without an offset, is refused with the value named", async () => {
  const memory = new WebAssembly.Memory({ initial: 16 });
  await expect(Machine.create({ memory, ramBytes: 8 << 20 })).rejects.toThrow(/memory: 1048576 bytes cannot hold/);
  await expect(Machine.create({ ramOffset: 4096 })).rejects.toThrow(/ramOffset: 4096 is not a 4 KiB-aligned offset at or above/);
  // Before issue 11 ramBase named the offset: with memory, a physical base alone is ambiguous, so refused.
  await expect(Machine.create({ memory, ramBase: 0x100000, ramBytes: 1 << 20 })).rejects.toThrow(/ramBase: 1048576 is the guest-physical address of RAM; with memory, give ramOffset/);
});

test("guest memory is read and written by virtual address, across pages, with faults reported", async () => {
  const m = await Machine.create({ ramBytes: 16 << 20 });
  const pt = new PageTableBuilder(m);
  pt.map(0x400000, 0x200000, 4096, { user: true });
  pt.map(0x401000, 0x300000, 4096, { user: true });
  pt.map(0x402000, 0x500000, 4096, { user: true, write: false });
  m.setControl({ cr3: pt.cr3 });
  m.writeVirtual(0x400ffe, [1, 2, 3, 4], 3);
  expect([...m.phys.read(0x200ffe, 2), ...m.phys.read(0x300000, 2)]).toEqual([1, 2, 3, 4]);
  expect([...m.readVirtual(0x400ffe, 4, 3)]).toEqual([1, 2, 3, 4]);
  expect(() => m.writeVirtual(0x401ffe, [9, 9, 9], 3)).toThrow(/#PF at 0x402000, error code 0x7/);
  expect(m.phys.read(0x300ffe, 2)).toEqual(new Uint8Array([0, 0]));   // nothing written before the fault
});
