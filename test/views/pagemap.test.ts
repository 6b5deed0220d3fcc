// /proc/PID/pagemap: entry bits for present, swapped, zero-page and empty PTEs, PFNs
// hidden from unprivileged readers, and the read(2) rules.
import { describe, expect, test } from "vitest";
import { TASK_SIZE_4LEVEL } from "../../src/kernel/vma.js";
import {
  PM_FILE, PM_MMAP_EXCLUSIVE, PM_PRESENT, PM_SOFT_DIRTY, PM_SWAP, type PagemapState, pagemapEntry, readPagemap,
} from "../../src/views/pagemap.js";

describe("pagemap entries", () => {
  test("not present: 0, or just soft-dirty", () => {
    expect(pagemapEntry({ kind: "none" }, true)).toBe(0n);
    expect(pagemapEntry({ kind: "none", softDirty: true }, true)).toBe(PM_SOFT_DIRTY);
  });
  test("present: bit 63 + PFN; exclusive → 56; file or shared → 61", () => {
    expect(pagemapEntry({ kind: "present", pfn: 0x1234n, exclusive: true, fileOrShared: false }, true))
      .toBe(PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x1234n);
    expect(pagemapEntry({ kind: "present", pfn: 0x1234n, exclusive: false, fileOrShared: true, softDirty: true }, true))
      .toBe(PM_PRESENT | PM_FILE | PM_SOFT_DIRTY | 0x1234n);
    expect(pagemapEntry({ kind: "present", pfn: 0x1234n, exclusive: true, fileOrShared: true }, true))
      .toBe(0xa100000000001234n);
  });
  test("unprivileged: PFN 0, flags kept", () => {
    expect(pagemapEntry({ kind: "present", pfn: 0x1234n, exclusive: true, fileOrShared: true }, false))
      .toBe(PM_PRESENT | PM_MMAP_EXCLUSIVE | PM_FILE);
  });
  test("swap: bit 62, frame = type | offset << 5 (privileged only)", () => {
    const s: PagemapState = { kind: "swap", type: 3, offset: 0x1abcn };
    expect(pagemapEntry(s, true)).toBe(PM_SWAP | 3n | (0x1abcn << 5n));
    expect(pagemapEntry(s, false)).toBe(PM_SWAP);
    expect(pagemapEntry({ ...s, softDirty: true }, false)).toBe(PM_SWAP | PM_SOFT_DIRTY);
    expect(() => pagemapEntry({ kind: "swap", type: 32, offset: 0n }, true)).toThrow(/swap type 32/);
  });
  test("the frame field is 55 bits wide", () => {
    expect(pagemapEntry({ kind: "swap", type: 0, offset: 1n << 50n }, true)).toBe(PM_SWAP);
  });
  test("zero page: present + PFN, never file or exclusive", () => {
    expect(pagemapEntry({ kind: "zero", pfn: 0x2a3en }, true)).toBe(PM_PRESENT | 0x2a3en);
    expect(pagemapEntry({ kind: "zero", pfn: 0x2a3en }, false)).toBe(PM_PRESENT);
  });
});

describe("pagemap reads", () => {
  const entryFor = (vpn: bigint): PagemapState =>
    vpn === 0x7f0000001n ? { kind: "present", pfn: 0x99n, exclusive: true, fileOrShared: false } : { kind: "none" };
  const le = (b: Uint8Array, i = 0) => new DataView(b.buffer, b.byteOffset).getBigUint64(i * 8, true);

  test("the entry for a VA is at (va >> 12) * 8, little-endian", () => {
    const va = 0x7f0000001234n;
    const b = readPagemap((va >> 12n) * 8n, 24, entryFor, TASK_SIZE_4LEVEL, true);
    expect(b.length).toBe(24);
    expect(le(b)).toBe(PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x99n);
    expect(b[0]).toBe(0x99);
    expect(b[7]).toBe(0x81);
    expect(le(b, 1)).toBe(0n);
  });
  test("offset or length not a multiple of 8 → EINVAL", () => {
    expect(() => readPagemap(4n, 8, entryFor, TASK_SIZE_4LEVEL, true)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => readPagemap(8n, 12, entryFor, TASK_SIZE_4LEVEL, true)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
  test("zero length reads nothing", () => {
    expect(readPagemap(0n, 0, entryFor, TASK_SIZE_4LEVEL, true).length).toBe(0);
  });
  test("at or beyond task_size: 0 bytes; across it: only the pages below", () => {
    const top = (TASK_SIZE_4LEVEL >> 12n) * 8n;
    expect(readPagemap(top, 64, entryFor, TASK_SIZE_4LEVEL, true).length).toBe(0);
    expect(readPagemap(top + 8000n, 64, entryFor, TASK_SIZE_4LEVEL, true).length).toBe(0);
    expect(readPagemap((0xffffffffff600000n >> 12n) * 8n, 8, entryFor, TASK_SIZE_4LEVEL, true).length).toBe(0);
    expect(readPagemap(top - 16n, 64, entryFor, TASK_SIZE_4LEVEL, true).length).toBe(16);
  });
});
