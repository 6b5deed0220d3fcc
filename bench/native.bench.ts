// wasm-mmu against plain C on the hot paths of issue 10: the walk, both TLBs, the per-call
// path, fork and page faults (against Linux itself), and replay end to end. The C programs
// (bench/native/*.c) are built here with `gcc -O2` (or $CC) and fed the same page-table image
// and address streams; rounds interleave the two sides; each row prints medians, their
// spread, the ratio with the spread of the per-round ratios, and the issue's target, met or
// not. Without a C compiler it says so and compares the translation rows with the TypeScript
// model instead (no targets: they are ratios to C). Targets report; they do not gate. A
// disagreement between the sides (results, counters, hashes of timed passes) fails loudly.
//
//   npm run bench -- native
//   BENCH_ROUNDS=5 BENCH_TIME_MS=200 BENCH_FORK_MIB=256 BENCH_FAULT_PAGES=8192
//   (a page fault costs Linux ~10 µs on this VM: 8192 faults per round keep the fault rows short)
//   NATIVE_SECTIONS=translate,riscv,aarch64,kernel,replay   CC=gcc   BENCH_CLI=dist/cli.js   NATIVE_KEEP=1
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Machine } from "../src/machine.js";
import { aarch64Rows } from "./native/aarch64.js";
import { buildNative, type NativeBuild } from "./native/cc.js";
import { kernelRows } from "./native/kernel.js";
import { replayRows } from "./native/replay.js";
import { riscvRows } from "./native/riscv.js";
import { summarize, table, type RowResult } from "./native/report.js";
import { translateRows } from "./native/translate.js";
import { validateC } from "./native/validate.js";

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${v} is not a positive whole number`);
  return n;
};
const ROUNDS = env("BENCH_ROUNDS", 5);
const timing = { timeMs: env("BENCH_TIME_MS", 200), warmupMs: 100, minPasses: 16 };
const FORK_MIB = env("BENCH_FORK_MIB", 256);
const FAULT_PAGES = env("BENCH_FAULT_PAGES", 8192);
const SECTIONS = (process.env.NATIVE_SECTIONS || "translate,riscv,aarch64,kernel,replay").split(",").map((s) => s.trim());
/** The repository root: the bundle runs from build/bench/. */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const log = (s: string) => process.stdout.write(s + "\n");
const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), "wasm-mmu-native-"));
const notes: string[] = [];
const rows: RowResult[] = [];
const failures: string[] = [];

async function section(name: string, run: () => Promise<void> | void): Promise<void> {
  if (!SECTIONS.includes(name)) return;
  try {
    await run();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    failures.push(`${name}: ${msg}`);
    log(`\nFAIL ${name}: ${msg}\n`);
  }
}

let build: NativeBuild | null = null;
let validation = "";
try {
  const probe = await Machine.create({ ramBytes: 1 << 20 });
  const built = buildNative(probe.k, probe.tlbConfig, join(ROOT, "build", "bench", "native"));
  if (built.ok) {
    build = built.build;
    log(`C baseline: ${build.version}, -O2 (bench/native/*.c)`);
  } else {
    notes.push(`${built.reason}: no C baseline. The translation rows compare wasm-mmu with the TypeScript model ` +
      "(src/model) instead, without targets (the targets are ratios to C); the fork and fault rows need C and are skipped.");
    log(notes[notes.length - 1]!);
  }
  log(`node ${process.version}; ${ROUNDS} interleaved rounds; translation passes: ${timing.timeMs} ms per side per round ` +
    `after ${timing.warmupMs} ms of warm-up, at least ${timing.minPasses} passes; figure = median pass`);

  await section("translate", async () => {
    if (build) {
      validation = await validateC(build.mmu, dir);
      log(`validation: ${validation}`);
    }
    rows.push(...await translateRows({ rounds: ROUNDS, timing, build, dir, log }));
  });
  await section("riscv", async () => {
    rows.push(...await riscvRows({ rounds: ROUNDS, timing, build, dir, log }));
  });
  await section("aarch64", async () => {
    rows.push(...await aarch64Rows({ rounds: ROUNDS, timing, build, dir, log }));
  });
  await section("kernel", async () => {
    if (!build) return;
    rows.push(...await kernelRows({ rounds: ROUNDS, build, forkMib: FORK_MIB, faultPages: FAULT_PAGES, log }));
  });
  await section("replay", () => {
    rows.push(...replayRows({ rounds: ROUNDS, root: ROOT, cli: process.env.BENCH_CLI || join(ROOT, "dist", "cli.js"), dir, log, notes }));
  });
} finally {
  if (process.env.NATIVE_KEEP) log(`kept ${dir} (NATIVE_KEEP): images, streams, and the C commands in *.commands`);
  else rmSync(dir, { recursive: true, force: true });
}

const summaries = rows.map(summarize);
log("");
log(`native bench: medians of ${ROUNDS} interleaved rounds [min-max of the round figures]; ratio = wasm-mmu / baseline ` +
  "of the medians [min-max of the per-round ratios]; fault and fork figures per fault / per PTE; replay rows in ms");
log("");
for (const line of table(summaries)) log(line);
for (const n of notes) log(`note: ${n}`);
const judged = summaries.filter((s) => s.met !== null);
log("");
log(`targets met: ${judged.filter((s) => s.met).length} of ${judged.length}` +
  (judged.some((s) => !s.met) ? ` (not met: ${judged.filter((s) => !s.met).map((s) => s.id).join(", ")})` : ""));
log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);

mkdirSync(join(ROOT, "build", "bench"), { recursive: true });
writeFileSync(join(ROOT, "build", "bench", "native.json"), JSON.stringify({
  bench: "native", date: new Date().toISOString(), node: process.version, cc: build ? build.version : null,
  rounds: ROUNDS, timing, forkMib: FORK_MIB, faultPages: FAULT_PAGES, validation, notes, failures, rows: summaries,
}, null, 2) + "\n");
log("wrote build/bench/native.json");
if (failures.length > 0) {
  log(`\n${failures.length} section(s) FAILED:\n${failures.map((f) => `  ${f}`).join("\n")}`);
  process.exit(1);
}
