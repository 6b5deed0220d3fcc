// Translation throughput: the WebAssembly core against the plain TypeScript model
// (src/model), ns per translation, for TLB hits, TLB misses and bare page walks, plus
// the cost of one JS→WASM call per translation.
//
// Bundled and run by scripts/bench.mjs (`npm run bench`). Prints a table and the two
// targets (PASS/FAIL) and writes build/bench/translate.json. It reports; it does not
// gate: the exit code is 0 unless the setup or the correctness guard fails.
//
// Fairness rules kept here:
//  - WASM batches are copy-free: each stream is copied into the batch buffers in the
//    task's beforeAll hook, outside the timed region; TS reads the same Uint32Array
//    lo/hi words and access bytes, and both sides write every result to an array.
//  - Every TS loop and the per-call loop are separate functions with one receiver type
//    and one callee each (monomorphic call sites), no BigInt, no allocation inside.
//  - Everything is warmed up untimed first (Liftoff → TurboFan for WASM, Ignition →
//    TurboFan for JS), then tinybench warms up each task again.
//  - Several rounds; a task's figure is the median over rounds of its per-round median,
//    and the WASM and TS sides of a row run back to back (order alternating by round).
import { writeFileSync, mkdirSync } from "node:fs";
import { Bench } from "tinybench";
import { Machine } from "../src/machine.js";
import type { PerCallTranslator } from "../src/perCall.js";
import { PageTableBuilder } from "../src/pageTable.js";
import { X86Model } from "../src/model/x86Model.js";
import { TsArchTlb, TsFastTlb } from "../src/model/tlbModels.js";

// ── parameters ────────────────────────────────────────────────────────────────────
const N = 65536;                         // translations per iteration (= batch capacity)
const RAM = 256 * 1024 * 1024;
const REGION = 1 << 30;                  // 1 GiB of virtual space, 4 KiB pages
const PAGES = REGION / 4096;             // 262,144 PTEs
const VA_HI = 0x7fc0;                    // region base VA 0x7fc0_0000_0000 (canonical, PML4 index 255)
const VA_BASE = VA_HI * 2 ** 32;
const FRAME_BASE = 0x800000;             // frames alias 4096 pages (16 MiB) from 8 MiB up
const FRAME_COUNT = 4096;
const TABLE_BASE = 0x100000;             // page tables between 1 MiB and FRAME_BASE
const HOT_PAGES = 64;
const GUARD = 1000;                      // addresses checked against the TS model before timing
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1000);
const WARMUP_MS = 200;
const PREWARM_ITERATIONS = 40;           // untimed iterations per task before tinybench starts

// ── machines and the model ────────────────────────────────────────────────────────
type Kind = "fast" | "arch" | "none";

function log(s: string): void { process.stdout.write(s + "\n"); }

function expectedPa(lo: number): number {
  return FRAME_BASE + ((lo >>> 12) % FRAME_COUNT) * 4096 + (lo & 0xfff);
}

const setupStart = performance.now();
const machines = {} as Record<Kind, Machine>;
for (const kind of ["fast", "arch", "none"] as const) {
  machines[kind] = await Machine.create({ ramBytes: RAM, mode: "4level", tlb: { kind } });
}
const mFast = machines.fast, mArch = machines.arch, mNone = machines.none;

// One page table, built in the fast machine, copied byte for byte into the others.
const pt = new PageTableBuilder(mFast, { allocBase: TABLE_BASE, allocLimit: FRAME_BASE });
for (let p = 0; p < PAGES; p++) {
  pt.map(VA_BASE + p * 4096, FRAME_BASE + (p % FRAME_COUNT) * 4096, 4096, { user: true, write: true });
}
for (const m of [mArch, mNone]) m.phys.bytes.set(mFast.phys.bytes.subarray(0, FRAME_BASE));
for (const m of [mFast, mArch, mNone]) m.setControl({ cr3: pt.cr3 });

const ACC = mFast.access("read", 3);     // ACC_READ | ACC_USER (= the model's Acc.Read | Acc.User)
if (ACC !== 4) throw new Error(`unexpected access byte ${ACC} for a CPL 3 read (the TS model expects 4)`);

// The model gets its own copy of RAM (its A/D writes stay out of the machines) and the
// machines' control state: 4-level, CR0.WP, EFER.NXE, nothing else.
const model = new X86Model(mFast.phys.bytes.slice(), { maxPhyAddr: mFast.maxPhyAddr, quirks: "sdm", pages1G: true });
model.setControl({
  mode: "4level", wp: true, nxe: true, pse: false, pge: false, smep: false, smap: false, pke: false, ac: false, pkru: 0,
});
if (model.writeCr3(Number(pt.cr3), 0) !== "ok") throw new Error("model rejected CR3");
const tsFast = new TsFastTlb(model, mFast.tlbConfig.entries);
const g = mArch.tlbConfig;
const tsArch = new TsArchTlb(model, {
  itlb: [g.itlb.entries, g.itlb.ways], dtlb: [g.dtlb.entries, g.dtlb.ways], stlb: [g.stlb.entries, g.stlb.ways],
});

// ── address streams ───────────────────────────────────────────────────────────────
interface Stream { name: "hot" | "seq" | "rand"; words: Uint32Array; acc: Uint8Array }

let seed = 0x9e3779b9;
function rnd(): number {          // xorshift32: reproducible streams
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return seed >>> 0;
}

function makeStream(name: Stream["name"], lo: (i: number) => number): Stream {
  const words = new Uint32Array(2 * N);
  for (let i = 0; i < N; i++) { words[2 * i] = lo(i); words[2 * i + 1] = VA_HI; }
  return { name, words, acc: new Uint8Array(N).fill(ACC) };
}
const hotBase = 7 * 16 * 1024 * 1024;  // 64 consecutive pages 112 MiB into the region: one per fast slot, 4 per dTLB set
const streams: Record<Stream["name"], Stream> = {
  hot: makeStream("hot", () => hotBase + (rnd() % (HOT_PAGES * 4096) & ~7)),
  // Sequential over the whole 1 GiB: one access every 16 KiB (65,536 × 16 KiB = 1 GiB),
  // so every access is a new page (TLB misses, walks with page-table locality).
  seq: makeStream("seq", (i) => (i * 16384) % REGION + (i & 63) * 64),
  rand: makeStream("rand", () => rnd() % REGION & ~7),
};

// ── the measured loops (each one a separate, monomorphic function) ──────────────────
// Everything a loop touches arrives as a parameter: esbuild turns top-level `const`s
// into `var`s in the bundle, and a loop that reads module-level variables reloads them
// from the module context on every iteration (measured: +2.5 ns per item).
const tsOut = new Int32Array(N);
const callOut = new Int32Array(N);

function loopTsFast(tlb: TsFastTlb, words: Uint32Array, acc: Uint8Array, out: Int32Array): void {
  for (let i = 0, n = out.length; i < n; i++) out[i] = tlb.translate(words[2 * i]!, words[2 * i + 1]!, acc[i]!);
}
function loopTsArch(tlb: TsArchTlb, words: Uint32Array, acc: Uint8Array, out: Int32Array): void {
  for (let i = 0, n = out.length; i < n; i++) out[i] = tlb.translate(words[2 * i]!, words[2 * i + 1]!, acc[i]!);
}
function loopTsWalk(m: X86Model, words: Uint32Array, acc: Uint8Array, out: Int32Array): void {
  for (let i = 0, n = out.length; i < n; i++) out[i] = m.walk(words[2 * i]!, words[2 * i + 1]!, acc[i]!, true);
}
type RawTranslate = (lo: number, hi: number, acc: number) => number;
function loopPerCall(translate: RawTranslate, words: Uint32Array, acc: Uint8Array, out: Int32Array): void {
  for (let i = 0, n = out.length; i < n; i++) out[i] = translate(words[2 * i]!, words[2 * i + 1]!, acc[i]!);
}
const coreTranslate: RawTranslate = mFast.core.translate;  // the bare export; loopPerCall only ever gets this one
/**
 * The per-call API as documented: `const translate = machine.raw.translate` hoisted once,
 * then called per access (hits decided in JS over the core's TLB arrays, misses in WASM).
 * A loop of its own so its call site only ever sees this one function.
 */
function loopPerCallRaw(translate: PerCallTranslator["translate"], words: Int32Array, acc: Uint8Array, out: Int32Array): void {
  for (let i = 0, n = out.length; i < n; i++) out[i] = translate(words[2 * i]!, words[2 * i + 1]!, acc[i]!);
}
const rawTranslate = mFast.raw.translate;
// The boundary floor: the same loop shape around the cheapest export there is (a getter
// of one global). Informational: what any per-call API pays before translating anything.
function loopPerCallFloor(getter: () => number, words: Uint32Array, acc: Uint8Array, out: Int32Array): void {
  for (let i = 0, n = out.length; i < n; i++) out[i] = getter() ^ words[2 * i]! ^ words[2 * i + 1]! ^ acc[i]!;
}
const coreGetter: () => number = mFast.core.getPkru;

function loadBatch(m: Machine, s: Stream): void {
  m.batch.vaWords.set(s.words);
  m.batch.acc.set(s.acc);
}
function runBatch(m: Machine): void {
  const faults = m.batch.run(N, false);
  if (faults !== 0) throw new Error(`${faults} faults in a batch`);
}

// ── rows ──────────────────────────────────────────────────────────────────────────
interface Side { name: string; before: () => void; fn: () => void; out: () => ArrayLike<number>; stride: number }
interface Row { id: string; label: string; stream: Stream; wasm: Side; ts?: Side; tsLabel: string }

function wasmSide(m: Machine, s: Stream): Side {
  return { name: `wasm ${m.tlbConfig.kind} ${s.name}`, before: () => loadBatch(m, s), fn: () => runBatch(m), out: () => m.batch.outWords, stride: 2 };
}
function tsSide(name: string, fn: () => void): Side {
  return { name, before: () => {}, fn, out: () => tsOut, stride: 1 };
}

const rows: Row[] = [];
for (const s of [streams.hot, streams.seq, streams.rand]) {
  rows.push({
    id: `fast-${s.name}`, label: `fast TLB batched, ${s.name}`, stream: s, tsLabel: "TsFastTlb",
    wasm: wasmSide(mFast, s), ts: tsSide(`ts fast ${s.name}`, () => loopTsFast(tsFast, s.words, s.acc, tsOut)),
  });
}
for (const s of [streams.hot, streams.seq, streams.rand]) {
  rows.push({
    id: `arch-${s.name}`, label: `arch TLB batched, ${s.name}`, stream: s, tsLabel: "TsArchTlb",
    wasm: wasmSide(mArch, s), ts: tsSide(`ts arch ${s.name}`, () => loopTsArch(tsArch, s.words, s.acc, tsOut)),
  });
}
rows.push({
  id: "walk-rand", label: "walk only, rand", stream: streams.rand, tsLabel: "X86Model.walk",
  wasm: wasmSide(mNone, streams.rand), ts: tsSide("ts walk rand", () => loopTsWalk(model, streams.rand.words, streams.rand.acc, tsOut)),
});
const hotWordsI32 = new Int32Array(streams.hot.words.buffer, streams.hot.words.byteOffset, streams.hot.words.length);
rows.push({
  id: "percall-hot", label: "per-call translate, hot", stream: streams.hot, tsLabel: "",
  wasm: {
    name: "wasm per-call hot", before: () => {}, stride: 1, out: () => callOut,
    // The VA halves as int32 (how emulators keep registers); the API takes either form.
    fn: () => loopPerCallRaw(rawTranslate, hotWordsI32, streams.hot.acc, callOut),
  },
});

// ── correctness guard: the measured code itself must produce the model's PAs ───────────
for (const row of rows) {
  for (const side of [row.wasm, row.ts]) {
    if (!side) continue;
    side.before();
    side.fn();
    const out = side.out();
    const w = row.stream.words;
    for (let i = 0; i < GUARD; i++) {
      const want = expectedPa(w[2 * i]!);
      const ref = model.walk(w[2 * i]!, w[2 * i + 1]!, ACC, false);
      const got = out[i * side.stride]!;
      const gotHi = side.stride === 2 ? out[i * 2 + 1]! : 0;
      if (ref !== want || got !== want || gotHi !== 0) {
        throw new Error(`guard: ${side.name} item ${i} VA 0x${(VA_HI * 2 ** 32 + w[2 * i]!).toString(16)}: ` +
          `got 0x${(got >>> 0).toString(16)} (hi ${gotHi}), model 0x${ref.toString(16)}, expected 0x${want.toString(16)}`);
      }
    }
  }
}

// Extra tasks, not rows of the table: a batched hot run right next to the per-call one
// (a noise check on the per-call ratio) and the per-call boundary floor.
const adjacentBatched: Side = { ...rows[0]!.wasm, name: "wasm fast hot (next to per-call)" };
const bareExport: Side = {
  name: "wasm per-call, bare export", before: () => {}, stride: 1, out: () => callOut,
  fn: () => loopPerCall(coreTranslate, streams.hot.words, streams.hot.acc, callOut),
};
const floor: Side = {
  name: "wasm per-call floor (getPkru)", before: () => {}, stride: 1, out: () => callOut,
  fn: () => loopPerCallFloor(coreGetter, streams.hot.words, streams.hot.acc, callOut),
};

// ── untimed warm-up: every side runs until TurboFan has the hot code ────────────────
const warmTrace: Record<string, { firstNs: number; lastNs: number }> = {};
for (const sides of [...rows.map((r) => [r.wasm, r.ts]), [adjacentBatched, bareExport, floor]]) {
  for (const side of sides) {
    if (!side) continue;
    side.before();
    let first = 0, last = 0;
    for (let k = 0; k < PREWARM_ITERATIONS; k++) {
      const t0 = performance.now();
      side.fn();
      const dt = performance.now() - t0;
      if (k === 0) first = dt;
      last = dt;
    }
    warmTrace[side.name] = { firstNs: (first * 1e6) / N, lastNs: (last * 1e6) / N };
  }
}

// ── TLB behaviour of one iteration per stream (steady state, counters as deltas) ────
interface StreamStats { stream: string; wasm: Record<string, number>; ts: Record<string, number> }
const tlbStats: StreamStats[] = [];
const pct = (a: number, b: number) => (b === 0 ? 0 : (100 * a) / b);
for (const s of [streams.hot, streams.seq, streams.rand]) {
  const st: StreamStats = { stream: s.name, wasm: {}, ts: {} };
  // fast
  loadBatch(mFast, s); runBatch(mFast);
  let a = mFast.tlb.stats(); runBatch(mFast); let b = mFast.tlb.stats();
  const fh = b.fast!.hits - a.fast!.hits, fm = b.fast!.misses - a.fast!.misses;
  st.wasm.fastHitPct = pct(fh, fh + fm);
  loopTsFast(tsFast, s.words, s.acc, tsOut);
  let h0 = tsFast.hits, m0 = tsFast.misses;
  loopTsFast(tsFast, s.words, s.acc, tsOut);
  st.ts.fastHitPct = pct(tsFast.hits - h0, tsFast.hits - h0 + tsFast.misses - m0);
  // arch
  loadBatch(mArch, s); runBatch(mArch);
  a = mArch.tlb.stats(); runBatch(mArch); b = mArch.tlb.stats();
  const dh = b.dtlb!.hits - a.dtlb!.hits, dm = b.dtlb!.misses - a.dtlb!.misses;
  const sh = b.stlb!.hits - a.stlb!.hits, sm = b.stlb!.misses - a.stlb!.misses;
  st.wasm.dtlbHitPct = pct(dh, dh + dm);
  st.wasm.stlbHitPct = pct(sh, sh + sm);
  st.wasm.archWalkPct = pct(b.totals.walks - a.totals.walks, N);
  loopTsArch(tsArch, s.words, s.acc, tsOut);
  h0 = tsArch.dtlbHits; m0 = tsArch.dtlbMisses;
  const s0 = tsArch.stlbHits, t0 = tsArch.stlbMisses, w0 = tsArch.walks;
  loopTsArch(tsArch, s.words, s.acc, tsOut);
  st.ts.dtlbHitPct = pct(tsArch.dtlbHits - h0, tsArch.dtlbHits - h0 + tsArch.dtlbMisses - m0);
  st.ts.stlbHitPct = pct(tsArch.stlbHits - s0, tsArch.stlbHits - s0 + tsArch.stlbMisses - t0);
  st.ts.archWalkPct = pct(tsArch.walks - w0, N);
  // none: every translation walks
  loadBatch(mNone, s);
  a = mNone.tlb.stats(); runBatch(mNone); b = mNone.tlb.stats();
  st.wasm.noneWalkPct = pct(b.totals.walks - a.totals.walks, N);
  tlbStats.push(st);
}
const setupMs = performance.now() - setupStart;

// ── timed rounds ──────────────────────────────────────────────────────────────────
const samples: Record<string, number[]> = {};   // side name → per-round median ns/translation
function addTask(bench: Bench, side: Side): void {
  bench.add(side.name, side.fn, { beforeAll: side.before });
}
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME_MS, warmup: true, warmupTime: WARMUP_MS, warmupIterations: 16, iterations: 32, throws: true });
  for (const row of rows) {
    const pair = row.ts ? (round % 2 === 0 ? [row.wasm, row.ts] : [row.ts, row.wasm]) : [row.wasm];
    for (const side of pair) addTask(bench, side);
  }
  addTask(bench, adjacentBatched);
  addTask(bench, bareExport);
  addTask(bench, floor);
  await bench.run();
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== "completed") throw new Error(`task ${task.name}: ${r.state}${"error" in r ? `: ${String(r.error)}` : ""}`);
    (samples[task.name] ??= []).push((r.latency.p50 * 1e6) / N);
  }
  log(`round ${round + 1}/${ROUNDS} done`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
}
const ns = (name: string) => median(samples[name]!);
const spread = (name: string) => {
  const xs = samples[name]!;
  return `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
};

// ── report ────────────────────────────────────────────────────────────────────────
interface ResultRow { id: string; task: string; wasmNs: number; tsNs: number | null; speedup: number | null; wasmRounds: number[]; tsRounds: number[] | null }
const results: ResultRow[] = rows.map((row) => {
  const w = ns(row.wasm.name);
  const t = row.ts ? ns(row.ts.name) : null;
  return {
    id: row.id, task: row.label, wasmNs: w, tsNs: t, speedup: t === null ? null : t / w,
    wasmRounds: samples[row.wasm.name]!, tsRounds: row.ts ? samples[row.ts.name]! : null,
  };
});
const byId = (id: string) => results.find((r) => r.id === id)!;

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
log("");
log(`translate bench: ${N} translations per iteration, ${ROUNDS} rounds × ${TIME_MS} ms per task; ` +
  `figure = median over rounds of the per-round median (ns per translation); [range of round medians]`);
log(`node ${process.version}, setup ${(setupMs / 1000).toFixed(1)} s`);
log("");
log(`${pad("task", 28)} ${lpad("WASM ns/tr", 22)} ${lpad("TS ns/tr", 22)} ${lpad("TS/WASM", 8)}`);
log("-".repeat(84));
for (const r of results) {
  const row = rows.find((x) => x.id === r.id)!;
  const wcol = `${r.wasmNs.toFixed(2)} [${spread(row.wasm.name)}]`;
  const tcol = r.tsNs === null ? "-" : `${r.tsNs.toFixed(2)} [${spread(row.ts!.name)}]`;
  log(`${pad(r.task, 28)} ${lpad(wcol, 22)} ${lpad(tcol, 22)} ${lpad(r.speedup === null ? "-" : r.speedup.toFixed(2) + "x", 8)}`);
}

const batchedNext = ns(adjacentBatched.name);
const floorNs = ns(floor.name);
const bareNs = ns(bareExport.name);
const perCall = byId("percall-hot").wasmNs;
const batchedHot = byId("fast-hot").wasmNs;
log("");
log(`per-call hot ${perCall.toFixed(2)} ns vs batched hot ${batchedHot.toFixed(2)} ns ` +
  `(batched run right after it: ${batchedNext.toFixed(2)} ns); boundary floor, same loop around an empty getter ` +
  `export: ${floorNs.toFixed(2)} ns = ${(floorNs / batchedHot).toFixed(2)}x the batched hit; the bare translate ` +
  `export (every hit crossing into WASM): ${bareNs.toFixed(2)} ns`);

log("");
log("TLB behaviour, one steady-state iteration per stream (WASM | TS):");
log(`${pad("stream", 7)} ${lpad("fast hit%", 15)} ${lpad("arch dTLB hit%", 17)} ${lpad("arch STLB hit%", 17)} ${lpad("arch walks%", 15)} ${lpad("none walks%", 12)}`);
const two = (a: number | undefined, b: number | undefined) => `${(a ?? 0).toFixed(1)} | ${(b ?? 0).toFixed(1)}`;
for (const st of tlbStats) {
  log(`${pad(st.stream, 7)} ${lpad(two(st.wasm.fastHitPct, st.ts.fastHitPct), 15)} ${lpad(two(st.wasm.dtlbHitPct, st.ts.dtlbHitPct), 17)} ` +
    `${lpad(two(st.wasm.stlbHitPct, st.ts.stlbHitPct), 17)} ${lpad(two(st.wasm.archWalkPct, st.ts.archWalkPct), 15)} ${lpad((st.wasm.noneWalkPct ?? 0).toFixed(1), 12)}`);
}
log("(seq sweeps the 1 GiB region in order, one access every 16 KiB: every access is a new page.)");

// Targets.
interface Check { name: string; pass: boolean; detail: string; figures: Record<string, number> }
const checks: Check[] = [];
const speedupCases = ["fast-hot", "arch-hot", "walk-rand"].map(byId);
const t1pass = speedupCases.every((r) => (r.speedup ?? 0) >= 2);
checks.push({
  name: "target 1: WASM >= 2x faster than the TS model on batched hits and on walks",
  pass: t1pass,
  detail: speedupCases.map((r) => `${r.task}: TS ${r.tsNs!.toFixed(2)} / WASM ${r.wasmNs.toFixed(2)} = ${r.speedup!.toFixed(2)}x`).join("; "),
  figures: Object.fromEntries(speedupCases.map((r) => [r.id, r.speedup!])),
});
const ratio = perCall / batchedHot;
checks.push({
  name: "target 2: per-call hit <= 2x the batched hit",
  pass: ratio <= 2,
  detail: `per-call ${perCall.toFixed(2)} ns / batched ${batchedHot.toFixed(2)} ns = ${ratio.toFixed(2)}x`,
  figures: { perCallNs: perCall, batchedNs: batchedHot, ratio },
});
log("");
for (const c of checks) log(`${c.pass ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`);

log(`(untimed warm-up, ns/tr of the first → the ${PREWARM_ITERATIONS}th iteration: ` +
  Object.entries(warmTrace).filter(([k]) => k.startsWith("wasm")).map(([k, w]) => `${k.slice(5)} ${w.firstNs.toFixed(1)} → ${w.lastNs.toFixed(1)}`).join(", ") + ")");

mkdirSync("build/bench", { recursive: true });
const json = {
  bench: "translate",
  date: new Date().toISOString(),
  node: process.version,
  translationsPerIteration: N,
  rounds: ROUNDS,
  timePerTaskMs: TIME_MS,
  unit: "ns per translation (median over rounds of the per-round median)",
  results: results.map((r) => ({ ...r })),
  perCall: { perCallNs: perCall, batchedHotNs: batchedHot, ratio, batchedHotAdjacentNs: batchedNext, bareExportNs: bareNs, boundaryFloorNs: floorNs },
  checks,
  tlbStats,
  warmup: warmTrace,
};
writeFileSync("build/bench/translate.json", JSON.stringify(json, null, 2) + "\n");
log("wrote build/bench/translate.json");
