// study(traces, configurations): every (trace, configuration) of the work list. Each trace
// is decoded once per page size its configurations use (the replay engine's decode mode:
// parsing, page splitting, demand paging and the physical address of every translation
// are the same for every TLB geometry), and the decoded records stream to the worker
// threads, which run every configuration over them. The report of a configuration is
// replay's (trace-replay.md §8), key for key: the decode's counts and phys_hash, the
// configuration's TLB counters and outcome_hash.
import { basename } from "node:path";
import { availableParallelism } from "node:os";
import { readConstants, type CoreConstants } from "../core/constants.js";
import { instantiateCore } from "../core/wasm.js";
import { ReplayEngine } from "../trace/engine.js";
import { openTrace, type TraceSource } from "../trace/source.js";
import type { ReplayReport } from "../trace/report.js";
import type { Hierarchy, StudyConfiguration } from "./config.js";
import { element, workerConfigs } from "./elements.js";
import { StudyPool } from "./pool.js";

export { l1Key } from "./elements.js";
export type { IntervalRow, StudyElement, StudyItem, StudyOptions, StudyReport } from "./types.js";
import type { StudyItem, StudyOptions } from "./types.js";

let constants: Promise<CoreConstants> | undefined;
/** The core's constants (from a throwaway instance: they are exports, not memory). */
function coreConstants(): Promise<CoreConstants> {
  constants ??= instantiateCore(new WebAssembly.Memory({ initial: 1, maximum: 65536 })).then((c) => readConstants(c.raw));
  return constants;
}

/** The name a trace goes by in the output: its file name ("-" for standard input). */
export function traceName(t: TraceSource): string {
  return typeof t === "string" ? (t === "-" ? "-" : basename(t)) : "(stream)";
}

/** The indexes of the work list (trace-major: every configuration of trace 1, then of trace 2...) in shard K of N. */
export function shardIndexes(total: number, shard?: { k: number; n: number }): number[] {
  const all = Array.from({ length: total }, (_, i) => i);
  return shard ? all.filter((i) => i % shard.n === shard.k - 1) : all;
}


/**
 * Run the work list (traces × configurations), or the shard of it asked for. Items come
 * back in work-list order, each with its index in the whole list.
 */
export async function runStudy(traces: TraceSource[], configs: StudyConfiguration[], options: StudyOptions = {}): Promise<StudyItem[]> {
  const k = await coreConstants();
  const wanted = new Set(shardIndexes(traces.length * configs.length, options.shard));
  const cores = options.jobs ?? availableParallelism();
  const items: StudyItem[] = [];
  let pool: StudyPool | null = null;
  try {
    for (let t = 0; t < traces.length; t++) {
      const mine = configs.map((c, i) => ({ c, index: t * configs.length + i })).filter((x) => wanted.has(x.index));
      if (mine.length === 0) continue;
      // One decode per page-size policy: 4096, 2097152, each THP threshold.
      for (const policy of new Set(mine.map((x) => pagePolicy(x.c.hierarchy)))) {
        const pass = mine.filter((x) => pagePolicy(x.c.hierarchy) === policy);
        const { pageSize, thp } = pass[0]!.c.hierarchy;
        const jobs = Math.max(1, Math.min(cores, pass.length));
        if (pool && pool.size !== jobs) { await pool.close(); pool = null; }
        pool ??= await StudyPool.create(jobs, k);
        pool.begin(workerConfigs(pass.map((x) => x.c), options, k));
        const decoded = await decodeInto(pool, traces[t]!, pageSize === 2097152, k, thp ?? 0);
        const results = new Map((await pool.end()).map((r) => [r.id, r]));
        pass.forEach((x, id) => {
          items.push({ index: x.index, element: element(traceName(traces[t]!), x.c, decoded, results.get(id)!, options, k) });
        });
      }
    }
  } finally {
    await pool?.close();
  }
  return items.sort((a, b) => a.index - b.index);
}

/** What a decode depends on: the page size, or the THP-like policy's threshold. */
function pagePolicy(h: Hierarchy): string { return h.thp === null ? String(h.pageSize) : `thp:${h.thp}`; }

/** Decode a trace, streaming its records to the pool; the decode's report (geometry-independent fields). */
async function decodeInto(pool: StudyPool, source: TraceSource, huge: boolean, k: CoreConstants, thp: number): Promise<ReplayReport> {
  const trace = await openTrace(source);
  const ready: { sab: SharedArrayBuffer; count: number }[] = [];
  const engine = await ReplayEngine.create({ huge }, (records) => {
    const sab = new SharedArrayBuffer(records.length);
    new Uint8Array(sab).set(records);
    ready.push({ sab, count: records.length / k.num.STUDY_RECORD_BYTES });
  }, thp);
  const flush = async () => {
    for (const r of ready.splice(0)) await pool.feed(r.sab, r.count);
  };
  try {
    for await (const chunk of trace.chunks) {
      engine.push(chunk);
      await flush();
    }
  } catch (e) {
    await trace.close();
    throw e;
  }
  const report = engine.finish();
  await flush();
  return report;
}

