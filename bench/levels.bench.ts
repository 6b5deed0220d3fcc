// The levels form's run loop against the fixed one (issue 12): a 1,000,000-line mix of
// bench/synthTrace.ts decoded once into translation records, then each configuration's
// loop alone over all of them in one core instance (no decode, no workers): the fixed
// iTLB/dTLB/STLB loop (studyRunMany) with the default TLBs and with a fully associative
// 1536/1536 STLB (the wide sets), and the levels loop (studyLevelsRunMany) describing the
// same default hierarchy, then with an inclusive and an exclusive l2. Rounds alternate the
// configurations; figures are medians with their spread (min-max) and ns per translation.
// BASE_WASM=path/to/mmu.wasm also times the fixed loop on that core (a baseline build).
import { readFileSync } from "node:fs";
import { compileCore } from "../src/core/wasm.js";
import { ReplayEngine } from "../src/trace/engine.js";
import { synthTrace } from "./synthTrace.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);

const chunks: Uint8Array[] = [];
const engine = await ReplayEngine.create({}, (r) => chunks.push(r.slice()));
engine.push(Buffer.from(synthTrace(LINES)));
engine.finish();
const bytes = chunks.reduce((n, c) => n + c.length, 0);
const count = bytes / 16;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type X = any;
function instance(module: WebAssembly.Module): { x: X; memory: WebAssembly.Memory } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  return { x: new WebAssembly.Instance(module, { env: { memory } }).exports as X, memory };
}
const K = (x: X, name: string) => (x[name] as WebAssembly.Global).value as number;

interface Case { name: string; module: WebAssembly.Module; make: (x: X) => number; levels: boolean }
const tlb = (x: X, e: number, w: number) => x.studyTlbCreate(e, w, K(x, "POLICY_LRU"), 1n, 0) as number;
const fixed = (stlb: [number, number]) => (x: X) => x.studyConfigCreate(tlb(x, 64, 8), tlb(x, 64, 4), tlb(x, ...stlb)) as number;
const levels = (inclusion: string) => (x: X) => {
  const c = x.studyLevelsCreate(3) as number;
  const kind = (n: string) => 1 << K(x, n);
  x.studyLevelSet(c, 0, kind("REC_KIND_FETCH"), K(x, "INCL_NON"), tlb(x, 64, 8), 0);
  x.studyLevelSet(c, 1, kind("REC_KIND_LOAD") | kind("REC_KIND_STORE"), K(x, "INCL_NON"), tlb(x, 64, 4), 0);
  x.studyLevelSet(c, 2, 7, K(x, inclusion), tlb(x, 1536, 12), 0);
  return c;
};

/** One run: fresh TLBs, every record; returns [ms, outcome hash]. */
function once(c: Case): [number, bigint] {
  const { x, memory } = instance(c.module);
  x.studyReset();
  const cfg = c.make(x);
  const list = x.studyAlloc(4) as number, at = x.studyAlloc(bytes) as number;
  new DataView(memory.buffer).setUint32(list, cfg, true);
  let o = at;
  for (const ch of chunks) { new Uint8Array(memory.buffer, o, ch.length).set(ch); o += ch.length; }
  const run = c.levels ? x.studyLevelsRunMany : x.studyRunMany;
  const t0 = performance.now();
  const done = run(list, 1, at, count) as number;
  const ms = performance.now() - t0;
  if (done !== count) throw new Error(`${c.name}: ran ${done} of ${count}`);
  return [ms, new DataView(memory.buffer).getBigUint64(cfg + K(x, "CFG_STATS") + 8 * K(x, "SS_OUTCOME_HASH"), true)];
}

const mod = await compileCore();
const cases: Case[] = [
  { name: "fixed loop, default TLBs", module: mod, make: fixed([1536, 12]), levels: false },
  { name: "fixed loop, STLB 1536/1536", module: mod, make: fixed([1536, 1536]), levels: false },
  { name: "levels loop, same hierarchy", module: mod, make: levels("INCL_NON"), levels: true },
  { name: "levels loop, inclusive l2", module: mod, make: levels("INCL_INCLUSIVE"), levels: true },
  { name: "levels loop, exclusive l2", module: mod, make: levels("INCL_EXCLUSIVE"), levels: true },
];
if (process.env.BASE_WASM) {
  const base = await WebAssembly.compile(readFileSync(process.env.BASE_WASM));
  cases.unshift({ name: "BASE fixed loop, default TLBs", module: base, make: fixed([1536, 12]), levels: false },
    { name: "BASE fixed loop, STLB 1536/1536", module: base, make: fixed([1536, 1536]), levels: false });
}
const times = cases.map(() => [] as number[]);
const hashes = cases.map(() => 0n);
once(cases[0]!);                                         // warm-up
for (let r = 0; r < ROUNDS; r++) {
  const order = cases.map((_, i) => i);
  if (r % 2 === 1) order.reverse();
  for (const i of order) { const [ms, h] = once(cases[i]!); times[i]!.push(ms); hashes[i] = h; }
}
const iSame = cases.findIndex((c) => c.name === "levels loop, same hierarchy"), iFixed = cases.findIndex((c) => c.name === "fixed loop, default TLBs");
if (hashes[iSame] !== hashes[iFixed]) throw new Error("the levels loop's outcome hash differs from the fixed loop's");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`levels bench: ${LINES} lines, ${count} translations, ${ROUNDS} rounds alternating`);
cases.forEach((c, i) => {
  const m = median(times[i]!);
  console.log(`  ${c.name.padEnd(32)} median ${m.toFixed(1)} ms (spread ${Math.min(...times[i]!).toFixed(1)}-${Math.max(...times[i]!).toFixed(1)})  ${(1e6 * m / count).toFixed(1)} ns/translation`);
});
