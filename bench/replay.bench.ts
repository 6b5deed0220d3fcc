// Replay throughput against zlib alone, in the same run (issue 4): the larger public
// trace and a generated 4,000,000-line mix. Baseline: Node's streaming gunzip with its
// default options over the same file, read to the end (`createReadStream(f).pipe(
// createGunzip())`, what decompressing a trace costs on its own). Replay: `replay(f)`,
// end to end (read, inflate on the thread pool, replay in WASM). Target: replay ≤ 1.2×
// zlib alone. Memory: a fresh process replays the 4 M-line trace; its peak RSS < 200 MB.
import { createReadStream, mkdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { createGunzip, gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { replay } from "../src/trace/replay.js";
import { synthTrace } from "./synthTrace.js";

// The memory check runs this same bundle again in a fresh process.
if (process.argv[2] === "--rss-child") {
  await replay(process.argv[3]!);
  console.log(`maxRSS ${Math.round(process.resourceUsage().maxRSS / 1024)}`);
  process.exit(0);
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
/** test/fixtures/ of this repository; the bundle runs from build/bench/. */
const FIXTURES = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));

async function zlibAlone(path: string): Promise<number> {
  let n = 0;
  for await (const c of createReadStream(path).pipe(createGunzip())) n += (c as Buffer).length;
  return n;
}

interface Row { name: string; records: number; zlibMs: number; replayMs: number; ratio: number; recordsPerSec: number }
const rows: Row[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function measure(name: string, path: string): Promise<void> {
  const first = await replay(path);                       // warm-up, and the record count
  await zlibAlone(path);
  const z: number[] = [], r: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? ["z", "r"] : ["r", "z"];   // alternate, so drift hits both
    for (const which of order) {
      const t0 = performance.now();
      if (which === "z") await zlibAlone(path); else await replay(path);
      (which === "z" ? z : r).push(performance.now() - t0);
    }
  }
  const zlibMs = median(z), replayMs = median(r);
  rows.push({ name, records: first.records, zlibMs, replayMs, ratio: replayMs / zlibMs, recordsPerSec: first.records / (replayMs / 1000) });
}

const dir = mkdtempSync(join(tmpdir(), "wasm-mmu-bench-"));
const synthPath = join(dir, "synth-4m.lackey.gz");
writeFileSync(synthPath, gzipSync(synthTrace(4_000_000), { level: 6 }));

await measure("awk-wordfreq (public, 300,000 lines)", `${FIXTURES}traces/awk-wordfreq.lackey.gz`);
await measure("synthetic mix (4,000,000 lines)", synthPath);

// Peak RSS of a fresh process replaying the 4 M-line trace.
const rss = spawnSync(process.execPath, [fileURLToPath(new URL("./replay.bench.mjs", import.meta.url)), "--rss-child", synthPath], { encoding: "utf8" });
const rssMb = Number(/maxRSS (\d+)/.exec(rss.stdout)?.[1] ?? NaN);

console.log(`replay bench: median of ${ROUNDS} rounds, zlib alone and replay alternating`);
console.log(`${"input".padEnd(40)} ${"records".padStart(10)} ${"zlib ms".padStart(9)} ${"replay ms".padStart(10)} ${"ratio".padStart(7)} ${"M records/s".padStart(12)}`);
for (const w of rows) {
  console.log(`${w.name.padEnd(40)} ${String(w.records).padStart(10)} ${w.zlibMs.toFixed(1).padStart(9)} ${w.replayMs.toFixed(1).padStart(10)} ` +
    `${w.ratio.toFixed(2).padStart(7)} ${(w.recordsPerSec / 1e6).toFixed(1).padStart(12)}`);
}
const timeOk = rows.every((w) => w.ratio <= 1.2);
console.log(`${timeOk ? "PASS" : "FAIL"} target: replay <= 1.2x zlib alone (${rows.map((w) => w.ratio.toFixed(2) + "x").join(", ")})`);
console.log(`${rssMb < 200 ? "PASS" : "FAIL"} target: peak RSS replaying 4,000,000 lines < 200 MB (${rssMb} MB)`);
mkdirSync("build/bench", { recursive: true });
writeFileSync("build/bench/replay.json", JSON.stringify({ rounds: ROUNDS, rows, rssMb }, null, 2));
