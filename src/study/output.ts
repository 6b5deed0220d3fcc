// The study's output: the work list's elements in order, the traces together, shard
// parts and their merge, CSV. One function (assemble) builds the final result from work
// items, whether they came from one run or from the parts of a sharded one, so a merge
// is exactly the unsharded result.
import { REPORT_KEYS } from "../trace/report.js";
import type { IntervalRow, StudyElement, StudyItem, StudyReport } from "./types.js";

/** Keys of the report that describe the configuration, not the trace: equal across traces. */
/** Rates: meaningless summed; the traces together leave them null. */
const RATES = new Set(["itlb_mpki", "dtlb_mpki", "stlb_mpki", "memory_refs_per_walk"]);
const GEOMETRY = new Set(["page_size", "itlb_entries", "itlb_ways", "dtlb_entries", "dtlb_ways", "stlb_entries", "stlb_ways", "warmup_records", "thp_threshold"]);
const HASHES = new Set(["phys_hash", "outcome_hash"]);

/** What identifies a study's work list: parts of different lists must not merge. */
export interface WorkList {
  traces: string[];
  configs: Record<string, string>[];
  options: { warmup: number; interval: number; detail?: boolean };
}

export interface StudyPart extends WorkList {
  wasm_mmu_study_part: 1;
  shard: string;
  items: StudyItem[];
}

/**
 * The output: each (trace, configuration) element in work-list order, then with several
 * traces one element per configuration adding up every trace's counts (hashes null: a
 * hash of several traces means nothing).
 */
export function assemble(list: WorkList, items: StudyItem[]): StudyElement[] {
  const sorted = [...items].sort((a, b) => a.index - b.index);
  const out = sorted.map((i) => i.element);
  if (list.traces.length < 2) return out;
  const n = list.configs.length;
  for (let c = 0; c < n; c++) {
    const mine = sorted.filter((i) => i.index % n === c).map((i) => i.element);
    if (mine.length === 0) continue;
    const report: Record<string, unknown> = {};
    for (const key of Object.keys(mine[0]!.report)) {
      if (key === "levels") report[key] = sumLevels(mine.map((e) => e.report[key] as Record<string, unknown>[]));
      else if (HASHES.has(key) || RATES.has(key)) report[key] = null;
      else if (GEOMETRY.has(key)) report[key] = mine[0]!.report[key];
      else report[key] = mine.reduce((sum, e) => sum + (e.report[key] as number), 0);
    }
    out.push({ trace: null, traces: mine.map((e) => e.trace!), config: list.configs[c]!, report: report as StudyReport });
  }
  return out;
}

/** The levels form's per-level counts added up over traces (names kept, rates null). */
function sumLevels(all: Record<string, unknown>[][]): Record<string, unknown>[] {
  return all[0]!.map((first, i) => Object.fromEntries(Object.keys(first).map((key) => [key,
    key === "name" ? first.name : key === "mpki" ? null : all.reduce((sum, levels) => sum + (levels[i]![key] as number), 0)])));
}

/** A row's values with a levels-form `levels` spread into columns NAME.KEY (l1d.hits...): CSV has no arrays. */
function flat(values: object): Record<string, unknown> {
  const { levels, ...rest } = values as Record<string, unknown>;
  if (!Array.isArray(levels)) return rest;
  for (const l of levels as Record<string, unknown>[]) for (const [k, v] of Object.entries(l)) if (k !== "name") rest[`${String(l.name)}.${k}`] = v;
  return rest;
}

export function partOf(list: WorkList, shard: { k: number; n: number }, items: StudyItem[]): StudyPart {
  return { wasm_mmu_study_part: 1, shard: `${shard.k}/${shard.n}`, ...list, items };
}

export class MergeError extends Error { override name = "MergeError"; }

/** Parts of one sharded study back into its output; every shard exactly once, of the same work list. */
export function merge(parts: { name: string; data: unknown }[]): StudyElement[] {
  if (parts.length === 0) throw new MergeError("no parts to merge");
  const seen = new Map<number, string>();
  let first: StudyPart | null = null, n = 0;
  const items: StudyItem[] = [];
  for (const { name, data } of parts) {
    const p = data as StudyPart;
    if (p === null || typeof p !== "object" || p.wasm_mmu_study_part !== 1 || typeof p.shard !== "string" || !Array.isArray(p.items)) {
      throw new MergeError(`${name}: not a study part (written by wasm-mmu study --shard K/N)`);
    }
    const m = /^(\d+)\/(\d+)$/.exec(p.shard);
    if (!m) throw new MergeError(`${name}: shard ${JSON.stringify(p.shard)} is not K/N`);
    const k = Number(m[1]), total = Number(m[2]);
    if (first === null) { first = p; n = total; }
    else {
      if (total !== n) throw new MergeError(`${name}: shard ${p.shard} is of ${total} shards, ${parts[0]!.name} of ${n}`);
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      for (const key of ["traces", "configs", "options"] as const) {
        if (!same(p[key], first[key])) throw new MergeError(`${name}: its ${key} differ from ${parts[0]!.name}'s: not the same study`);
      }
    }
    if (seen.has(k)) throw new MergeError(`${name}: shard ${p.shard} given twice (also ${seen.get(k)})`);
    seen.set(k, name);
    items.push(...p.items);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length > 0) throw new MergeError(`missing shard${missing.length > 1 ? "s" : ""} ${missing.map((k) => `${k}/${n}`).join(", ")}`);
  const total = first!.traces.length * first!.configs.length;
  const indexes = new Set(items.map((i) => i.index));
  if (indexes.size !== items.length || indexes.size !== total) {
    throw new MergeError(`the parts hold ${items.length} items for a work list of ${total}: a part was altered`);
  }
  return assemble(first!, items);
}

const csvField = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The config keys of the elements, in first-seen order. */
function configKeys(elements: StudyElement[]): string[] {
  const keys: string[] = [];
  for (const e of elements) for (const k of Object.keys(e.config)) if (!keys.includes(k)) keys.push(k);
  return keys;
}

/** One row per element: trace ("*" for the traces together), the swept parameters, then every report key (replay's, then the extensions'). */
export function sweepCsv(elements: StudyElement[]): string {
  const cfg = configKeys(elements);
  // Replay's keys (those of the levels form only: the fixed TLBs' are absent), then the
  // extensions' (warmup_records, the walk caches' counts, the levels' columns...) in the order first seen.
  const reports = elements.map((e) => flat(e.report));
  const keys = (REPORT_KEYS as readonly string[]).filter((k) => reports.some((r) => k in r));
  for (const r of reports) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  const rows = [["trace", ...cfg, ...keys].map(csvField).join(",")];
  elements.forEach((e, i) => {
    rows.push([e.trace ?? "*", ...cfg.map((k) => e.config[k] ?? ""), ...keys.map((k) => reports[i]![k])].map(csvField).join(","));
  });
  return rows.join("\n") + "\n";
}

export const INTERVAL_KEYS: readonly (keyof IntervalRow)[] = [
  "records_start", "records_end", "records", "fetch_records", "translations", "itlb_hits", "itlb_misses", "dtlb_hits",
  "dtlb_misses", "stlb_hits", "stlb_misses", "walks", "page_faults",
];

/** One row per interval of each (trace, configuration). */
export function intervalCsv(elements: StudyElement[]): string {
  const cfg = configKeys(elements);
  // The levels form's rows have no itlb/dtlb/stlb counts but a column per level count.
  const all = elements.flatMap((e) => (e.intervals ?? []).map((r) => ({ e, r: flat(r) })));
  const keys = (INTERVAL_KEYS as readonly string[]).filter((k) => all.length === 0 || all.some(({ r }) => k in r));
  for (const { r } of all) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  const rows = [["trace", ...cfg, ...keys].map(csvField).join(",")];
  for (const { e, r } of all) rows.push([e.trace, ...cfg.map((k) => e.config[k] ?? ""), ...keys.map((k) => r[k])].map(csvField).join(","));
  return rows.join("\n") + "\n";
}
