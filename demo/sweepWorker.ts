// The demo's sweep (panel 6), off the main thread: `wasm-mmu study --sweep PARAM=VALUES`
// over one trace with the library's own engine. The configurations come from the same
// parser and schema (src/study/config.ts); the trace is decoded once per page size by the
// replay engine's decode mode (per page-size policy); the decoded records go to the study's worker body run in
// this thread (src/study/worker.ts, inThreadWorker: no worker_threads here), so every
// report is the one the CLI prints. The plot is the Vega-Lite spec of `--plot`
// (src/study/plot.ts), rendered to SVG by vega here, headless.
import { compileCore, instantiateCore } from "../src/core/wasm.js";
import { readConstants, type CoreConstants } from "../src/core/constants.js";
import { ReplayEngine, ReplayError } from "../src/trace/engine.js";
import { expandConfigurations, parseSweep, type StudyConfiguration } from "../src/study/config.js";
import { element, workerConfigs } from "../src/study/elements.js";
import { renderSvg, sweepSpec } from "../src/study/plot.js";
import type { StudyElement } from "../src/study/types.js";
import { inThreadWorker, type WorkerReply, type WorkerResult } from "../src/study/worker.js";
import type { ReplaySource } from "./replayWorker.js";

export type SweepRequest = { type: "start"; source: ReplaySource; param: string; values: string };
export type SweepMessage =
  | { type: "progress"; text: string }
  | { type: "done"; elements: StudyElement[]; svg: string; elapsedMs: number; traceName: string }
  | { type: "error"; message: string };

interface WorkerScope {
  postMessage(message: SweepMessage): void;
  onmessage: ((e: MessageEvent<SweepRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (e) => {
  if (e.data.type !== "start") return;
  sweep(e.data).catch((err: unknown) => {
    const message = err instanceof ReplayError ? `bad trace: ${err.message}` : err instanceof Error ? err.message : String(err);
    scope.postMessage({ type: "error", message });
  });
};

/** The trace's text: fetched or read from the File, inflated when it starts with the gzip magic (1f 8b). */
async function openText(source: ReplaySource): Promise<ReadableStream<Uint8Array>> {
  let body: ReadableStream<Uint8Array>;
  if (source.kind === "url") {
    const res = await fetch(source.url);
    if (!res.ok || !res.body) throw new Error(`cannot fetch ${source.url}: HTTP ${res.status}`);
    body = res.body;
  } else {
    body = source.file.stream() as ReadableStream<Uint8Array>;
  }
  // The first chunk decides (a chunk of fewer than 2 bytes is not gzip: good enough for a demo), then every byte goes on.
  const reader = body.getReader();
  const first = await reader.read();
  const gzip = !first.done && first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
  const rest = new ReadableStream<Uint8Array>({
    start(ctl) { if (first.done) ctl.close(); else ctl.enqueue(first.value); },
    async pull(ctl) { const r = await reader.read(); if (r.done) ctl.close(); else ctl.enqueue(r.value); },
    cancel(reason) { return reader.cancel(reason); },
  });
  return gzip ? rest.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>) : rest;
}

/** One pass: every configuration of one page size over one decode of the trace. */
async function pass(source: ReplaySource, configs: StudyConfiguration[], name: string, k: CoreConstants): Promise<StudyElement[]> {
  let results: WorkerResult[] | null = null;
  let failure: string | null = null;
  const onReply = (m: WorkerReply) => {
    if (m.type === "result") results = m.results;
    else if (m.type === "error") failure = m.message;
  };
  const send = inThreadWorker(await compileCore(), k, onReply);
  const check = () => { if (failure !== null) throw new Error(`study: ${failure}`); };
  send({ type: "begin", configs: workerConfigs(configs, {}, k) });
  check();
  // The records are a view into the engine's memory, valid during the call: the worker body copies them at once.
  const { pageSize, thp } = configs[0]!.hierarchy;
  const engine = await ReplayEngine.create({ huge: pageSize === 2097152 }, (records) => {
    send({ type: "chunk", records: records.slice().buffer, count: records.length / k.num.STUDY_RECORD_BYTES });
  }, thp ?? 0);
  const reader = (await openText(source)).getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    engine.push(r.value);
    check();
  }
  const decoded = engine.finish();
  check();
  send({ type: "end" });
  check();
  const byId = new Map((results ?? []).map((r: WorkerResult) => [r.id, r]));
  return configs.map((c, id) => element(name, c, decoded, byId.get(id)!, {}, k));
}

async function sweep(req: SweepRequest): Promise<void> {
  const start = performance.now();
  const configs = expandConfigurations(null, [parseSweep(`${req.param}=${req.values}`)]);
  const k = readConstants((await instantiateCore(new WebAssembly.Memory({ initial: 1, maximum: 65536 }))).raw);
  // The trace's file name, as `wasm-mmu study` names it in the output and the plot's legend.
  const name = req.source.kind === "file" ? req.source.file.name : new URL(req.source.url).pathname.split("/").pop()!;
  const out: (StudyElement | null)[] = configs.map(() => null);
  // One decode per page-size policy (4 KiB, 2 MiB, each THP threshold), as `study` does.
  const policy = (c: StudyConfiguration) => (c.hierarchy.thp === null ? `${c.hierarchy.pageSize === 4096 ? "4 KiB" : "2 MiB"} pages` : `thp:${c.hierarchy.thp}`);
  for (const p of new Set(configs.map(policy))) {
    const idx = configs.map((c, i) => (policy(c) === p ? i : -1)).filter((i) => i >= 0);
    scope.postMessage({ type: "progress", text: `${name}: decoding once, ${idx.length} configuration${idx.length > 1 ? "s" : ""} over the records (${p})…` });
    const els = await pass(req.source, idx.map((i) => configs[i]!), name, k);
    idx.forEach((i, j) => { out[i] = els[j]!; });
  }
  const elements = out as StudyElement[];
  scope.postMessage({ type: "progress", text: `${name}: drawing the plot…` });
  const svg = await renderSvg(sweepSpec(elements));
  scope.postMessage({ type: "done", elements, svg, elapsedMs: performance.now() - start, traceName: name });
}
