// The platform-neutral half of a study (src/study/study.ts runs it on Node's worker threads,
// the demo page in one Web Worker): what each configuration tells the worker body
// (worker.ts), which configurations share their L1, and the output element of a
// configuration from the decode's report and the worker's statistics.
import type { CoreConstants } from "../core/constants.js";
import type { ReplayReport } from "../trace/report.js";
import type { Hierarchy, StudyConfiguration, TlbSpec } from "./config.js";
import { levelsElement, workerLevels } from "./levels.js";
import type { IntervalRow, StudyElement, StudyOptions, StudyReport } from "./types.js";
import type { WorkerConfig, WorkerResult } from "./worker.js";

const POLICY_CODES = { lru: "POLICY_LRU", plru: "POLICY_PLRU", fifo: "POLICY_FIFO", random: "POLICY_RANDOM" } as const;

function tlbArgs(t: TlbSpec, k: CoreConstants): [number, number, number, number] {
  return [t.entries, t.ways, k.num[POLICY_CODES[t.policy]], t.seed];
}

/** The hierarchy keys the grouped run (assembly/study/group.ts) knows to lie below L1 or to be the L1s. */
const GROUPABLE_KEYS = new Set(["pageSize", "thp", "itlb", "dtlb", "stlb", "walkCaches", "levels"]);

/**
 * The key that groups configurations sharing their L1 behaviour (worker.ts): the page size
 * and the iTLB and dTLB, each with its policy and seed. null (the configuration runs on its
 * own) for a hierarchy with anything the grouped run does not know — a setting added later
 * may reach L1, and then only the plain run is known to be exact.
 */
export function l1Key(h: Hierarchy): string | null {
  if (Object.keys(h).some((key) => !GROUPABLE_KEYS.has(key))) return null;
  // THP (mixed page sizes: REC_HUGE records, promotions flushing L1) is run.ts's alone.
  if ((h.pageSize !== 4096 && h.pageSize !== 2097152) || h.thp !== null || h.levels !== undefined) return null;
  const t = (s: TlbSpec) => `${s.entries}/${s.ways}/${s.policy}/${s.seed}`;
  return `${h.pageSize} ${t(h.itlb)} ${t(h.dtlb)}`;
}

/** The worker's view of one pass's configurations (one page size): id = index in `configs`. */
export function workerConfigs(configs: StudyConfiguration[], options: StudyOptions, k: CoreConstants): WorkerConfig[] {
  return configs.map((c, id) => ({
    id, tlbs: [tlbArgs(c.hierarchy.itlb, k), tlbArgs(c.hierarchy.dtlb, k), tlbArgs(c.hierarchy.stlb, k)],
    walk: [c.hierarchy.walkCaches?.pml4, c.hierarchy.walkCaches?.pdpt, c.hierarchy.walkCaches?.pde].map((t) => (t ? tlbArgs(t, k) : null)),
    huge: c.hierarchy.pageSize === 2097152,
    ...(c.hierarchy.levels ? { levels: workerLevels(c.hierarchy.levels, k, (t) => tlbArgs(t, k)) } : {}),
    warmup: options.warmup ?? 0, interval: options.interval ?? 0, l1: options.shareL1 === false ? null : l1Key(c.hierarchy),
  }));
}

function num(v: bigint): number { return Number(v); }

/** A configuration's output element: the decode's counts and phys_hash, the worker's TLB statistics. */
export function element(trace: string, c: StudyConfiguration, d: ReplayReport, r: WorkerResult, options: StudyOptions, k: CoreConstants): StudyElement {
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
