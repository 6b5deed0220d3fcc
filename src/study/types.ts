// The study's result types: platform-neutral (the browser's demo reads them too).
import type { ReplayReport } from "../trace/report.js";

export interface StudyOptions {
  /** Records excluded from the statistics at the start of each trace. */
  warmup?: number;
  /** A row of statistics every this many records. */
  interval?: number;
  /**
   * Add per-level rates to each report: instructions (= fetch records, measured), iTLB,
   * dTLB and STLB misses per 1,000 instructions, the walks' memory references and their
   * mean per walk.
   */
  detail?: boolean;
  /** Worker threads (default: the cores, at most one per configuration). */
  jobs?: number;
  /** Run only this slice of the work list: shard K (1-based) of N. */
  shard?: { k: number; n: number };
  /**
   * Configurations with identical L1 TLBs share one L1 simulation (default true; exact, see
   * assembly/study/group.ts). false runs each on its own: the check that both agree.
   */
  shareL1?: boolean;
}

/** One interval row: records (start, end] of the trace and what happened in them. */
export interface IntervalRow {
  records_start: number; records_end: number; records: number; fetch_records: number; translations: number;
  itlb_hits: number; itlb_misses: number; dtlb_hits: number; dtlb_misses: number; stlb_hits: number;
  stlb_misses: number; walks: number; page_faults: number;
}

export interface StudyReport extends ReplayReport {
  [key: string]: unknown;
}

export interface StudyElement {
  /** The trace's file name; null for the element of every trace together. */
  trace: string | null;
  traces?: string[];
  config: Record<string, string>;
  report: StudyReport;
  intervals?: IntervalRow[];
}

/** A work item: its position in the whole (unsharded) list, and its element. */
export interface StudyItem { index: number; element: StudyElement }

