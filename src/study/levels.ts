// The levels form's host side (assembly/study/levels.ts runs it): what a worker is told
// to build, and the per-level numbers read back from its statistics (SS_* fields, then
// the levels' LS_* fields: the walks, then LS_FIELDS per level).
import type { CoreConstants } from "../core/constants.js";
import type { ReplayReport } from "../trace/report.js";
import type { AccessKind, Hierarchy, Inclusion, LevelSpec, StudyConfiguration } from "./config.js";
import type { IntervalRow, StudyElement, StudyOptions, StudyReport } from "./types.js";

/** A worker's result (worker.ts's WorkerResult, not imported: this file stays free of Node's modules). */
interface Result { stats: bigint[]; intervals: { end: number; stats: bigint[] }[] }

/** A level as the worker builds it: kinds as bits 1 << REC_KIND_*, inclusion as INCL_*, arrays as [entries, ways, policy, seed]. */
export interface WorkerLevel { kinds: number; inclusion: number; tlb: number[]; tlb2m: number[] | null }

/** One level's numbers in a report (and, accesses/hits/misses only, in an interval row). */
export interface LevelReport {
  name: string; accesses: number; hits: number; misses: number;
  accesses_4k: number; hits_4k: number; misses_4k: number; accesses_2m: number; hits_2m: number; misses_2m: number;
  back_invalidations: number; victim_fills: number;
  /** --detail: misses per 1,000 instructions. */
  mpki?: number | null;
}
export interface LevelIntervalRow { name: string; accesses: number; hits: number; misses: number }

const KIND_CODES: Record<AccessKind, "REC_KIND_FETCH" | "REC_KIND_LOAD" | "REC_KIND_STORE"> = { fetch: "REC_KIND_FETCH", load: "REC_KIND_LOAD", store: "REC_KIND_STORE" };
const INCLUSION_CODES: Record<Inclusion, "INCL_NON" | "INCL_INCLUSIVE" | "INCL_EXCLUSIVE"> = { "non-inclusive": "INCL_NON", inclusive: "INCL_INCLUSIVE", exclusive: "INCL_EXCLUSIVE" };

export function workerLevels(levels: LevelSpec[], k: CoreConstants, tlbArgs: (t: LevelSpec["tlb"]) => number[]): WorkerLevel[] {
  return levels.map((l) => ({
    kinds: l.serves.reduce((bits, kind) => bits | (1 << k.num[KIND_CODES[kind]]), 0),
    inclusion: k.num[INCLUSION_CODES[l.inclusion]],
    tlb: tlbArgs(l.tlb), tlb2m: l.tlb2m ? tlbArgs(l.tlb2m) : null,
  }));
}

/** The levels' numbers from a worker's statistics (the SS_* fields first). */
export function levelStats(h: Hierarchy, stats: bigint[], k: CoreConstants): { walks: number; walks4k: number; walks2m: number; levels: LevelReport[] } {
  const base = k.num.SS_FIELDS;
  const f = (i: number, field: number) => Number(stats[base + k.num.LS_LEVEL0 + i * k.num.LS_FIELDS + field]!);
  const levels = h.levels!.map((l, i): LevelReport => {
    const hits4 = f(i, k.num.LS_HITS_4K), misses4 = f(i, k.num.LS_MISSES_4K), hits2 = f(i, k.num.LS_HITS_2M), misses2 = f(i, k.num.LS_MISSES_2M);
    return {
      name: l.name, accesses: hits4 + misses4 + hits2 + misses2, hits: hits4 + hits2, misses: misses4 + misses2,
      accesses_4k: hits4 + misses4, hits_4k: hits4, misses_4k: misses4, accesses_2m: hits2 + misses2, hits_2m: hits2, misses_2m: misses2,
      back_invalidations: f(i, k.num.LS_BACK_INVALIDATIONS), victim_fills: f(i, k.num.LS_VICTIM_FILLS),
    };
  });
  const walks = Number(stats[base + k.num.LS_WALKS]!), walks2m = Number(stats[base + k.num.LS_WALKS_2M]!);
  return { walks, walks4k: walks - walks2m, walks2m, levels };
}

/**
 * A levels-form element: replay's keys that do not name the fixed TLBs (the decode's
 * counts, translations, walks, page faults, both hashes), then `levels`; the options'
 * extensions as the fixed form has them.
 */
export function levelsElement(trace: string, c: StudyConfiguration, d: ReplayReport, r: Result, options: StudyOptions, k: CoreConstants): StudyElement {
  const s = (stats: bigint[], f: "SS_RECORDS" | "SS_FETCH_RECORDS" | "SS_TRANSLATIONS" | "SS_FAULTS" | "SS_WALK_REFS" | "SS_PML4C_HITS" | "SS_PDPTC_HITS" | "SS_PDEC_HITS" | "SS_PROMOTIONS") => Number(stats[k.num[f]]!);
  const h = c.hierarchy;
  const warm = (options.warmup ?? 0) > 0;
  const { walks, walks4k, walks2m, levels } = levelStats(h, r.stats, k);
  const report: StudyReport = {
    page_size: h.pageSize, lines: d.lines, records: warm ? s(r.stats, "SS_RECORDS") : d.records,
    records_i: d.records_i, records_l: d.records_l, records_s: d.records_s, records_m: d.records_m,
    translations: s(r.stats, "SS_TRANSLATIONS"), walks, walks_4k: walks4k, walks_2m: walks2m, page_faults: s(r.stats, "SS_FAULTS"),
    pages_touched: d.pages_touched, page_table_pages: d.page_table_pages, phys_hash: d.phys_hash,
    outcome_hash: r.stats[k.num.SS_OUTCOME_HASH]!.toString(16).padStart(16, "0"),
    levels,
  } as unknown as StudyReport;
  if (!warm && report.translations !== d.translations) {
    throw new Error(`study: internal error: ${report.translations} translations simulated, ${d.translations} decoded`);
  }
  if (h.thp !== null) {
    // The THP-like policy, as in the fixed form: its threshold and the regions collapsed.
    report.thp_threshold = h.thp;
    report.promotions = s(r.stats, "SS_PROMOTIONS");
  }
  if (warm) report.warmup_records = options.warmup!;
  if (options.detail) {
    const instructions = s(r.stats, "SS_FETCH_RECORDS");
    report.instructions = instructions;
    for (const l of levels) l.mpki = instructions > 0 ? (1000 * l.misses) / instructions : null;
    report.walk_memory_refs = s(r.stats, "SS_WALK_REFS");
    report.memory_refs_per_walk = walks > 0 ? s(r.stats, "SS_WALK_REFS") / walks : null;
  }
  if (h.walkCaches) {
    report.walk_memory_refs = s(r.stats, "SS_WALK_REFS");
    report.pml4_cache_hits = s(r.stats, "SS_PML4C_HITS");
    report.pdpt_cache_hits = s(r.stats, "SS_PDPTC_HITS");
    report.pde_cache_hits = s(r.stats, "SS_PDEC_HITS");
  }
  const out: StudyElement = { trace, config: c.label, report };
  if ((options.interval ?? 0) > 0) {
    let start = options.warmup ?? 0;
    out.intervals = r.intervals.map((row) => {
      const v = levelStats(h, row.stats, k);
      const line = {
        records_start: start, records_end: row.end, records: s(row.stats, "SS_RECORDS"), fetch_records: s(row.stats, "SS_FETCH_RECORDS"),
        translations: s(row.stats, "SS_TRANSLATIONS"), walks: v.walks, page_faults: s(row.stats, "SS_FAULTS"),
        levels: v.levels.map((l): LevelIntervalRow => ({ name: l.name, accesses: l.accesses, hits: l.hits, misses: l.misses })),
      };
      start = row.end;
      return line as unknown as IntervalRow;
    });
  }
  return out;
}
