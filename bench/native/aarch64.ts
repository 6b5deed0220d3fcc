// The AArch64 rows: the core's stage-1 walker and its two TLBs (batched, a64TranslateBatch)
// against bench/native/a64-bench.c, the same algorithms in plain C, with x86's targets. One
// image built with A64PageTableBuilder: 1 GiB of 4 KiB pages (262,144 page descriptors, nG,
// AP = 01 (EL0 and EL1 read/write), AF set) at VA 0x7fc0_0000_0000 through TTBR0 (4K granule,
// T0SZ = 16: a 4-level walk from level 0; TCR.IPS 40 bits so each table's and leaf's output
// address is checked against a real limit; EPD1; ASID 5), frames aliasing 16 MiB of RAM. The
// layout of x86's bench image (bench/native/image.ts). Streams: "hot" (64 pages: every access
// an L1 or fast hit after the first pass) and "rand" (random over the 1 GiB), mixing EL0
// reads, writes and fetches, EL1 reads and LDTR. A guard pass per row checks every wasm-mmu
// result against the image's mapping and that C gives the same results and moves the same
// counters (hits, misses, walks, evictions, descriptor reads); every timed pass's hash is
// compared with the guard's. Rounds interleave the sides.
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { Machine } from "../../src/machine.js";
import { AArch64Machine } from "../../src/arch/aarch64/machine.js";
import { A64PageTableBuilder } from "../../src/arch/aarch64/pageTable.js";
import { compareCounters, compareResults, parsePass, readResults, statsDelta } from "./agree.js";
import type { NativeBuild } from "./cc.js";
import type { Kind, Stream } from "./image.js";
import type { RowResult } from "./report.js";
import { LineServer } from "./server.js";
import { WasmSide, type Timing } from "./sides.js";

const RAM_BASE = 0x4000_0000, RAM_BYTES = 32 << 20;
const TABLE_BASE = RAM_BASE + (1 << 20), FRAME_BASE = RAM_BASE + (8 << 20), FRAME_COUNT = 4096;
const VA_BASE = 0x7fc0n << 32n, REGION = 1 << 30, HOT_PAGES = 64;
const N = 65536;
const ASID = 5;
const OA_BITS = 40;
const PREWARM_PASSES = 40;

interface A64Row { id: string; label: string; kind: Kind; stream: string; target: number; x86: string }
/** The issue's rows with x86's targets (wasm-mmu / C). */
export const A64_ROWS: readonly A64Row[] = [
  { id: "a64-walk-hot", label: "AArch64 4K 4-level walk only, tables cached", kind: "none", stream: "hot", target: 1.5, x86: "walk-hot" },
  { id: "a64-walk-rand", label: "AArch64 4K 4-level walk only, random over 1 GiB", kind: "none", stream: "rand", target: 1.5, x86: "walk-rand" },
  { id: "a64-fast-hot", label: "AArch64 fast TLB, batched hit", kind: "fast", stream: "hot", target: 1.2, x86: "fast-hot" },
  { id: "a64-arch-hot", label: "AArch64 architectural TLB, L1 hit", kind: "arch", stream: "hot", target: 1.5, x86: "arch-hot" },
];

/** The PA the image gives a VA of its region (the guard's independent expectation). */
export const a64ExpectedPa = (lo: number) => FRAME_BASE + ((lo >>> 12) % FRAME_COUNT) * 4096 + (lo & 0xfff);

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

/** One machine per TLB kind, same RAM and control; the page tables built in the first and copied. */
async function machines(): Promise<{ m: Record<Kind, AArch64Machine>; ttbr0: bigint; build: AArch64Machine }> {
  const m = {} as Record<Kind, AArch64Machine>;
  for (const kind of ["none", "fast", "arch"] as const) {
    m[kind] = await Machine.create({ arch: "aarch64", ramBase: RAM_BASE, ramBytes: RAM_BYTES, paRange: 48, tlb: { kind } });
  }
  const b = new A64PageTableBuilder(m.none, { allocBase: TABLE_BASE, allocLimit: FRAME_BASE });
  for (let p = 0; p < REGION / 4096; p++) {
    b.map(VA_BASE + BigInt(p * 4096), FRAME_BASE + (p % FRAME_COUNT) * 4096, 4096, { ap: 1, ng: true });
  }
  const ttbr0 = b.ttbr(ASID);
  const k = m.none.k.big;
  const tcr = AArch64Machine.tcrFor("4k", OA_BITS) | (1n << k.TCR_EPD1_SHIFT);
  for (const kind of ["none", "fast", "arch"] as const) {
    if (kind !== "none") m[kind].phys.bytes.set(m.none.phys.bytes);
    m[kind].setControl({ tcr, ttbr0 });
  }
  return { m, ttbr0, build: m.none };
}

function streams(m: AArch64Machine): Stream[] {
  // Of 8: 4 EL0 reads, 1 EL0 write, 1 EL0 fetch, 1 EL1 read, 1 LDTR (read_unpriv at EL1).
  const accs = [m.access("read", 0), m.access("read", 0), m.access("read", 0), m.access("read", 0),
    m.access("write", 0), m.access("fetch", 0), m.access("read", 1), m.access("read_unpriv", 1)];
  const make = (name: string, seed: number, offset: (r: () => number) => number): Stream => {
    const r = xorshift(seed), words = new Uint32Array(2 * N), acc = new Uint8Array(N);
    for (let i = 0; i < N; i++) {
      const va = VA_BASE + BigInt(offset(r) & ~7);
      words[2 * i] = Number(va & 0xffffffffn);
      words[2 * i + 1] = Number(va >> 32n);
      acc[i] = accs[r() % 8]!;
    }
    return { name, words, acc };
  };
  const hotBase = 7 * 16 * 1024 * 1024;
  return [make("hot", 0x9e3779b9, (r) => hotBase + (r() % (HOT_PAGES * 4096))), make("rand", 0x2545f491, (r) => r() % REGION)];
}

export interface A64Context { rounds: number; timing: Timing; build: NativeBuild | null; dir: string; log: (s: string) => void }

export async function aarch64Rows(ctx: A64Context): Promise<RowResult[]> {
  if (!ctx.build) { ctx.log("aarch64: no C compiler, no AArch64 rows"); return []; }
  const t0 = performance.now();
  const { m, ttbr0, build } = await machines();
  ctx.log(`aarch64 image: 262,144 page descriptors built with A64PageTableBuilder in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const all = streams(build);
  const imagePath = join(ctx.dir, "a64.ram");
  writeFileSync(imagePath, build.phys.bytes.subarray(0, FRAME_BASE - RAM_BASE));
  const server = await LineServer.start(ctx.build.a64, [`image=${imagePath}`, `base=${RAM_BASE}`, `ram=${RAM_BYTES}`,
    `ttbr0=0x${ttbr0.toString(16)}`, `oabits=${OA_BITS}`, `fast=${build.tlbConfig.entries}`, "pan=0", "uao=0", "wxn=0"]);
  try {
    for (const s of all) {
      const va = join(ctx.dir, `a64.${s.name}.va`), acc = join(ctx.dir, `a64.${s.name}.acc`);
      writeFileSync(va, new Uint8Array(s.words.buffer, s.words.byteOffset, s.words.byteLength));
      writeFileSync(acc, s.acc);
      await server.ask(`load ${s.name} ${va} ${acc}`);
    }
    // Guard: one pass per row, both sides from the same state; results against the mapping, C against wasm-mmu.
    const sides = new Map<string, WasmSide>();
    const hashes = new Map<string, number>();
    for (const row of A64_ROWS) {
      const mk = m[row.kind], s = all.find((x) => x.name === row.stream)!;
      // WasmSide drives `batch` and `tlb` only, which an AArch64Machine has in the same shape.
      const side = new WasmSide(mk as unknown as ConstructorParameters<typeof WasmSide>[0], s);
      side.load();
      const before = mk.tlb.stats();
      if (side.pass() !== 0) throw new Error(`aarch64 guard ${row.id}: faults in a fully mapped stream`);
      const after = mk.tlb.stats();
      const w = mk.batch.outWords.slice(0, 2 * N);
      for (let i = 0; i < N; i++) {
        const want = a64ExpectedPa(s.words[2 * i]!);
        if (w[2 * i]! >>> 0 !== want || w[2 * i + 1] !== 0) throw new Error(`aarch64 guard ${row.id}: item ${i}: wasm-mmu gives ${w[2 * i]! >>> 0}, the image maps ${want}`);
      }
      const path = join(ctx.dir, `a64.guard.${row.id}.out`);
      const c = parsePass(await server.ask(`pass ${row.kind} ${s.name} ${path}`));
      compareResults(`aarch64 guard ${row.id}`, s, w, readResults(path));
      compareCounters(`aarch64 guard ${row.id}`, statsDelta(before, after, Object.keys(c.counters)), c.counters);
      if (c.hash !== side.hash()) throw new Error(`aarch64 guard ${row.id}: hashes differ (C ${c.hash}, wasm-mmu ${side.hash()})`);
      sides.set(row.id, side);
      hashes.set(row.id, side.hash());
    }
    ctx.log("aarch64 guard: every result matches the image's mapping; C gives the same results and moves the same counters");
    // Untimed warm-up (Liftoff -> TurboFan).
    for (const side of sides.values()) { side.load(); for (let k = 0; k < PREWARM_PASSES; k++) side.pass(); }
    const rows: RowResult[] = A64_ROWS.map((r) => ({ id: r.id, label: r.label, unit: "ns", wasm: [], base: [], baseLabel: "C",
      mode: "ratio", target: r.target, note: `x86's row: ${r.x86}` }));
    for (let round = 0; round < ctx.rounds; round++) {
      for (let r = 0; r < A64_ROWS.length; r++) {
        const spec = A64_ROWS[r]!, side = sides.get(spec.id)!;
        for (const which of round % 2 === 0 ? ["wasm", "base"] : ["base", "wasm"]) {
          let ns: number, hash: number;
          if (which === "wasm") ({ ns, hash } = await side.run(ctx.timing));
          else {
            const [med, , h] = await server.ask(`run ${spec.kind} ${spec.stream} ${ctx.timing.timeMs} ${ctx.timing.warmupMs} ${ctx.timing.minPasses}`);
            ns = Number(med); hash = Number(h);
          }
          if (hash !== hashes.get(spec.id)) throw new Error(`${spec.label}: the ${which === "wasm" ? "wasm-mmu" : "C"} results of a timed pass changed`);
          (which === "wasm" ? rows[r]!.wasm : rows[r]!.base).push(ns);
        }
      }
      ctx.log(`aarch64 round ${round + 1}/${ctx.rounds} done`);
    }
    return rows;
  } finally {
    await server.close();
  }
}
