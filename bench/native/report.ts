// Rows of the native bench and their table: per-round figures of both sides (interleaved
// rounds), medians with their spread (min-max of the round figures), the ratio of the medians
// with the spread of the per-round ratios, and the verdict against the target.
export interface RowResult {
  id: string;
  label: string;
  /** Unit of the figures: ns per translation / PTE / fault, or ms for whole runs. */
  unit: string;
  /** The per-round figures of wasm-mmu and of the baseline, in round order (pairs). */
  wasm: number[];
  base: number[];
  /** What the baseline is: "C", "TS model", "Linux", "gzip -dc", "node -e 0", "wasm batched". */
  baseLabel: string;
  /** "ratio": wasm / base <= target; "over": wasm - base <= target (ms); null target: informational. */
  mode: "ratio" | "over";
  target: number | null;
  note?: string;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
}

export interface Summary {
  id: string; label: string; unit: string; baseLabel: string; mode: RowResult["mode"]; target: number | null;
  wasm: number; wasmMin: number; wasmMax: number;
  base: number; baseMin: number; baseMax: number;
  /** wasm / base (ratio rows) or wasm - base (over rows), from the medians. */
  value: number; valueMin: number; valueMax: number;
  met: boolean | null;
  rounds: number;
  wasmRounds: number[]; baseRounds: number[];
  note?: string;
}

export function summarize(r: RowResult): Summary {
  const per = r.wasm.map((w, i) => (r.mode === "ratio" ? w / r.base[i]! : w - r.base[i]!));
  const w = median(r.wasm), b = median(r.base);
  const value = r.mode === "ratio" ? w / b : w - b;
  return {
    id: r.id, label: r.label, unit: r.unit, baseLabel: r.baseLabel, mode: r.mode, target: r.target,
    wasm: w, wasmMin: Math.min(...r.wasm), wasmMax: Math.max(...r.wasm),
    base: b, baseMin: Math.min(...r.base), baseMax: Math.max(...r.base),
    value, valueMin: Math.min(...per), valueMax: Math.max(...per),
    met: r.target === null ? null : value <= r.target,
    rounds: r.wasm.length, wasmRounds: r.wasm, baseRounds: r.base, ...(r.note ? { note: r.note } : {}),
  };
}

function fig(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** The table as Markdown, one line per row. */
export function table(rows: Summary[]): string[] {
  const lines = [
    "| path | wasm-mmu [min-max] | baseline [min-max] | ratio [per-round min-max] | target | |",
    "|---|---:|---:|---:|---:|---|",
  ];
  for (const s of rows) {
    const value = s.mode === "ratio"
      ? `${s.value.toFixed(2)} [${s.valueMin.toFixed(2)}-${s.valueMax.toFixed(2)}]`
      : `+${fig(s.value)} ms [${fig(s.valueMin)}-${fig(s.valueMax)}]`;
    const target = s.target === null ? "-" : s.mode === "ratio" ? `≤ ${s.target}` : `≤ +${s.target} ms`;
    const verdict = s.met === null ? "info" : s.met ? "met" : "NOT MET";
    lines.push(`| ${s.label} | ${fig(s.wasm)} ${s.unit} [${fig(s.wasmMin)}-${fig(s.wasmMax)}] | ` +
      `${s.baseLabel} ${fig(s.base)} ${s.unit} [${fig(s.baseMin)}-${fig(s.baseMax)}] | ${value} | ${target} | ${verdict} |`);
  }
  return lines;
}
