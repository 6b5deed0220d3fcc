// The architectural TLB's batch loop (assembly/batch.ts: an inline L1 hit, everything else
// through the per-call translation) against the per-call path, in every geometry class the
// probes are specialised for: two machines with the same RAM, the same control state and the
// same random accesses, one translating each access by a call, the other in batches. Every
// result (PA or fault kind and error code), every counter of every level, every A/D bit in
// RAM and, through the hits and misses that follow, every LRU stamp must agree.
import { describe, expect, test } from "vitest";
import { Machine, type ControlFlags } from "../../src/machine.js";
import { PageTableBuilder, PAGE_1G, PAGE_2M } from "../../src/arch/x86/pageTable.js";

const RAM = 15 << 20;                       // not a multiple of 2 MiB: a large page can run past RAM
const BASE4K = 0x400000;                    // 96 pages of 4 KiB, flags from the page number
const PAGES = 96;
const BASE2M = 0x4000_0000;                 // 4 pages of 2 MiB, the last one past the end of RAM
const BASE1G = 0x8000_0000;                 // 1 page of 1 GiB (frame 0)

/** xorshift32: reproducible streams. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>>= 0); };
}

async function twins(itlb: string, dtlb: string, stlb: string): Promise<[Machine, Machine]> {
  const tlb = { kind: "arch" as const, itlb, dtlb, stlb };
  const a = await Machine.create({ ramBytes: RAM, tlb });
  const b = await Machine.create({ ramBytes: RAM, tlb });
  const pt = new PageTableBuilder(a, { allocBase: 0x100000, allocLimit: 0x200000 });
  for (let p = 0; p < PAGES; p++) {
    if (p % 13 === 7) continue;                                           // not present
    pt.map(BASE4K + p * 4096, 0x300000 + p * 4096, 4096, {
      user: (p & 1) !== 0, write: (p & 2) !== 0, nx: p % 11 === 4, accessed: (p & 8) !== 0,
      dirty: (p & 8) !== 0 && (p & 16) !== 0, global: (p & 32) !== 0, key: (p >> 2) & 3,
    });
  }
  for (let i = 0; i < 4; i++) pt.map(BASE2M + i * PAGE_2M, 0x400000 + i * PAGE_2M + (i === 3 ? 0x200000 : 0), PAGE_2M, { user: i !== 1, write: i !== 2 });
  pt.map(BASE1G, 0, PAGE_1G, { user: true, global: true });
  b.phys.bytes.set(a.phys.bytes);
  for (const m of [a, b]) m.setControl({ cr3: pt.cr3, nxe: true, wp: true });
  return [a, b];
}

/** Random accesses: mostly a few hot 4 KiB pages (L1 hits), then the rest, large pages, unmapped VAs and invalid access bytes. */
function stream(m: Machine, seed: number, n: number): { va: number[]; acc: number[] } {
  const r = rng(seed);
  const valid: number[] = [];
  for (const kind of ["read", "write", "fetch"] as const) valid.push(m.access(kind, 0), m.access(kind, 3), m.access(kind, 0, true));
  const va: number[] = [], acc: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = r() % 100;
    let v: number;
    if (c < 55) v = BASE4K + (r() % 6) * 4096 * 5 + (r() % 4096);
    else if (c < 75) v = BASE4K + (r() % PAGES) * 4096 + (r() % 4096);
    else if (c < 85) v = BASE2M + (r() % 4) * PAGE_2M + (r() % PAGE_2M);
    else if (c < 90) v = BASE1G + (r() % PAGE_1G);
    else v = 0xc000_0000 + (r() % 64) * 4096;                            // nothing mapped
    va.push(v);
    const k = r() % 100;
    acc.push(k < 3 ? [3, 0x0c, 0x13, 0xff][r() % 4]! : k < 60 ? valid[r() % 3]! : valid[r() % valid.length]!);
  }
  return { va, acc };
}

/** The fault record as the batch encodes it, ~(kind << 32 | error code), and in full (address, level, access...). */
function fault(m: Machine): { code: bigint; record: string } {
  const n = m.k.num, view = new DataView(m.memory.buffer);
  const kind = view.getUint32(n.FAULT_OFFSET + n.FAULT_KIND, true), ec = view.getUint32(n.FAULT_OFFSET + n.FAULT_ERROR_CODE, true);
  return { code: ~((BigInt(kind) << 32n) | BigInt(ec)), record: JSON.stringify(m.lastFault(), (_k, v) => typeof v === "bigint" ? v.toString(16) : v) };
}

/** Per call: the result as the batch would write it (PA, or the encoded fault) and the full fault record. */
function perCall(m: Machine, va: number, acc: number): { r: bigint; record: string } {
  const r = m.raw.translate(va >>> 0, 0, acc);
  if (r !== -1) return { r: BigInt(r), record: "" };
  const f = fault(m);
  return { r: f.code, record: f.record };
}

const snapshot = (m: Machine) => JSON.stringify(m.tlb.stats());

/** Run the stream on `a` per call and on `b` in batches (`stop`: stop at each fault and resume after it). */
function compare(a: Machine, b: Machine, s: { va: number[]; acc: number[] }, stop: boolean, what: string): void {
  const want = s.va.map((v, i) => perCall(a, v, s.acc[i]!));
  const n = s.va.length;
  for (let i = 0; i < n; i++) { b.batch.vaWords[2 * i] = s.va[i]!; b.batch.vaWords[2 * i + 1] = 0; b.batch.acc[i] = s.acc[i]!; }
  const got: { r: bigint; record: string }[] = [];
  if (stop) {
    // Stopping at each fault, its full record is compared too; resume at the next item.
    let at = 0;
    while (at < n) {
      const end = b.core.translateBatch(n, 1, at) >>> 0;            // the core's export: batch.run throws on an invalid byte
      for (let i = at; i < end; i++) got.push({ r: b.batch.out[i]!, record: "" });
      if (end < n) got.push({ r: fault(b).code, record: fault(b).record });
      at = end + 1;
    }
  } else {
    b.core.translateBatch(n, 0, 0);
    for (let i = 0; i < n; i++) got.push({ r: b.batch.out[i]!, record: want[i]!.record });
  }
  for (let i = 0; i < n; i++) {
    if (got[i]!.r !== want[i]!.r || got[i]!.record !== want[i]!.record) {
      const item = { what, item: i, va: s.va[i]!.toString(16), acc: s.acc[i] };
      expect({ ...item, ...got[i] }).toEqual({ ...item, ...want[i] });
    }
  }
  expect(snapshot(b), what).toBe(snapshot(a));
  expect(Buffer.compare(Buffer.from(b.phys.bytes.subarray(0, 0x200000)), Buffer.from(a.phys.bytes.subarray(0, 0x200000))), `${what}: A/D bits`).toBe(0);
}

/** Control states the hit path reads: WP, NXE, SMEP/SMAP with EFLAGS.AC, keys, PCIDs, paging modes' VA width. */
const PHASES: ControlFlags[] = [
  {},
  { wp: false, nxe: false },
  { smep: true, smap: true, ac: false },
  { smep: true, smap: true, ac: true },
  { pke: true, pkru: 0b0110_0100 },                                   // key 1 access-disabled, key 2 write-disabled, key 3 both
  { pge: true, pcide: true },
];

// One geometry per probe: 1, 2, 4, 8, 12 and 16 ways (constant trip counts), odd and
// non-power-of-two set counts, narrow generic (3, 5, 6 ways) and wide (more than 32) sets.
const GEOMETRIES: [string, string, string][] = [
  ["64/8", "64/4", "1536/12"],
  ["4/1", "8/1", "16/1"],
  ["8/2", "16/4", "32/8"],
  ["32/16", "24/12", "64/16"],
  ["9/3", "10/5", "30/6"],
  ["6/2", "12/4", "48/16"],
  ["40/40", "64/64", "130/65"],
];

describe("architectural TLB: batches agree with per-call translation", () => {
  test.each(GEOMETRIES)("iTLB %s, dTLB %s, STLB %s", async (itlb, dtlb, stlb) => {
    const [a, b] = await twins(itlb, dtlb, stlb);
    let seed = 0x2545f491;
    for (const [p, flags] of PHASES.entries()) {
      for (const m of [a, b]) m.setControl(flags);
      if (flags.pcide) {
        const cr3 = a.control().cr3;
        for (const m of [a, b]) m.writeCr3(cr3 | 5n);                    // PCID 5; the entries of PCID 0 stay
      }
      for (const stop of [false, true]) {
        compare(a, b, stream(a, seed++, 3000), stop, `phase ${p} ${JSON.stringify(flags)}, stopOnFault ${stop}`);
      }
    }
  }, 60_000);

  test("a batch's hits stamp the LRU clock in order: the next eviction picks the same way as per call", async () => {
    // A dTLB of one 4-way set: after the batch, the way touched longest ago is the one the next page evicts.
    const [a, b] = await twins("2/1", "4/4", "8/8");
    const read = a.access("read", 3);
    const run = (pages: number[], what: string) =>
      compare(a, b, { va: pages.map((p) => BASE4K + p * 4096), acc: pages.map(() => read) }, false, what);
    run([1, 11, 21, 31, 31, 1, 21, 11, 1, 31], "fill and touch");   // user pages; 21 is now the least recently used
    expect(b.tlb.stats().dtlb).toMatchObject({ hits: 6, misses: 4, evictions: 0 });
    run([41, 1, 11, 31, 21], "evict");                                // 41 evicts 21; then 21 evicts 41
    expect(b.tlb.stats().dtlb).toMatchObject({ hits: 9, misses: 6, evictions: 2 });
  });
});
