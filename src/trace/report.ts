// The replay report: trace-replay.md §8, every key in order, and a readable table.

export interface ReplayReport {
  page_size: number; itlb_entries: number; itlb_ways: number; dtlb_entries: number; dtlb_ways: number;
  stlb_entries: number; stlb_ways: number; lines: number; records: number; records_i: number; records_l: number;
  records_s: number; records_m: number; translations: number; itlb_hits: number; itlb_misses: number;
  dtlb_hits: number; dtlb_misses: number; stlb_hits: number; stlb_misses: number; walks: number;
  page_faults: number; pages_touched: number; page_table_pages: number; phys_hash: string; outcome_hash: string;
}

/** The keys of §8 in their order. */
export const REPORT_KEYS: readonly (keyof ReplayReport)[] = [
  "page_size", "itlb_entries", "itlb_ways", "dtlb_entries", "dtlb_ways", "stlb_entries", "stlb_ways", "lines",
  "records", "records_i", "records_l", "records_s", "records_m", "translations", "itlb_hits", "itlb_misses",
  "dtlb_hits", "dtlb_misses", "stlb_hits", "stlb_misses", "walks", "page_faults", "pages_touched",
  "page_table_pages", "phys_hash", "outcome_hash",
];

/** One key per line, in the order of §8. */
export function reportJson(r: ReplayReport): string {
  const lines = REPORT_KEYS.map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(r[k])}`);
  return `{\n${lines.join(",\n")}\n}\n`;
}

const pct = (n: number, d: number) => (d === 0 ? "-" : `${((100 * n) / d).toFixed(2)}%`);
const perK = (n: number, d: number) => (d === 0 ? "-" : ((1000 * n) / d).toFixed(2));

/** A table for people: hit rates, misses per 1,000 records, page-table pages, one line per TLB. */
export function reportTable(r: ReplayReport): string {
  const row = (name: string, geo: string, hits: number, misses: number) =>
    `  ${name.padEnd(6)} ${geo.padStart(9)} ${String(hits).padStart(12)} ${String(misses).padStart(12)} ` +
    `${pct(hits, hits + misses).padStart(9)} ${perK(misses, r.records).padStart(12)}`;
  return [
    `page size ${r.page_size === 4096 ? "4 KiB" : "2 MiB"}; ${r.lines} lines, ${r.records} records ` +
      `(I ${r.records_i}, L ${r.records_l}, S ${r.records_s}, M ${r.records_m}), ${r.translations} translations`,
    "",
    `  ${"TLB".padEnd(6)} ${"geometry".padStart(9)} ${"hits".padStart(12)} ${"misses".padStart(12)} ${"hit rate".padStart(9)} ${"MPKR".padStart(12)}`,
    row("iTLB", `${r.itlb_entries}/${r.itlb_ways}`, r.itlb_hits, r.itlb_misses),
    row("dTLB", `${r.dtlb_entries}/${r.dtlb_ways}`, r.dtlb_hits, r.dtlb_misses),
    row("STLB", `${r.stlb_entries}/${r.stlb_ways}`, r.stlb_hits, r.stlb_misses),
    "",
    `  walks ${r.walks} (${perK(r.walks, r.records)} per 1,000 records), page faults ${r.page_faults}, ` +
      `pages touched ${r.pages_touched}, page-table pages ${r.page_table_pages}`,
    `  phys_hash ${r.phys_hash}, outcome_hash ${r.outcome_hash}`,
    "  (MPKR: misses per 1,000 records)",
  ].join("\n") + "\n";
}
