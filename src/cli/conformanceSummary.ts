// The summary every `wasm-mmu conformance` architecture prints: vectors, agreement, the
// disagreements by field and by set, and the first few with each differing field's values.

/** What the three runners' summaries have in common. */
export interface SummaryCounts {
  total: number;
  agreeing: number;
  bySet: Record<string, { total: number; disagreeing: number }>;
  byField: Record<string, number>;
  disagreements: readonly { id: number | string; set: string; fields: string[]; expected: unknown; actual: unknown }[];
}

/** Disagreements listed in full. */
export const SHOW = 10;

/** A field of an outcome: "name" or "name.index" into an array (walk_after.2). */
function fieldValue(o: unknown, field: string): unknown {
  const [name, index] = field.split(".");
  const v = (o as Record<string, unknown>)[name!];
  return index !== undefined && Array.isArray(v) ? v[Number(index)] : v;
}

/** The summary's lines under `header` (the arch, the file and the run's settings). */
export function formatConformanceSummary(header: string, s: SummaryCounts): string[] {
  const lines: string[] = [header];
  const bad = s.total - s.agreeing;
  lines.push(`  vectors:   ${s.total}`);
  lines.push(`  agreeing:  ${s.agreeing}/${s.total}${bad ? `  (${bad} disagree)` : ""}`);
  const sets = Object.entries(s.bySet).sort(([a], [b]) => a.localeCompare(b));
  if (bad === 0) {
    lines.push(`  all ${sets.length} sets agree`);
    return lines;
  }
  lines.push("  disagreements by field:");
  for (const [field, n] of Object.entries(s.byField).sort((a, b) => b[1] - a[1])) lines.push(`    ${field.padEnd(12)} ${n}`);
  lines.push("  disagreements by set:");
  const badSets = sets.filter(([, v]) => v.disagreeing > 0);
  const width = Math.max(...badSets.map(([name]) => name.length));
  for (const [name, v] of badSets) lines.push(`    ${name.padEnd(width)}  ${v.disagreeing}/${v.total}`);
  const agreeing = sets.length - badSets.length;
  lines.push(agreeing ? `    (the other ${agreeing} set${agreeing === 1 ? "" : "s"} all agree)` : "    (no set agrees fully)");
  lines.push(`  first ${Math.min(SHOW, s.disagreements.length)} disagreement${s.disagreements.length === 1 ? "" : "s"}:`);
  for (const d of s.disagreements.slice(0, SHOW)) {
    const diffs = d.fields.map((f) => `${f} expected ${JSON.stringify(fieldValue(d.expected, f))}, got ${JSON.stringify(fieldValue(d.actual, f))}`);
    lines.push(`    id ${d.id} (${d.set}): ${diffs.join("; ")}`);
  }
  return lines;
}
