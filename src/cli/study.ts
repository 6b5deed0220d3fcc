// `wasm-mmu study [options] TRACE...` and `wasm-mmu study merge PARTS...`: many TLB
// configurations over many traces, one decode of each trace (src/study/). JSON by default
// (schemas/study-output.schema.json), CSV on request; --shard writes a part for merge.
import { readFileSync, writeFileSync } from "node:fs";
import { ConfigError } from "../config.js";
import { ReplayError } from "../trace/engine.js";
import { TraceSourceError } from "../trace/source.js";
import { ChampSimError } from "../trace/champsim.js";
import { checkConfig, expandConfigurations, parseSweep, type Sweep } from "../study/config.js";
import { assemble, intervalCsv, merge, MergeError, partOf, sweepCsv, type WorkList } from "../study/output.js";
import { runStudy, traceName } from "../study/study.js";
import { renderSvg, studySpec } from "../study/plot.js";
import type { StudyElement } from "../study/types.js";
import { badInput, parseCommandArgs, usage } from "./errors.js";

export const STUDY_HELP = `Usage: wasm-mmu study [options] TRACE...
       wasm-mmu study merge [--format json|csv] [-o FILE] [--plot FILE.svg] PART...

Run many TLB configurations over one or more lackey traces. Each trace is decoded once
(parsing, page splitting, demand paging: the same for every TLB geometry) and every
configuration runs over the decoded translations on worker threads across the cores.
With the default configuration each report equals \`wasm-mmu replay\`'s, key for key.

Options:
  --config FILE       TLB hierarchies (JSON; schemas/study-config.schema.json): page_size
                      (4096, 2097152 or "thp:N": 2 MiB regions promoted at N touched pages),
                      itlb, dtlb, stlb as "ENTRIES/WAYS" or {entries, ways, policy, seed},
                      one object or an array of them (each may have a "name"); or "levels":
                      a hierarchy of any levels (serves, inclusion, tlb or tlb_4k + tlb_2m)
  --sweep P=V1,V2,... run every value of config parameter P (stlb, itlb, dtlb, page_size,
                      or a dotted path such as stlb.policy or levels.l2.tlb); several
                      --sweep multiply
  --warmup N          leave the first N records of each trace out of the statistics (the
                      TLBs still see them)
  --interval N        also report the statistics of every N records (per interval)
  --detail            add rates to each report: instructions (fetch records), itlb_mpki,
                      dtlb_mpki, stlb_mpki (misses per 1,000 instructions),
                      walk_memory_refs and memory_refs_per_walk
  --format json|csv   json (default): an array of {trace, config, report[, intervals]};
                      csv: one row per (trace, configuration), or per interval with --interval
  --shard K/N         run only the K-th of N slices of the (trace x configuration) work
                      list and write a part for \`wasm-mmu study merge\` (JSON)
  -o, --output FILE   write the result to FILE instead of standard output
  --plot FILE.svg     also draw the result (Vega-Lite, rendered by vega): for a sweep the
                      swept TLB's MPKI and miss rate against its entries, with --interval
                      the STLB misses over the trace; one line per trace
  -j, --jobs N        worker threads (default: the number of cores)
  -h, --help          this help

Exit status: 0 done; 1 usage: a bad option, config file or sweep (named by its JSON path
and value), a missing file; 2 bad input data: a malformed trace line, a bad part to merge.

Examples:
  wasm-mmu study --sweep stlb=64/4,128/8,256/8,1536/12,1536/1536 trace.lackey.gz
  wasm-mmu study --config skylake.json --sweep stlb.policy=lru,fifo --format csv a.gz b.gz
  wasm-mmu study --shard 3/8 -o part3.json --sweep stlb=... *.lackey.gz   (then: study merge part*.json)
`;

const OPTIONS = {
  config: { type: "string" }, sweep: { type: "string", multiple: true }, warmup: { type: "string" },
  interval: { type: "string" }, format: { type: "string" }, shard: { type: "string" }, output: { type: "string", short: "o" },
  plot: { type: "string" }, detail: { type: "boolean" },
  jobs: { type: "string", short: "j" }, help: { type: "boolean", short: "h" },
} as const;

const FORMATS = ["json", "csv"] as const;

function count(name: string, v: string | undefined, min: number): number {
  if (v === undefined) return 0;
  if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) {
    throw usage(`--${name} ${v}: not a whole number${min > 0 ? ` >= ${min}` : ""}`);
  }
  return Number(v);
}

function emit(text: string, output: string | undefined, out: (line: string) => void): void {
  if (output === undefined) { out(text.trimEnd()); return; }
  try { writeFileSync(output, text); } catch (e) { throw usage(`--output ${output}: ${(e as Error).message}`); }
}

export async function studyCommand(args: string[], out: (line: string) => void): Promise<number> {
  if (args[0] === "merge") return mergeCommand(args.slice(1), out);
  const { values: o, positionals } = parseCommandArgs(args, OPTIONS, true);
  if (o.help) { out(STUDY_HELP.trimEnd()); return 0; }
  if (positionals.length === 0) throw usage("missing the traces to study (see wasm-mmu study --help)");
  const format = o.format ?? "json";
  if (!(FORMATS as readonly string[]).includes(format)) throw usage(`--format: "${format}" is not one of ${FORMATS.join(", ")}`);
  const warmup = count("warmup", o.warmup, 0);
  const interval = count("interval", o.interval, 1);
  const jobs = o.jobs === undefined ? undefined : count("jobs", o.jobs, 1);
  let shard: { k: number; n: number } | undefined;
  if (o.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(o.shard);
    if (!m || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
      throw usage(`--shard ${o.shard}: not K/N with 1 <= K <= N`);
    }
    shard = { k: Number(m[1]), n: Number(m[2]) };
    if (format !== "json") throw usage("--shard writes a JSON part for `study merge`: --format csv goes on the merge");
    if (o.plot !== undefined) throw usage("--shard writes a part: --plot goes on the merge");
  }
  let file: Record<string, unknown>[] | null = null;
  let configs;
  try {
    if (o.config !== undefined) {
      let text: string;
      try { text = readFileSync(o.config, "utf8"); } catch (e) { throw usage(`--config ${o.config}: ${(e as Error).message}`); }
      let data: unknown;
      try { data = JSON.parse(text); } catch (e) { throw usage(`--config ${o.config}: not JSON: ${(e as Error).message}`); }
      file = checkConfig(data, o.config);
    }
    const sweeps: Sweep[] = (o.sweep ?? []).map(parseSweep);
    configs = expandConfigurations(file, sweeps);
    if (o.plot !== undefined && configs.some((c) => c.hierarchy.levels)) throw usage(LEVELS_NOT_PLOTTED);
  } catch (e) {
    if (e instanceof ConfigError) throw usage(e.message);
    throw e;
  }
  const list: WorkList = { traces: positionals.map(traceName), configs: configs.map((c) => c.label),
    options: o.detail ? { warmup, interval, detail: true } : { warmup, interval } };
  let items;
  try {
    items = await runStudy(positionals, configs, { warmup, interval, jobs, shard, detail: o.detail ?? false });
  } catch (e) {
    if (e instanceof ReplayError || e instanceof ChampSimError) throw badInput(e.message);
    if (e instanceof TraceSourceError) throw usage(e.message);
    throw e;
  }
  if (shard) { emit(JSON.stringify(partOf(list, shard, items)) + "\n", o.output, out); return 0; }
  const elements = assemble(list, items);
  await plot(elements, o.plot);
  emit(format === "csv" ? (interval > 0 ? intervalCsv(elements) : sweepCsv(elements)) : JSON.stringify(elements, null, 2) + "\n", o.output, out);
  return 0;
}

const MERGE_OPTIONS = { format: { type: "string" }, output: { type: "string", short: "o" }, plot: { type: "string" }, help: { type: "boolean", short: "h" } } as const;

const LEVELS_NOT_PLOTTED = "--plot draws the iTLB/dTLB/STLB form: a config with levels is not plotted (use --format csv)";

/** --plot FILE: the SVG of the result. */
async function plot(elements: StudyElement[], file: string | undefined): Promise<void> {
  if (file === undefined) return;
  if (elements.some((e) => "levels" in e.report)) throw usage(LEVELS_NOT_PLOTTED);
  const svg = await renderSvg(studySpec(elements));
  try { writeFileSync(file, svg); } catch (e) { throw usage(`--plot ${file}: ${(e as Error).message}`); }
}

async function mergeCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(args, MERGE_OPTIONS, true);
  if (o.help) { out(STUDY_HELP.trimEnd()); return 0; }
  const format = o.format ?? "json";
  if (!(FORMATS as readonly string[]).includes(format)) throw usage(`--format: "${format}" is not one of ${FORMATS.join(", ")}`);
  if (positionals.length === 0) throw usage("study merge: missing the parts to merge");
  const parts = positionals.map((name) => {
    let text: string;
    try { text = readFileSync(name, "utf8"); } catch (e) { throw usage(`${name}: ${(e as Error).message}`); }
    try { return { name, data: JSON.parse(text) as unknown }; } catch (e) { throw badInput(`${name}: not JSON: ${(e as Error).message}`); }
  });
  let elements;
  try { elements = merge(parts); } catch (e) {
    if (e instanceof MergeError) throw badInput(e.message);
    throw e;
  }
  const interval = elements.some((e) => e.intervals !== undefined);
  await plot(elements, o.plot);
  emit(format === "csv" ? (interval ? intervalCsv(elements) : sweepCsv(elements)) : JSON.stringify(elements, null, 2) + "\n", o.output, out);
  return 0;
}

