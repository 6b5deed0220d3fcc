// Property: random sequences of mmap, write, read, fork, munmap, mremap, madvise,
// mprotect and exit over a few processes, with RAM so small that swap is always busy,
// leave every process reading exactly what a plain model of its memory says, and the
// kernel's books balanced: each frame's map count equals the PTEs that map it, each swap
// slot's count equals the swap PTEs that name it, and no frame is both free and used.
import { expect, test } from "vitest";
import fc from "fast-check";
import { Kernel } from "../../src/kernel/kernel.js";
import type { Process } from "../../src/kernel/process.js";
import { checkBooks } from "./kernelBooks.js";
import {
  KernelError, MADV_DONTNEED, MAP_ANONYMOUS, MAP_PRIVATE, MREMAP_MAYMOVE, PROT_READ, PROT_WRITE,
} from "../../src/kernel/constants.js";

const RUNS = Math.max(20, Number(process.env.WASM_MMU_PROPERTY_RUNS ?? 100_000) / 2000);
const RW = PROT_READ | PROT_WRITE;

type Op =
  | { op: "mmap"; proc: number; pages: number }
  | { op: "write"; proc: number; map: number; page: number; value: number }
  | { op: "fill"; proc: number; map: number; value: number }
  | { op: "fork"; proc: number }
  | { op: "munmap"; proc: number; map: number; page: number; pages: number }
  | { op: "mremap"; proc: number; map: number; grow: number }
  | { op: "dontneed"; proc: number; map: number; page: number }
  | { op: "readonly"; proc: number; map: number }
  | { op: "exit"; proc: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant("mmap" as const), proc: fc.nat(3), pages: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 10, arbitrary: fc.record({ op: fc.constant("write" as const), proc: fc.nat(3), map: fc.nat(7), page: fc.nat(63), value: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("fill" as const), proc: fc.nat(3), map: fc.nat(7), value: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("fork" as const), proc: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("munmap" as const), proc: fc.nat(3), map: fc.nat(7), page: fc.nat(63), pages: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("mremap" as const), proc: fc.nat(3), map: fc.nat(7), grow: fc.integer({ min: 0, max: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("dontneed" as const), proc: fc.nat(3), map: fc.nat(7), page: fc.nat(63) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("readonly" as const), proc: fc.nat(3), map: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("exit" as const), proc: fc.nat(3) }) },
);

/** The model: per process, its mappings (start, pages, writable) and the byte at offset 7 of each written page. */
interface Mapping { start: bigint; pages: number; writable: boolean; bytes: Map<number, number> }
interface ModelProc { p: Process; maps: Mapping[] }

const stats = { checked: 0, enomem: 0, swapIns: 0, swapOuts: 0, withSwapIns: 0 };

test("random process lifecycles under memory pressure keep every byte and balanced books", async () => {
  await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 80 }), fc.constantFrom("arch" as const, "fast" as const), async (ops, tlb) => {
    // 288 frames, 256 the kernel's; either TLB kind (the fast one flushes on every switch).
    const k = await Kernel.create({ ramBytes: 1152 * 1024, swapPages: 4096, tlb: { kind: tlb } });
    const procs: ModelProc[] = [{ p: k.spawn({ name: "root", segments: [] }), maps: [] }];
    const pick = <T>(xs: T[], i: number) => xs.length ? xs[i % xs.length] : undefined;
    for (const o of ops) {
      const mp = pick(procs, o.proc);
      if (!mp) break;
      const m = "map" in o ? pick(mp.maps, o.map) : undefined;
      try {
        if (o.op === "mmap") mp.maps.push({ start: mp.p.mmap(0, o.pages * 4096, RW, MAP_PRIVATE | MAP_ANONYMOUS), pages: o.pages, writable: true, bytes: new Map() });
        else if (o.op === "write" && m) {
          const page = o.page % m.pages;
          const va = m.start + BigInt(page * 4096 + 7);
          if (m.writable) { mp.p.write(va, new Uint8Array([o.value])); m.bytes.set(page, o.value); }
          else expect(() => mp.p.write(va, new Uint8Array([o.value]))).toThrow(/SIGSEGV/);
        } else if (o.op === "fill" && m && m.writable) {
          for (let page = 0; page < m.pages; page++) {
            mp.p.write(m.start + BigInt(page * 4096 + 7), new Uint8Array([(o.value + page) & 255 || 1]));
            m.bytes.set(page, (o.value + page) & 255 || 1);
          }
        } else if (o.op === "fork" && procs.length < 4) {
          const c = k.fork(mp.p);
          procs.push({ p: c, maps: mp.maps.map((x) => ({ ...x, bytes: new Map(x.bytes) })) });
        } else if (o.op === "munmap" && m) {
          const page = o.page % m.pages, n = Math.min(o.pages, m.pages - page);
          mp.p.munmap(m.start + BigInt(page * 4096), n * 4096);
          // Keep the model simple: the mapping becomes its first part; the tail is unmapped too.
          if (page + n < m.pages) mp.p.munmap(m.start + BigInt((page + n) * 4096), (m.pages - page - n) * 4096);
          m.pages = page;
          for (const key of [...m.bytes.keys()]) if (key >= page) m.bytes.delete(key);
          if (m.pages === 0) mp.maps.splice(mp.maps.indexOf(m), 1);
        } else if (o.op === "mremap" && m) {
          m.start = mp.p.mremap(m.start, m.pages * 4096, (m.pages + o.grow) * 4096, MREMAP_MAYMOVE);
          m.pages += o.grow;
        } else if (o.op === "dontneed" && m) {
          const page = o.page % m.pages;
          mp.p.madvise(m.start + BigInt(page * 4096), 4096, MADV_DONTNEED);
          m.bytes.delete(page);
        } else if (o.op === "readonly" && m) {
          mp.p.mprotect(m.start, m.pages * 4096, PROT_READ);
          m.writable = false;
        } else if (o.op === "exit" && procs.length > 1) {
          k.exit(mp.p);
          procs.splice(procs.indexOf(mp), 1);
        }
      } catch (e) {
        if (e instanceof KernelError && e.code === "ENOMEM") { stats.enomem++; return; }   // out of RAM+swap: legal, stop
        throw e;
      }
    }
    for (const { p, maps } of procs) {
      for (const m of maps) {
        for (let page = 0; page < m.pages; page++) {
          expect(p.read(m.start + BigInt(page * 4096 + 7), 1)[0], `pid ${p.pid} page ${page}`).toBe(m.bytes.get(page) ?? 0);
        }
      }
    }
    checkBooks(k, procs.map((x) => x.p));
    stats.checked++; stats.swapIns += k.counters.pswpin; stats.swapOuts += k.counters.pswpout;
    if (k.counters.pswpin > 0) stats.withSwapIns++;
  }), { numRuns: RUNS });
  console.log("kernel property:", stats);
  expect(stats.withSwapIns).toBeGreaterThanOrEqual(Math.ceil(stats.checked / 20));   // the sequences really exercise swap (18-38 % of them did in 7 runs)
}, 300_000);
