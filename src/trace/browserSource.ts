// Trace sources for browsers and workers: a Uint8Array, a Blob/File, or a ReadableStream
// of bytes. Gzip is recognised by its magic bytes and inflated with the platform's
// DecompressionStream (no Node built-ins here).
import { checkReplayOptions, REPLAY_CONFIG_KEYS, replayConfigOf, ReplayEngine, type ReplayConfig } from "./engine.js";
import type { ReplayReport } from "./report.js";

export type BrowserTraceSource = Uint8Array | Blob | ReadableStream<Uint8Array>;

export interface BrowserReplayOptions extends ReplayConfig {
  /** After each chunk: input bytes consumed (compressed, if gzip), total when known, records so far. */
  onProgress?: (p: { bytesRead: number; totalBytes: number | null; records: number; lines: number }) => void;
  /** After each chunk too: the report so far is not final, but counters such as misses can be plotted. */
  onChunk?: (engine: ReplayEngine) => void;
}

const BROWSER_OPTION_KEYS = [...REPLAY_CONFIG_KEYS, "onProgress", "onChunk"];

/** Replay a lackey trace in a page or a worker; resolves to the report (trace-replay.md §8). Options checked as replay()'s. */
export async function replayInBrowser(source: BrowserTraceSource, options: BrowserReplayOptions = {}): Promise<ReplayReport> {
  checkReplayOptions(options, BROWSER_OPTION_KEYS);
  const engine = await ReplayEngine.create(replayConfigOf(options));
  let total: number | null = null;
  let raw: ReadableStream<Uint8Array>;
  if (source instanceof Uint8Array) { total = source.length; raw = new Blob([source as Uint8Array<ArrayBuffer>]).stream(); }
  else if (typeof Blob !== "undefined" && source instanceof Blob) { total = source.size; raw = source.stream(); }
  else raw = source as ReadableStream<Uint8Array>;
  let read = 0;
  const counting = raw.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) { read += chunk.length; ctl.enqueue(chunk); },
  }));
  const [probe, body] = counting.tee();
  const reader = probe.getReader();
  const first = await reader.read();
  void reader.cancel();
  const gzip = !first.done && first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
  const text = gzip ? body.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>) : body;
  const it = text.getReader();
  for (;;) {
    const { done, value } = await it.read();
    if (done) break;
    engine.push(value);
    options.onChunk?.(engine);
    if (options.onProgress) { const p = engine.progress(); options.onProgress({ bytesRead: read, totalBytes: total, ...p }); }
  }
  return engine.finish();
}
