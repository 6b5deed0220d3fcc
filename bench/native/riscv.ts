// The RISC-V rows: the core's Sv39 walker and its two TLBs (batched, rvTranslateBatch) against
// bench/native/rv-bench.c, the same algorithms in C, over one image built with the RISC-V
// page-table builder: 8192 4 KiB pages at VA 0x4000_0000 onto scattered frames of 64 MiB of
// RAM at 0x8000_0000. Streams: "hot" (64 pages, every access an L1/fast hit after the first
// pass) and "rand" (random over all pages). A guard pass per row checks every result against
// the image's mapping and, for C, that both sides give the same results (and the same
// translation and entry-read counts for the walk, translation and hit counts for the arch
// TLB); every timed pass's hash is compared with it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Machine } from "../../src/machine.js";
import type { RiscvMachine } from "../../src/arch/riscv/machine.js";
import { RiscvPageTableBuilder } from "../../src/arch/riscv/pageTable.js";
import type { NativeBuild } from "./cc.js";
import type { Kind, Stream } from "./image.js";
import type { RowResult } from "./report.js";
import { LineServer } from "./server.js";
import { WasmSide, type Timing } from "./sides.js";
import { TRANSLATE_ROWS } from "./translate.js";

const RAM_BASE = 0x80000000, RAM_BYTES = 64 << 20;
const VA_BASE = 0x40000000, PAGES = 8192, FRAME_BASE = RAM_BASE + (16 << 20);
const N = 65536;
const ASID = 1;

interface RvRow { id: string; label: string; kind: Kind; stream: string; x86: string }
export const RISCV_ROWS: readonly RvRow[] = [
  { id: "rv-walk-hot", label: "RISC-V Sv39 page walk only, tables cached", kind: "none", stream: "hot", x86: "walk-hot" },
  { id: "rv-walk-rand", label: "RISC-V Sv39 page walk only, random pages", kind: "none", stream: "rand", x86: "walk-rand" },
  { id: "rv-fast-hot", label: "RISC-V fast TLB, batched hit", kind: "fast", stream: "hot", x86: "fast-hot" },
  { id: "rv-arch-hot", label: "RISC-V architectural TLB, L1 hit", kind: "arch", stream: "hot", x86: "arch-hot" },
];

/** The target of x86's row `id` (TRANSLATE_ROWS), which every RISC-V row names. */
function x86Target(id: string): number {
  const row = TRANSLATE_ROWS.find((x) => x.id === id);
  if (!row) throw new Error(`riscv bench: no x86 row ${id}`);
  return row.target;
}

/** Frame of page i: a fixed permutation (odd multiplier mod 2^13), so neighbouring pages are far apart. */
const frameOf = (i: number) => FRAME_BASE + ((i * 5059) % PAGES) * 4096;
export const rvExpectedPa = (va: number) => frameOf((va - VA_BASE) >>> 12) + (va & 0xfff);

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

async function machine(kind: Kind): Promise<{ m: RiscvMachine; root: number; tablesEnd: number }> {
  const m = await Machine.create({ arch: "riscv", mode: "sv39", ramBase: RAM_BASE, ramBytes: RAM_BYTES, tlb: { kind } });
  const b = new RiscvPageTableBuilder(m);
  for (let i = 0; i < PAGES; i++) b.map(VA_BASE + i * 4096, frameOf(i), 4096, { x: true });
  m.setControl({ satp: b.satp(ASID) });
  return { m, root: b.root, tablesEnd: RAM_BASE + (16 << 20) };
}

function streams(): Stream[] {
  const make = (name: string, page: () => number, rnd: () => number): Stream => {
    const words = new Uint32Array(2 * N), acc = new Uint8Array(N);
    for (let i = 0; i < N; i++) {
      words[2 * i] = VA_BASE + page() * 4096 + (rnd() & 0xff8);
      const r = rnd() % 8;
      acc[i] = r < 5 ? 0 : r < 7 ? 1 : 2;            // reads, writes, fetches, S-mode
    }
    return { name, words, acc };
  };
  const h = xorshift(7), r = xorshift(11);
  return [make("hot", () => h() % 64, h), make("rand", () => r() % PAGES, r)];
}

export interface RiscvContext { rounds: number; timing: Timing; build: NativeBuild | null; dir: string; log: (s: string) => void }

export async function riscvRows(ctx: RiscvContext): Promise<RowResult[]> {
  if (!ctx.build) { ctx.log("riscv: no C compiler, no RISC-V rows"); return []; }
  const all = streams();
  const machines = new Map<Kind, RiscvMachine>();
  let root = 0, tablesEnd = 0;
  for (const kind of ["none", "fast", "arch"] as const) {
    const x = await machine(kind);
    machines.set(kind, x.m);
    root = x.root; tablesEnd = x.tablesEnd;
  }
  const m0 = machines.get("none")!;
  const imagePath = join(ctx.dir, "rv.ram");
  writeFileSync(imagePath, m0.phys.bytes.subarray(0, tablesEnd - RAM_BASE));
  const server = await LineServer.start(ctx.build.rv, [`image=${imagePath}`, `base=${RAM_BASE}`, `ram=${RAM_BYTES}`, `root=${root}`, `asid=${ASID}`]);
  try {
    for (const s of all) {
      const va = join(ctx.dir, `rv.${s.name}.va`), acc = join(ctx.dir, `rv.${s.name}.acc`);
      // The VAs as u64: the words are [lo, hi] pairs already.
      writeFileSync(va, new Uint8Array(s.words.buffer, s.words.byteOffset, s.words.byteLength));
      writeFileSync(acc, s.acc);
      await server.ask(`load ${s.name} ${va} ${acc}`);
    }
    const sides = new Map<string, WasmSide>();
    const hashes = new Map<string, number>();
    for (const row of RISCV_ROWS) {
      const m = machines.get(row.kind)!, s = all.find((x) => x.name === row.stream)!;
      // WasmSide drives `batch` and `tlb` only, which a RiscvMachine has in the same shape.
      const side = new WasmSide(m as unknown as ConstructorParameters<typeof WasmSide>[0], s);
      side.load();
      const before = m.tlb.stats();
      if (side.pass() !== 0) throw new Error(`riscv guard ${row.id}: faults in a fully mapped stream`);
      const after = m.tlb.stats();
      const w = m.batch.outWords;
      for (let i = 0; i < N; i++) {
        const want = rvExpectedPa(s.words[2 * i]!);
        if (w[2 * i] >>> 0 !== want || w[2 * i + 1] !== 0) throw new Error(`riscv guard ${row.id}: item ${i}: wasm-mmu gives ${w[2 * i]! >>> 0}, the image maps ${want}`);
      }
      const [hash, faults, translations, hitsI, hitsD, entryReads] = (await server.ask(`pass ${row.kind} ${s.name}`)).map(Number);
      if (hash !== side.hash() || faults !== 0) throw new Error(`riscv guard ${row.id}: C gives other results (hash ${hash}, wasm ${side.hash()})`);
      if (row.kind === "none") {
        const got = [after.totals.translations - before.totals.translations, after.totals.entryReads - before.totals.entryReads];
        if (got.join() !== [translations, entryReads].join()) throw new Error(`riscv guard ${row.id}: translations/entry reads wasm ${got.join("/")}, C ${translations}/${entryReads}`);
      }
      if (row.kind === "arch") {
        const d = (a: number | undefined, b: number | undefined) => (a ?? 0) - (b ?? 0);
        const got = [d(after.totals.translations, before.totals.translations), d(after.itlb?.hits, before.itlb?.hits), d(after.dtlb?.hits, before.dtlb?.hits)];
        if (got.join() !== [translations, hitsI, hitsD].join()) throw new Error(`riscv guard ${row.id}: counters wasm ${got.join("/")}, C ${translations}/${hitsI}/${hitsD}`);
      }
      sides.set(row.id, side);
      hashes.set(row.id, side.hash());
    }
    ctx.log("riscv guard: every result matches the image's mapping; C gives the same results (and entry-read and L1 hit counts)");
    for (const side of sides.values()) { side.load(); for (let k = 0; k < 40; k++) side.pass(); }
    // Issue 11: the same targets as x86's rows (wasm-mmu / C).
    const rows: RowResult[] = RISCV_ROWS.map((r) => ({ id: r.id, label: r.label, unit: "ns", wasm: [], base: [], baseLabel: "C", mode: "ratio",
      target: x86Target(r.x86), note: `x86's row: ${r.x86}` }));
    for (let round = 0; round < ctx.rounds; round++) {
      for (let r = 0; r < RISCV_ROWS.length; r++) {
        const spec = RISCV_ROWS[r]!, side = sides.get(spec.id)!;
        for (const which of round % 2 === 0 ? ["wasm", "base"] : ["base", "wasm"]) {
          let ns: number, hash: number;
          if (which === "wasm") ({ ns, hash } = await side.run(ctx.timing));
          else {
            const [med, , h] = await server.ask(`run ${spec.kind} ${spec.stream} ${ctx.timing.timeMs} ${ctx.timing.warmupMs} ${ctx.timing.minPasses}`);
            ns = Number(med); hash = Number(h);
          }
          if (hash !== hashes.get(spec.id)) throw new Error(`${spec.label}: the ${which} results of a timed pass changed`);
          (which === "wasm" ? rows[r]!.wasm : rows[r]!.base).push(ns);
        }
      }
      ctx.log(`riscv round ${round + 1}/${ctx.rounds} done`);
    }
    return rows;
  } finally {
    await server.close();
  }
}
