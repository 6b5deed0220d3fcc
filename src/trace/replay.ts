// replay(source, options): the Node API of trace replay — open, decompress, feed the
// engine chunk by chunk, report progress, resolve to the report (§8).
import { checkReplayOptions, REPLAY_CONFIG_KEYS, replayConfigOf, ReplayEngine, type ReplayConfig } from "./engine.js";
import { openTrace, type TraceSource } from "./source.js";
import type { ReplayReport } from "./report.js";

export interface ReplayProgress {
  /** Input bytes consumed (compressed bytes for a gzip file) and the total when known. */
  bytesRead: number;
  totalBytes: number | null;
  lines: number;
  records: number;
  elapsedMs: number;
}

export interface ReplayOptions extends ReplayConfig {
  /** Called after each chunk, at most every `progressIntervalMs` (default 100), and once at the end. */
  onProgress?: (p: ReplayProgress) => void;
  progressIntervalMs?: number;
}

const REPLAY_OPTION_KEYS = [...REPLAY_CONFIG_KEYS, "onProgress", "progressIntervalMs"];

/**
 * Replay a lackey trace; unknown option keys and bad values throw ConfigError naming them.
 * The trace is opened first, so reading and inflating start while the engine is built; a
 * bad option is still reported before a bad file.
 */
export async function replay(source: TraceSource, options: ReplayOptions = {}): Promise<ReplayReport> {
  checkReplayOptions(options, REPLAY_OPTION_KEYS);
  const opening = openTrace(source);
  opening.catch(() => {});                   // reported below, after the options' errors
  let engine: ReplayEngine;
  try {
    engine = await ReplayEngine.create(replayConfigOf(options));
  } catch (e) {
    await opening.then((t) => t.close(), () => {});
    throw e;
  }
  const trace = await opening;
  const onProgress = options.onProgress;
  // `performance` is loaded on first use (perf_hooks): only a replay that reports progress needs it.
  const start = onProgress ? performance.now() : 0;
  const interval = options.progressIntervalMs ?? 100;
  let lastProgress = start;
  const progress = () => {
    const p = engine.progress();
    onProgress!({ bytesRead: trace.bytesRead(), totalBytes: trace.totalBytes, lines: p.lines,
      records: p.records, elapsedMs: performance.now() - start });
  };
  for await (const chunk of trace.chunks) {
    engine.push(chunk);
    if (onProgress) {
      const now = performance.now();
      if (now - lastProgress >= interval) { lastProgress = now; progress(); }
    }
  }
  const report = engine.finish();
  if (onProgress) progress();
  return report;
}
