// fork and exit a table at a time (src/kernel/pagerange.ts): the TLB flushes Linux makes
// (flush_tlb_mm_range's single-page ceiling), reclaim in the middle of a fork's leaf table,
// and a reverse map that gives its entries back.
import { describe, expect, test, vi } from "vitest";
import { Kernel } from "../../src/kernel/kernel.js";
import { SINGLE_PAGE_FLUSH_CEILING } from "../../src/kernel/pagerange.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, SegmentationFault } from "../../src/kernel/constants.js";
import { checkBooks } from "../property/kernelBooks.js";

const RW = PROT_READ | PROT_WRITE, ANON = MAP_PRIVATE | MAP_ANONYMOUS;

async function withPages(pages: number, ramBytes = 16 << 20, swapPages = 0) {
  const k = await Kernel.create({ ramBytes, swapPages });
  const p = k.spawn({ name: "p", segments: [] });
  const a = p.mmap(0, pages * 4096, RW, ANON);
  for (let i = 0; i < pages; i++) p.write(a + BigInt(i) * 4096n, new Uint8Array([i & 255, i >> 8]));
  return { k, p, a };
}

describe("TLB flushes of a zap", () => {
  test(`munmap of up to ${SINGLE_PAGE_FLUSH_CEILING} present pages flushes each page (INVPCID type 0)`, async () => {
    const { k, p, a } = await withPages(64);
    const spy = vi.spyOn(k.machine, "invpcid");
    p.munmap(a + 8n * 4096n, SINGLE_PAGE_FLUSH_CEILING * 4096);
    expect(spy.mock.calls).toEqual(Array.from({ length: SINGLE_PAGE_FLUSH_CEILING },
      (_, i) => [0, p.mm.pcid, a + BigInt(8 + i) * 4096n]));
    spy.mockRestore();
    expect(() => p.read(a + 8n * 4096n, 1)).toThrow(SegmentationFault);
    expect([...p.read(a + 7n * 4096n, 2)]).toEqual([7, 0]);
  });

  test("munmap of more present pages than the ceiling drops the PCID once, and nothing stale survives it", async () => {
    const { k, p, a } = await withPages(200);
    const spy = vi.spyOn(k.machine, "invpcid");
    p.munmap(a + 4096n, 150 * 4096);
    expect(spy.mock.calls).toEqual([[1, p.mm.pcid]]);
    spy.mockRestore();
    for (let i = 1; i <= 150; i++) expect(() => p.read(a + BigInt(i) * 4096n, 1)).toThrow(SegmentationFault);
    for (const i of [0, 151, 199]) expect([...p.read(a + BigInt(i) * 4096n, 2)]).toEqual([i & 255, i >> 8]);
  });

  test("exit drops the PCID once, not once per page; fork flushes the parent's PCID once", async () => {
    const { k, p } = await withPages(300);
    const spy = vi.spyOn(k.machine, "invpcid");
    const c = k.fork(p);
    expect(spy.mock.calls).toEqual([[1, p.mm.pcid]]);
    spy.mockClear();
    const pcid = c.mm.pcid;
    k.exit(c);
    expect(spy.mock.calls).toEqual([[1, pcid]]);
    spy.mockRestore();
    checkBooks(k, [p]);
  });
});

describe("fork under memory pressure", () => {
  test.each([250, 700])("making the child's leaf table may swap out the parent's pages of that very table (%i pages): both read every byte, books balance", async (pages) => {
    // 256 frames for users, (nearly) all taken by the parent's pages and tables; the child's
    // tables are found by reclaim, which swaps out pages of the table being copied (with 250
    // pages, the very entry the copy read before making the table: it must read it again).
    const { k, p, a } = await withPages(pages, 2 << 20, 4096);
    const swappedBefore = k.counters.pswpout;
    const c = k.fork(p);
    expect(k.counters.pswpout).toBeGreaterThan(swappedBefore);
    checkBooks(k, [p, c]);
    for (let i = 0; i < pages; i++) {
      expect([...c.read(a + BigInt(i) * 4096n, 2)], `child page ${i}`).toEqual([i & 255, i >> 8]);
      expect([...p.read(a + BigInt(i) * 4096n, 2)], `parent page ${i}`).toEqual([i & 255, i >> 8]);
    }
    checkBooks(k, [p, c]);
  });
});

describe("reverse map", () => {
  test("fork and exit give every reverse-map entry back: the pool does not grow over repeated forks", async () => {
    const { k, p } = await withPages(3000, 32 << 20);
    const cycle = () => {
      const c = k.fork(p), d = k.fork(c);
      k.exit(c);                                                 // the middle of three mappings goes first
      k.exit(d);
    };
    cycle();
    const pool = k.frames.rmapNext.length;
    for (let i = 0; i < 5; i++) cycle();
    expect(k.frames.rmapNext.length).toBe(pool);
    checkBooks(k, [p]);
  });

  test("a frame's mappings are its PTEs, newest first; a moved mapping is found at its new page", async () => {
    const { k, p, a } = await withPages(1);
    const c = k.fork(p), d = k.fork(c);
    const f = p.translate(a, "read") >>> 12;
    expect(k.frames.mappings(f)).toEqual([d, c, p].map((x) => ({ mmId: x.mm.id, vpn: Number(a >> 12n) })));
    const to = c.mremap(a, 4096, 4096, 3, 0x40000000);            // MREMAP_MAYMOVE | MREMAP_FIXED
    expect(k.frames.mappings(f)).toEqual([{ mmId: d.mm.id, vpn: Number(a >> 12n) }, { mmId: c.mm.id, vpn: Number(to >> 12n) },
      { mmId: p.mm.id, vpn: Number(a >> 12n) }]);
    k.exit(c);
    expect(k.frames.mappings(f)).toEqual([d, p].map((x) => ({ mmId: x.mm.id, vpn: Number(a >> 12n) })));
    checkBooks(k, [p, d]);
  });
});
