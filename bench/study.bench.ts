// A 16-configuration sweep against one replay of the same trace (issue 12): the generated
// 4,000,000-line mix of bench/replay (bench/synthTrace.ts), gzip-compressed. Replay:
// `replay(f)` with the default TLBs, end to end. Study: `runStudy([f], 16 STLB geometries)`
// — set-associative, non-power-of-two sets and fully associative up to 65536/65536 — end
// to end (one decode, the configurations on worker threads across the cores). Rounds
// alternate the two; the figures are medians with their spread (min-max) and the median of
// the per-round ratios. Target: study ≤ 3 × replay on this 2-core machine. Both sides are
// checked to agree (the study's 1536/12 report equals the replay's).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { replay } from "../src/trace/replay.js";
import { expandConfigurations, parseSweep } from "../src/study/config.js";
import { runStudy } from "../src/study/study.js";
import { synthTrace } from "./synthTrace.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SWEEP = "stlb=16/4,32/4,64/4,128/8,256/8,512/8,768/12,1024/8,1536/12,2048/16,4096/16,64/64,256/256,1536/1536,8192/8192,65536/65536";

const dir = mkdtempSync(join(tmpdir(), "wasm-mmu-study-bench-"));
const path = join(dir, "synth-4m.lackey.gz");
writeFileSync(path, gzipSync(synthTrace(4_000_000), { level: 6 }));
const configs = expandConfigurations(null, [parseSweep(SWEEP)]);

// Warm-up, and the check that both sides agree.
const base = await replay(path);
const first = await runStudy([path], configs);
const same = first.find((i) => i.element.config.stlb === "1536/12")!.element.report;
if (JSON.stringify(same) !== JSON.stringify(base)) throw new Error("study's 1536/12 report differs from replay's");

const load0 = loadavg().map((x) => x.toFixed(2)).join(" ");
const r: number[] = [], s: number[] = [], ratio: number[] = [], rc: number[] = [], sc: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 === 0 ? ["r", "s"] : ["s", "r"];
  const t: Record<string, number> = {}, cpu: Record<string, number> = {};
  for (const which of order) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    if (which === "r") await replay(path); else await runStudy([path], configs);
    t[which] = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu[which] = (c.user + c.system) / 1000;
  }
  r.push(t.r!); s.push(t.s!); ratio.push(t.s! / t.r!); rc.push(cpu.r!); sc.push(cpu.s!);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
const rm = median(r), sm = median(s), q = median(ratio);
console.log(`study bench: ${configs.length} configurations, ${base.records} records, ${base.translations} translations; ` +
  `${ROUNDS} rounds alternating; ${availableParallelism()} cores`);
console.log(`  replay (1 configuration)   median ${rm.toFixed(0)} ms  (spread ${spread(r)})`);
console.log(`  study  (${configs.length} configurations) median ${sm.toFixed(0)} ms  (spread ${spread(s)})`);
console.log(`  ratio study / replay: median of rounds ${q.toFixed(2)}x (${ratio.map((x) => x.toFixed(2)).join(", ")}); ` +
  `per configuration ${(sm / configs.length).toFixed(0)} ms`);
console.log(`  CPU time (every thread): replay median ${median(rc).toFixed(0)} ms (${spread(rc)}), study median ${median(sc).toFixed(0)} ms (${spread(sc)})`);
console.log(`  load average before / after: ${load0} / ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`${q <= 3 ? "PASS" : "FAIL"} target: a 16-configuration sweep <= 3x one replay (${q.toFixed(2)}x)`);
mkdirSync("build/bench", { recursive: true });
writeFileSync("build/bench/study.json", JSON.stringify({ rounds: ROUNDS, sweep: SWEEP, replayMs: r, studyMs: s, ratio, replayCpuMs: rc, studyCpuMs: sc, load: [load0, loadavg()] }, null, 2));
