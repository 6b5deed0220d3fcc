// The translation rows: the core (batched) against the C baseline over the bench image, plus
// the per-call `raw.translate` hit against the batched hit (wasm vs wasm). Before timing, a
// guard pass per (TLB kind, stream) checks every result against the image's known mapping
// and, for C, that both sides give the same results and move the same counters. Every timed
// pass's results are hashed and compared with the guard's: a change fails the row loudly.
import { join } from "node:path";
import type { PerCallTranslator } from "../../src/perCall.js";
import { compareCounters, compareResults, parsePass, readResults, statsDelta } from "./agree.js";
import type { NativeBuild } from "./cc.js";
import { benchExpectedPa, benchImage, KINDS, MODEL_RAM, N, writeImage, type Kind, type Stream } from "./image.js";
import type { RowResult } from "./report.js";
import { LineServer } from "./server.js";
import { CBaseline, fnv, TsBaseline, WasmSide, tinybenchNs, type Baseline, type Timing } from "./sides.js";

interface RowSpec { id: string; label: string; kind: Kind; stream: string; target: number }

/** The rows of issue 10's table, with its targets (wasm-mmu / C). */
export const TRANSLATE_ROWS: readonly RowSpec[] = [
  { id: "fast-hot", label: "fast TLB, batched hit", kind: "fast", stream: "hot", target: 1.2 },
  { id: "walk-hot", label: "page walk only, tables cached (4-level)", kind: "none", stream: "hot", target: 1.5 },
  { id: "walk-rand", label: "page walk only, random over 1 GiB", kind: "none", stream: "rand", target: 1.5 },
  { id: "arch-hot", label: "architectural TLB, L1 hit", kind: "arch", stream: "hot", target: 1.5 },
  { id: "arch-rand", label: "architectural TLB, random, miss-heavy", kind: "arch", stream: "rand", target: 1.2 },
  { id: "fast-rand", label: "fast TLB, random misses", kind: "fast", stream: "rand", target: 1.5 },
];
const PERCALL_TARGET = 1.5;
const PREWARM_PASSES = 40;

/** The per-call loop: its own function so its call site only ever sees `raw.translate` (monomorphic). */
function loopPerCall(translate: PerCallTranslator["translate"], words: Int32Array, acc: Uint8Array, out: Int32Array): void {
  for (let i = 0, n = out.length; i < n; i++) out[i] = translate(words[2 * i]!, words[2 * i + 1]!, acc[i]!);
}

export interface TranslateContext { rounds: number; timing: Timing; build: NativeBuild | null; dir: string; log: (s: string) => void }

export async function translateRows(ctx: TranslateContext): Promise<RowResult[]> {
  const t0 = performance.now();
  const img = await benchImage();
  ctx.log(`bench image: 262,144 PTEs built with PageTableBuilder in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const stream = (name: string): Stream => img.streams.find((s) => s.name === name)!;
  const sides = new Map<string, WasmSide>();
  for (const kind of KINDS) for (const s of img.streams) sides.set(`${kind} ${s.name}`, new WasmSide(img.machines[kind], s));

  let server: LineServer | null = null;
  let baseline: Baseline;
  let ts: TsBaseline | null = null;
  if (ctx.build) {
    const { args, loads } = writeImage(img, ctx.dir, "bench");
    server = await LineServer.start(ctx.build.mmu, args);
    for (const l of loads) await server.ask(l);
    baseline = new CBaseline(server);
  } else {
    baseline = ts = new TsBaseline(img.machines.none, Number(img.cr3), N, MODEL_RAM);
  }

  try {
    // Guard: one pass per (kind, stream), both sides from the same state.
    const expectedHash = new Map<string, number>();
    for (const [key, side] of sides) {
      const m = side.m, s = side.s, kind = m.tlbConfig.kind;
      side.load();
      const before = m.tlb.stats();
      if (side.pass() !== 0) throw new Error(`guard ${key}: faults in a fully mapped stream`);
      const after = m.tlb.stats();
      const w = m.batch.outWords.slice(0, 2 * N);
      for (let i = 0; i < N; i++) {
        const want = benchExpectedPa(s.words[2 * i]!);
        if (w[2 * i] !== want || w[2 * i + 1] !== 0) throw new Error(`guard ${key}: item ${i}: wasm-mmu gives ${w[2 * i]}, the image maps ${want}`);
      }
      if (server) {
        const path = join(ctx.dir, `guard.${kind}.${s.name}.out`);
        const c = parsePass(await server.ask(`pass ${kind} ${s.name} ${path}`));
        compareResults(`guard ${key}`, s, w, readResults(path));
        compareCounters(`guard ${key}`, statsDelta(before, after, Object.keys(c.counters)), c.counters);
      } else {
        compareResults(`guard ${key}`, s, w, ts!.pass(kind, s));
      }
      expectedHash.set(key, side.hash());
    }
    ctx.log(`guard: every result of ${sides.size} (TLB kind, stream) passes matches the image's mapping` +
      (server ? "; C gives the same results and moves the same counters" : "; the TS model gives the same results"));

    // The per-call path over the hot stream (the fast machine; its hits decided on the JS side).
    const fast = img.machines.fast, hot = stream("hot");
    const words = new Int32Array(hot.words.buffer, hot.words.byteOffset, hot.words.length);
    const callOut = new Int32Array(N);
    const translate = fast.raw.translate;
    loopPerCall(translate, words, hot.acc, callOut);
    for (let i = 0; i < N; i++) {
      if (callOut[i] !== benchExpectedPa(hot.words[2 * i]!)) throw new Error(`guard per-call: item ${i} gives ${callOut[i]}`);
    }

    // Untimed warm-up (Liftoff -> TurboFan): V8 11 has no OSR for wasm.
    for (const side of sides.values()) { side.load(); for (let k = 0; k < PREWARM_PASSES; k++) side.pass(); }
    for (let k = 0; k < PREWARM_PASSES; k++) loopPerCall(translate, words, hot.acc, callOut);

    const rows: RowResult[] = TRANSLATE_ROWS.map((r) => ({
      id: r.id, label: r.label, unit: "ns", wasm: [], base: [], baseLabel: baseline.label, mode: "ratio",
      target: ctx.build ? r.target : null,
    }));
    const percall: RowResult = {
      id: "percall-hot", label: "per-call `raw.translate` hit vs batched hit", unit: "ns", wasm: [], base: [],
      baseLabel: "wasm batched", mode: "ratio", target: PERCALL_TARGET,
    };
    const batchedHot = sides.get("fast hot")!;
    const perCallHash = fnv(callOut, N);
    for (let round = 0; round < ctx.rounds; round++) {
      for (let r = 0; r < TRANSLATE_ROWS.length; r++) {
        const spec = TRANSLATE_ROWS[r]!, key = `${spec.kind} ${spec.stream}`, side = sides.get(key)!;
        for (const which of round % 2 === 0 ? ["wasm", "base"] : ["base", "wasm"]) {
          const m = which === "wasm" ? await side.run(ctx.timing) : await baseline.run(spec.kind, side.s, ctx.timing);
          if (m.hash !== expectedHash.get(key)) {
            throw new Error(`${spec.label}: the ${which === "wasm" ? "wasm-mmu" : baseline.label} results of a timed pass changed ` +
              `(hash ${m.hash}, guard ${expectedHash.get(key)})`);
          }
          (which === "wasm" ? rows[r]!.wasm : rows[r]!.base).push(m.ns);
        }
      }
      for (const which of round % 2 === 0 ? ["call", "batch"] : ["batch", "call"]) {
        if (which === "call") {
          percall.wasm.push(await tinybenchNs("wasm per-call hot", () => loopPerCall(translate, words, hot.acc, callOut), () => {}, N, ctx.timing));
          if (fnv(callOut, N) !== perCallHash) throw new Error("per-call: the results of a timed pass changed");
        } else {
          const m = await batchedHot.run(ctx.timing);
          if (m.hash !== expectedHash.get("fast hot")) throw new Error("per-call row: the batched results of a timed pass changed");
          percall.base.push(m.ns);
        }
      }
      ctx.log(`translation round ${round + 1}/${ctx.rounds} done`);
    }
    return [...rows, percall];
  } finally {
    await server?.close();
  }
}
