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
import type { Hierarchy, StudyConfiguration, TlbSpec } from "./config.js";
import { StudyPool } from "./pool.js";
import { levelsElement, workerLevels } from "./levels.js";
import type { WorkerConfig, WorkerResult } from "./worker.js";

export type { IntervalRow, StudyElement, StudyItem, StudyOptions, StudyReport } from "./types.js";
import type { IntervalRow, StudyElement, StudyItem, StudyOptions, StudyReport } from "./types.js";

const POLICY_CODES = { lru: "POLICY_LRU", plru: "POLICY_PLRU", fifo: "POLICY_FIFO", random: "POLICY_RANDOM" } as const;

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

function tlbArgs(t: TlbSpec, k: CoreConstants): [number, number, number, number] {
  return [t.entries, t.ways, k.num[POLICY_CODES[t.policy]], t.seed];
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
        const workerConfigs: WorkerConfig[] = pass.map((x, id) => ({
          id, tlbs: [tlbArgs(x.c.hierarchy.itlb, k), tlbArgs(x.c.hierarchy.dtlb, k), tlbArgs(x.c.hierarchy.stlb, k)],
          walk: [x.c.hierarchy.walkCaches?.pml4, x.c.hierarchy.walkCaches?.pdpt, x.c.hierarchy.walkCaches?.pde].map((t) => (t ? tlbArgs(t, k) : null)),
          huge: pageSize === 2097152,
          ...(x.c.hierarchy.levels ? { levels: workerLevels(x.c.hierarchy.levels, k, (t) => tlbArgs(t, k)) } : {}),
          warmup: options.warmup ?? 0, interval: options.interval ?? 0,
        }));
        pool.begin(workerConfigs);
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

function num(v: bigint): number { return Number(v); }

function element(trace: string, c: StudyConfiguration, d: ReplayReport, r: WorkerResult, options: StudyOptions, k: CoreConstants): StudyElement {
  const s = (f: string) => num(r.stats[k.num[f as "SS_RECORDS"]]!);
  if (c.hierarchy.levels) return levelsElement(trace, c, d, r, options, k);
  const h: Hierarchy = c.hierarchy;
  const warm = (options.warmup ?? 0) > 0;
  if (!warm && s("SS_TRANSLATIONS") !== d.translations) {
    throw new Error(`study: internal error: ${s("SS_TRANSLATIONS")} translations simulated, ${d.translations} decoded`);
  }
  const report: StudyReport = {
    page_size: h.pageSize,
    itlb_entries: h.itlb.entries, itlb_ways: h.itlb.ways, dtlb_entries: h.dtlb.entries, dtlb_ways: h.dtlb.ways,
    stlb_entries: h.stlb.entries, stlb_ways: h.stlb.ways,
    lines: d.lines, records: warm ? s("SS_RECORDS") : d.records,
    records_i: d.records_i, records_l: d.records_l, records_s: d.records_s, records_m: d.records_m,
    translations: s("SS_TRANSLATIONS"),
    itlb_hits: s("SS_ITLB_HITS"), itlb_misses: s("SS_ITLB_MISSES"), dtlb_hits: s("SS_DTLB_HITS"), dtlb_misses: s("SS_DTLB_MISSES"),
    stlb_hits: s("SS_STLB_HITS"), stlb_misses: s("SS_STLB_MISSES"), walks: s("SS_STLB_MISSES"),
    page_faults: s("SS_FAULTS"), pages_touched: d.pages_touched, page_table_pages: d.page_table_pages,
    phys_hash: d.phys_hash,
    outcome_hash: r.stats[k.num.SS_OUTCOME_HASH]!.toString(16).padStart(16, "0"),
  };
  if (h.thp !== null) {
    // The THP-like policy: its threshold, and the regions collapsed in the measured records.
    report.thp_threshold = h.thp;
    report.promotions = s("SS_PROMOTIONS");
  }
  if (warm) report.warmup_records = options.warmup!;
  if (options.detail) {
    const instructions = s("SS_FETCH_RECORDS");
    const perK = (misses: number) => (instructions > 0 ? (1000 * misses) / instructions : null);
    report.instructions = instructions;
    report.itlb_mpki = perK(report.itlb_misses);
    report.dtlb_mpki = perK(report.dtlb_misses);
    report.stlb_mpki = perK(report.stlb_misses);
    report.walk_memory_refs = s("SS_WALK_REFS");
    report.memory_refs_per_walk = report.walks > 0 ? s("SS_WALK_REFS") / report.walks : null;
  }
  if (h.walkCaches) {
    report.walk_memory_refs = s("SS_WALK_REFS");
    report.pml4_cache_hits = s("SS_PML4C_HITS");
    report.pdpt_cache_hits = s("SS_PDPTC_HITS");
    report.pde_cache_hits = s("SS_PDEC_HITS");
  }
  const out: StudyElement = { trace, config: c.label, report };
  if ((options.interval ?? 0) > 0) {
    let start = options.warmup ?? 0;
    out.intervals = r.intervals.map((row) => {
      const v = (f: string) => num(row.stats[k.num[f as "SS_RECORDS"]]!);
      const line: IntervalRow = {
        records_start: start, records_end: row.end, records: v("SS_RECORDS"), fetch_records: v("SS_FETCH_RECORDS"),
        translations: v("SS_TRANSLATIONS"), itlb_hits: v("SS_ITLB_HITS"), itlb_misses: v("SS_ITLB_MISSES"),
        dtlb_hits: v("SS_DTLB_HITS"), dtlb_misses: v("SS_DTLB_MISSES"), stlb_hits: v("SS_STLB_HITS"),
        stlb_misses: v("SS_STLB_MISSES"), walks: v("SS_STLB_MISSES"), page_faults: v("SS_FAULTS"),
      };
      start = row.end;
      return line;
    });
  }
  return out;
}
