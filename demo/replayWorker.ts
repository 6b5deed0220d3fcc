// The demo's trace replay, off the main thread: read the trace (a File chosen by the
// user, or the bundled sample fetched from the server), inflate it with
// DecompressionStream when it starts with the gzip magic (1f 8b), push it into a
// ReplayEngine in fixed slices, and post progress, the counters after each slice (the
// page plots misses per slice) and finally the report.
import { ReplayEngine, ReplayError } from "../src/trace/engine.js";
import type { ReplayReport } from "../src/trace/report.js";

export type ReplaySource = { kind: "url"; url: string; name?: string } | { kind: "file"; file: File };

/** Counters after one slice (cumulative). */
export interface ReplaySample {
  records: number; lines: number;
  itlbMisses: number; dtlbMisses: number; stlbMisses: number; walks: number; pageFaults: number;
}

export type WorkerRequest = { type: "start"; source: ReplaySource; sliceBytes?: number };
export type WorkerMessage =
  | { type: "started"; name: string; totalBytes: number | null; gzip: boolean }
  | { type: "progress"; bytesRead: number; totalBytes: number | null; lines: number; records: number; elapsedMs: number; samples: ReplaySample[] }
  | { type: "done"; report: ReplayReport; elapsedMs: number; samples: ReplaySample[]; inflatedBytes: number }
  | { type: "error"; message: string };

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** Engine pushes of 32 KiB: one plot point each (~190 for the bundled sample). */
const DEFAULT_SLICE = 32 * 1024;
const PROGRESS_EVERY_MS = 50;

scope.onmessage = (e) => {
  if (e.data.type === "start") {
    run(e.data.source, e.data.sliceBytes ?? DEFAULT_SLICE).catch((err: unknown) => {
      const message = err instanceof ReplayError ? `bad trace: ${err.message}`
        : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      scope.postMessage({ type: "error", message });
    });
  }
};

/** Read a whole stream through a reader, yielding its chunks. */
async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function run(source: ReplaySource, slice: number): Promise<void> {
  const start = performance.now();
  let input: ReadableStream<Uint8Array>;
  let totalBytes: number | null;
  let name: string;
  if (source.kind === "url") {
    const res = await fetch(source.url);
    if (!res.ok || !res.body) throw new Error(`cannot fetch ${source.url}: HTTP ${res.status}`);
    const len = Number(res.headers.get("content-length"));
    totalBytes = Number.isFinite(len) && len > 0 ? len : null;
    input = res.body;
    name = source.name ?? source.url;
  } else {
    input = source.file.stream() as ReadableStream<Uint8Array>;
    totalBytes = source.file.size;
    name = source.file.name;
  }

  // Count the bytes as stored (compressed, for a gzip file): that is what the progress bar measures.
  let bytesRead = 0;
  const counted = input.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) { bytesRead += chunk.byteLength; ctl.enqueue(chunk); },
  }));

  // Peek at the first two bytes for the gzip magic, then hand every byte on.
  const reader = counted.getReader();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < 2) {
    const r = await reader.read();
    if (r.done) { ended = true; break; }
    head.push(r.value);
    headBytes += r.value.byteLength;
  }
  const first = concat(head);
  const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  const raw = new ReadableStream<Uint8Array>({
    start(ctl) {
      if (first.length) ctl.enqueue(first);
      if (ended) ctl.close();
    },
    async pull(ctl) {
      const r = await reader.read();
      if (r.done) ctl.close(); else ctl.enqueue(r.value);
    },
    cancel(reason) { return reader.cancel(reason); },
  });
  const text = gzip ? raw.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>) : raw;
  scope.postMessage({ type: "started", name, totalBytes, gzip });

  const engine = await ReplayEngine.create();
  // The TLB counters mid-run, for the misses-over-time plot:
  // engine.snapshot() reads them without ending the replay.
  const counters = () => engine.snapshot();
  const samples: ReplaySample[] = [];
  let unsent: ReplaySample[] = [];
  let lastPost = performance.now();
  let inflated = 0;
  const sample = () => {
    const r = counters();
    const s: ReplaySample = { records: r.records, lines: r.lines, itlbMisses: r.itlb_misses, dtlbMisses: r.dtlb_misses,
      stlbMisses: r.stlb_misses, walks: r.walks, pageFaults: r.page_faults };
    samples.push(s);
    unsent.push(s);
  };
  const post = (force: boolean) => {
    const now = performance.now();
    if (!force && now - lastPost < PROGRESS_EVERY_MS) return;
    lastPost = now;
    const p = engine.progress();
    scope.postMessage({ type: "progress", bytesRead, totalBytes, lines: p.lines, records: p.records,
      elapsedMs: now - start, samples: unsent });
    unsent = [];
  };

  // Re-slice the inflated stream into fixed pushes so each plot point covers the same bytes.
  const buf = new Uint8Array(slice);
  let fill = 0;
  for await (const chunk of chunksOf(text)) {
    inflated += chunk.byteLength;
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(slice - fill, chunk.length - at);
      buf.set(chunk.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === slice) {
        engine.push(buf);
        fill = 0;
        sample();
        post(false);
      }
    }
  }
  if (fill > 0) engine.push(buf.subarray(0, fill));
  const report = engine.finish();
  const last = samples.at(-1);
  if (!last || last.lines !== report.lines) {
    const s: ReplaySample = { records: report.records, lines: report.lines, itlbMisses: report.itlb_misses,
      dtlbMisses: report.dtlb_misses, stlbMisses: report.stlb_misses, walks: report.walks, pageFaults: report.page_faults };
    samples.push(s);
    unsent.push(s);
  }
  post(true);
  scope.postMessage({ type: "done", report, elapsedMs: performance.now() - start, samples, inflatedBytes: inflated });
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
}
