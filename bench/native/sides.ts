// The two sides of a translation row, measured the same way: passes over one stream (every
// result written to an array), a warm-up, then passes until both a time budget and a minimum
// count are met; the figure is the median pass / items (ns per translation). The WebAssembly
// side runs under tinybench, the C side times each pass with CLOCK_MONOTONIC; without a C
// compiler the TypeScript model (src/model) stands in, also under tinybench.
import { Bench } from "tinybench";
import type { Machine } from "../../src/machine.js";
import { X86Model } from "../../src/model/x86Model.js";
import { TsArchTlb, TsFastTlb } from "../../src/model/tlbModels.js";
import type { Kind, Stream } from "./image.js";
import type { LineServer } from "./server.js";

export interface Timing { timeMs: number; warmupMs: number; minPasses: number }
export interface Measured { ns: number; hash: number }

/** FNV-1a over 32-bit words: the results of a pass as [lo, hi] words (bench/native/mmu-bench.c hash_out). */
export function fnv(words: ArrayLike<number>, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < count; i++) h = Math.imul(h ^ (words[i]! >>> 0), 16777619) >>> 0;
  return h >>> 0;
}

/** Median pass time of a one-task tinybench run, in ns per item. */
export async function tinybenchNs(name: string, fn: () => void, before: () => void, items: number, t: Timing): Promise<number> {
  const bench = new Bench({
    time: t.timeMs, iterations: t.minPasses, warmup: true, warmupTime: t.warmupMs, warmupIterations: t.minPasses, throws: true,
  });
  bench.add(name, fn, { beforeAll: before });
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== "completed") throw new Error(`task ${name}: ${r.state}`);
  return (r.latency.p50 * 1e6) / items;
}

/** The core, batched: the stream copied into the batch buffers before timing (copy-free passes). */
export class WasmSide {
  constructor(readonly m: Machine, readonly s: Stream) {}
  get items(): number { return this.s.acc.length; }
  load(): void {
    this.m.batch.vaWords.set(this.s.words);
    this.m.batch.acc.set(this.s.acc);
  }
  /** One pass; the number of faults. */
  pass(): number { return this.m.batch.run(this.items, false); }
  hash(): number { return fnv(this.m.batch.outWords, 2 * this.items); }
  async run(t: Timing): Promise<Measured> {
    const ns = await tinybenchNs(`wasm ${this.m.tlbConfig.kind} ${this.s.name}`, () => this.pass(), () => this.load(), this.items, t);
    return { ns, hash: this.hash() };
  }
}

export interface Baseline {
  readonly label: string;
  run(kind: Kind, s: Stream, t: Timing): Promise<Measured>;
}

/** bench/native/mmu-bench.c, over the same image and streams. */
export class CBaseline implements Baseline {
  readonly label = "C";
  constructor(readonly server: LineServer) {}
  async run(kind: Kind, s: Stream, t: Timing): Promise<Measured> {
    const [ns, , hash] = await this.server.ask(`run ${kind} ${s.name} ${t.timeMs} ${t.warmupMs} ${t.minPasses}`);
    return { ns: Number(ns), hash: Number(hash) };
  }
}

// The model's loops: separate monomorphic functions, everything as parameters (esbuild turns
// module-level consts into vars a loop would reload). Results as [pa, 0] words: the streams
// the model runs have no faults, so this is the word layout of the core's results.
function loopFast(t: TsFastTlb, w: Uint32Array, acc: Uint8Array, out: Int32Array): void {
  for (let i = 0, n = acc.length; i < n; i++) out[2 * i] = t.translate(w[2 * i]!, w[2 * i + 1]!, acc[i]!);
}
function loopArch(t: TsArchTlb, w: Uint32Array, acc: Uint8Array, out: Int32Array): void {
  for (let i = 0, n = acc.length; i < n; i++) out[2 * i] = t.translate(w[2 * i]!, w[2 * i + 1]!, acc[i]!);
}
function loopWalk(m: X86Model, w: Uint32Array, acc: Uint8Array, out: Int32Array): void {
  for (let i = 0, n = acc.length; i < n; i++) out[2 * i] = m.walk(w[2 * i]!, w[2 * i + 1]!, acc[i]!, true);
}

/** The TypeScript reference model (src/model), one instance per kind, each over its own copy of the image's RAM. */
export class TsBaseline implements Baseline {
  readonly label = "TS model";
  private readonly out: Int32Array;
  private readonly fast: TsFastTlb;
  private readonly arch: TsArchTlb;
  private readonly walker: X86Model;

  /** `ramBytes`: how much of the machine's RAM the models copy (the tables and every frame the streams reach). */
  constructor(m: Machine, cr3: number, items: number, ramBytes: number) {
    this.out = new Int32Array(2 * items);
    const model = () => {
      const x = new X86Model(m.phys.bytes.slice(0, ramBytes), { maxPhyAddr: m.maxPhyAddr, quirks: "sdm", pages1G: true });
      x.setControl({ mode: "4level", wp: true, nxe: true, pse: false, pge: false, smep: false, smap: false, pke: false, ac: false, pkru: 0 });
      if (x.writeCr3(cr3, 0) !== "ok") throw new Error("the TS model rejected CR3");
      return x;
    };
    const g = m.tlbConfig;
    this.walker = model();
    this.fast = new TsFastTlb(model(), g.entries);
    this.arch = new TsArchTlb(model(), { itlb: [g.itlb.entries, g.itlb.ways], dtlb: [g.dtlb.entries, g.dtlb.ways], stlb: [g.stlb.entries, g.stlb.ways] });
  }

  /** One pass; the results as words [pa, 0, ...]. */
  pass(kind: Kind, s: Stream): Int32Array {
    if (kind === "fast") loopFast(this.fast, s.words, s.acc, this.out);
    else if (kind === "arch") loopArch(this.arch, s.words, s.acc, this.out);
    else loopWalk(this.walker, s.words, s.acc, this.out);
    return this.out;
  }

  async run(kind: Kind, s: Stream, t: Timing): Promise<Measured> {
    const ns = await tinybenchNs(`ts ${kind} ${s.name}`, () => this.pass(kind, s), () => {}, s.acc.length, t);
    return { ns, hash: fnv(this.out, 2 * s.acc.length) };
  }
}
