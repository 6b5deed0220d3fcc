// The access byte is never trusted: every value an embedder can pass (0..255 in
// batch.acc, any u32 through raw.translate and the core's exports) either is a valid
// access (kind 0-2, and user or implicit or neither: 9 bytes) or stops with a FAULT_BAD_ACCESS record,
// touching nothing else: no TLB entry, no counter, no A/D bit, no byte of the core's state.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Machine } from "../../src/machine.js";
import { PageTableBuilder } from "../../src/arch/x86/pageTable.js";
import { Batch } from "../../src/batch.js";
import type { TlbKind } from "../../src/config.js";

const KINDS: TlbKind[] = ["none", "fast", "arch"];

async function machine(kind: TlbKind) {
  const m = await Machine.create({ ramBytes: 1 << 20, tlb: { kind, itlb: "4/2", dtlb: "4/2", stlb: "8/2", entries: 16 } });
  const pt = new PageTableBuilder(m, { allocBase: 0x10000 });
  for (let p = 0; p < 8; p++) pt.map(0x400000 + p * 4096, 0x80000 + p * 4096, 4096, { user: p % 2 === 0 });
  m.setControl({ cr3: pt.cr3 });
  // Some entries in every TLB, A/D bits set on some pages.
  for (let p = 0; p < 8; p++) { m.translate(0x400000 + p * 4096, "read", 0); m.translate(0x400000 + p * 4096, "write", 0); }
  return m;
}

const valid = (acc: number) => acc < 16 && (acc & 3) !== 3 && (acc & 12) !== 12;

/**
 * Everything of the machine's memory an invalid access may not change: all but the fault
 * record and the batch buffers (`quick`: the static data, the core's small regions, the
 * TLB arrays in use and RAM; not the replay regions, which no translation uses).
 */
function snapshot(m: Machine, quick = false): { bytes: Uint8Array; stats: string } {
  const n = m.k.num;
  const mem = new Uint8Array(m.memory.buffer);
  const kind = m.tlbConfig.kind;
  const fastBytes = m.tlbConfig.entries * n.FAST_ENTRY_SIZE;
  const parts = quick
    ? [mem.slice(0, n.BATCH_VA_OFFSET), mem.slice(n.FAST_OFFSET, n.FAST_OFFSET + n.FAST_SLOTS * fastBytes),
      mem.slice(n.FAST_LIST_OFFSET, n.FAST_NEVER_OFFSET + fastBytes),
      ...archArrays(m).map(([at, size]) => mem.slice(at, at + size)), m.phys.bytes.slice()]
    : [mem.slice()];
  const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((at, p) => { all.set(p, at); return at + p.length; }, 0);
  all.fill(0, n.FAULT_OFFSET, n.FAULT_OFFSET + n.FAULT_RECORD_SIZE);
  if (!quick) all.fill(0, n.BATCH_VA_OFFSET, n.BATCH_OUT_OFFSET + n.BATCH_CAPACITY * 8);
  return { bytes: all, stats: JSON.stringify(m.tlb.stats()) };
}
/** [offset, bytes] of every architectural TLB array entry in use (tags, frames, stamps u64; meta u32). */
function archArrays(m: Machine): [number, number][] {
  const n = m.k.num;
  return (["itlb", "dtlb", "stlb"] as const).flatMap((level, l) => {
    const base = n.ARCH_OFFSET + l * n.ARCH_LEVEL_BYTES, entries = m.tlbConfig[level].entries;
    return [[base + n.ARCH_TAGS, entries * 8], [base + n.ARCH_FRAMES, entries * 8], [base + n.ARCH_STAMPS, entries * 8],
      [base + n.ARCH_META, entries * 4]] as [number, number][];
  });
}

function expectUnchanged(m: Machine, before: { bytes: Uint8Array; stats: string }, what: string, quick = false): void {
  const after = snapshot(m, quick);
  expect(after.stats, what).toBe(before.stats);
  if (Buffer.compare(after.bytes, before.bytes) !== 0) {
    const at = after.bytes.findIndex((b, i) => b !== before.bytes[i]);
    expect.fail(`${what}: byte 0x${at.toString(16)} of the core's memory changed`);
  }
}

describe.each(KINDS)("%s TLB", (kind) => {
  test("every invalid access byte in a batch (16..255, kind 3, user with implicit) is a FAULT_BAD_ACCESS result and changes nothing", async () => {
    const m = await machine(kind);
    const bad = Array.from({ length: 256 }, (_, i) => i).filter((a) => !valid(a));
    const before = snapshot(m);
    for (let i = 0; i < bad.length; i++) {
      m.batch.vaWords[2 * i] = 0x400000 + (i % 8) * 4096;
      m.batch.vaWords[2 * i + 1] = 0;
      m.batch.acc[i] = bad[i]!;
    }
    expect(() => m.batch.run(bad.length, false)).toThrow(/batch\.acc\[0\] = 3 \(0x3\) is not an access byte/);
    for (let i = 0; i < bad.length; i++) expect(Batch.decodeFault(m.batch.out[i]!).kind, `acc ${bad[i]}`).toBe(m.k.num.FAULT_BAD_ACCESS);
    expectUnchanged(m, before, "batch");
  });

  test("stopping on faults, a batch stops at the first invalid byte with an error naming it and its index", async () => {
    const m = await machine(kind);
    m.batch.vaWords.fill(0, 0, 8);
    [0x400000, 0x401000, 0x402000, 0x403000].forEach((va, i) => { m.batch.vaWords[2 * i] = va; });
    m.batch.acc.set([0, 1, 0x13, 0]);
    expect(() => m.batch.run(4)).toThrow(/batch\.acc\[2\] = 19 \(0x13\) is not an access byte/);
    expect(m.lastFault()).toMatchObject({ kind: "BAD_ACCESS", address: 0x402000n });
  });

  test("raw.translate: every u32 access value that is not an access byte returns -1 with a FAULT_BAD_ACCESS record and changes nothing", async () => {
    const m = await machine(kind);
    const before = snapshot(m);
    const values = [...Array.from({ length: 256 }, (_, i) => i).filter((a) => !valid(a)), 256, 0x1000, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];
    for (const acc of values) {
      for (let p = 0; p < 8; p++) {
        expect(m.raw.translate(0x400000 + p * 4096, 0, acc), `acc ${acc}`).toBe(-1);
        const f = m.lastFault();
        expect(f.kind, `acc ${acc}`).toBe("BAD_ACCESS");
        expect(f.message).toContain(`access byte ${acc} (0x${acc.toString(16)})`);
      }
      expect(m.core.translate(0x400000, 0, acc), `core export, acc ${acc}`).toBe(-1);
      expect(m.core.walkOnce(0x400000, 0, acc, 1), `walkOnce, acc ${acc}`).toBe(-1);
    }
    expectUnchanged(m, before, "raw.translate");
  });

  test("raw.translate refuses an access that is not a u32, or on a miss a lo or hi that is not 32 bits, naming it", async () => {
    const m = await machine(kind);
    for (const acc of [-1, 1.5, 2 ** 32, NaN, Infinity]) {
      expect(() => m.raw.translate(0x400000, 0, acc), String(acc)).toThrow(new RegExp(`access ${String(acc).replace(".", "\\.")} is not a u32`));
    }
    expect(() => m.raw.translate(0x40f008 + 2 ** 32, 0, 0)).toThrow(/raw\.translate: lo 4299223048 is not a 32-bit integer/);
    expect(() => m.raw.translate(0x40f008, 2 ** 32, 0)).toThrow(/raw\.translate: hi 4294967296 is not a 32-bit integer/);
    expect(() => m.raw.translate(0x40f008, 0.5, 0)).toThrow(/raw\.translate: hi 0\.5 is not a 32-bit integer/);
    expect(() => m.raw.translate("4255752" as never, 0, 0)).toThrow(/raw\.translate: lo "4255752" is not a number/);
    expect(() => m.raw.translate(0x400008, 0, "0" as never)).toThrow(/raw\.translate: access "0" is not a number/);
    // A 32-bit half may come as an i32 (an emulator's Int32Array word): -1 is 0xffffffff.
    expect(m.raw.translate(0x400008, -1, 0)).toBe(-1);
    expect(m.lastFault()).toMatchObject({ kind: "PF", address: 0xffffffff00400008n });
  });

  test("random VAs with random access values 0..255 and u32: valid ones translate as Machine.translate does, invalid ones change nothing", async () => {
    const m = await machine(kind);
    const twin = await machine(kind);
    await fc.assert(fc.property(fc.integer({ min: 0, max: 15 }), fc.nat(0xfff), fc.oneof(fc.nat(255), fc.nat(0xffffffff)), (page, offset, acc) => {
      const va = 0x400000 + page * 4096 + offset;
      if (valid(acc)) {
        const kindName = (["read", "write", "fetch"] as const)[acc & 3]!;
        const want = twin.translate(va, kindName, acc & 4 ? 3 : 0, { implicit: (acc & 8) !== 0 });
        const got = m.raw.translate(va, 0, acc);
        expect(got).toBe(want.ok ? want.pa : -1);
        if (!want.ok) expect(m.lastFault().errorCode).toBe(want.fault.errorCode);
      } else {
        const before = snapshot(m, true);
        expect(m.raw.translate(va, 0, acc)).toBe(-1);
        expect(m.lastFault().kind).toBe("BAD_ACCESS");
        expectUnchanged(m, before, `acc ${acc}`, true);
      }
    }), { numRuns: 200 });
  });
});

test("kind 3 never hits an entry filled for a user read (it shared the user-read slot)", async () => {
  const m = await machine("fast");
  expect(m.translate(0x400000, "read", 3).ok).toBe(true);
  expect(m.raw.translate(0x400000, 0, 4 | 3)).toBe(-1);
  expect(m.lastFault().kind).toBe("BAD_ACCESS");
});
