// `wasm-mmu replay TRACE`: replay a valgrind lackey trace through the modelled TLBs and
// page table (shared/spec/trace-replay.md) and print its counters (§8) as JSON or a table.
// The log streams block by block to a temporary file beside --log, renamed onto it once
// the whole trace replayed; the statistics reach stdout only then: a failed replay
// prints none and leaves no log. A progress bar shows on a terminal.
import { closeSync, fchmodSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createRequire } from "node:module";
import type * as CliProgress from "cli-progress";
import { ConfigError, DEFAULT_DTLB, DEFAULT_ITLB, DEFAULT_STLB, type TlbGeometry } from "../config.js";
import { ReplayError } from "../trace/engine.js";
import { replay, type ReplayProgress } from "../trace/replay.js";
import { reportJson, reportTable, type ReplayReport } from "../trace/report.js";
import { TraceSourceError } from "../trace/source.js";
import { ChampSimError } from "../trace/champsim.js";
import { badInput, CliError, parseCommandArgs, usage } from "./errors.js";

const geo = (g: TlbGeometry) => `${g.entries}/${g.ways}`;

export const REPLAY_HELP = `Usage: wasm-mmu replay [options] TRACE

Replay a valgrind lackey memory trace (valgrind --tool=lackey --trace-mem=yes) through
the modelled MMU: an L1 iTLB and dTLB in front of a shared STLB, an x86-64 page table
filled by demand paging. Prints every counter of the model: records, translations, hits
and misses per TLB, walks, page faults, page-table pages and two FNV-1a hashes.

TRACE is a path, gzip-compressed or plain text (told apart by the gzip magic bytes, not
the name), or - for standard input.

Options:
  --huge              2 MiB pages (3-level walk) instead of 4 KiB pages
  --itlb E/W          L1 instruction TLB: E entries, W ways (default ${geo(DEFAULT_ITLB)})
  --dtlb E/W          L1 data TLB (default ${geo(DEFAULT_DTLB)})
  --stlb E/W          second-level TLB shared by both paths (default ${geo(DEFAULT_STLB)})
                      E must be a multiple of W; the set count E/W need not be a power of 2
  --log FILE          write the per-translation log to FILE, one line per translation:
                      <line> <I|L|S> <va hex> <pa hex> <L1|STLB|WALK|FAULT>
                      (written to a temporary file beside FILE and renamed onto it when
                      the replay succeeds: a failed replay leaves FILE as it was; a FIFO
                      or a device such as /dev/stdout is written directly)
  --format json|table json (default): every counter, one key per line; table: hit rates
                      and misses per 1,000 records, one line per TLB
  -q, --quiet         no progress bar (it only shows on a terminal, after 1 s)
  -h, --help          this help

Exit status: 0 replayed; 1 usage: an unknown option, a bad option value (a TLB geometry,
a format), a missing file, a corrupt gzip stream, an unwritable --log; 2 bad input data:
a malformed or invalid trace line, reported as "line N: ...: \"its text\"" (no statistics
are printed then, and no --log is left).

Examples:
  wasm-mmu replay --format table --stlb 512/8 trace.lackey.gz
  valgrind --tool=lackey --trace-mem=yes --log-fd=9 ls 9>&1 >/dev/null | wasm-mmu replay -
`;

const OPTIONS = {
  huge: { type: "boolean" }, itlb: { type: "string" }, dtlb: { type: "string" }, stlb: { type: "string" },
  log: { type: "string" }, format: { type: "string" }, quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;

const FORMATS = ["json", "table"] as const;
const TLBS = ["itlb", "dtlb", "stlb"] as const;
/** The progress bar appears only once a replay has run this long. */
const PROGRESS_AFTER_MS = 1000;

export async function replayCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(args, OPTIONS, true);
  if (o.help) { out(REPLAY_HELP.trimEnd()); return 0; }
  if (positionals.length === 0) throw usage("missing the trace to replay: a path, or - for standard input (see wasm-mmu replay --help)");
  if (positionals.length > 1) throw usage(`expected one trace, got ${positionals.length}: ${positionals.join(" ")}`);
  const trace = positionals[0]!;
  const format = o.format ?? "json";
  if (!(FORMATS as readonly string[]).includes(format)) throw usage(`--format: "${format}" is not one of ${FORMATS.join(", ")}`);

  const log = o.log !== undefined ? new LogFile(o.log) : null;
  const progress = process.stderr.isTTY && !o.quiet ? new ProgressBar(process.stderr) : null;
  let report: ReplayReport;
  try {
    report = await replay(trace, {
      huge: o.huge ?? false, itlb: o.itlb, dtlb: o.dtlb, stlb: o.stlb,
      onLog: log ? (text) => log.write(text) : undefined,
      onProgress: progress ? (p) => progress.update(p) : undefined,
    });
  } catch (e) {
    progress?.stop();
    log?.discard();
    throw cliError(e, o);
  }
  progress?.stop();
  log?.commit();
  out(format === "table" ? reportTable(report).trimEnd() : reportJson(report).trimEnd());
  return 0;
}

/** The CLI's view of a replay failure: a bad line exits 2; geometry, file and gzip errors are usage/I-O errors (1). */
function cliError(e: unknown, o: Partial<Record<(typeof TLBS)[number], string>>): unknown {
  if (e instanceof CliError) return e;
  if (e instanceof ReplayError) return badInput(e.message);     // "line N: ..."
  if (e instanceof ChampSimError) return badInput(e.message);   // "instruction N: ..."
  if (e instanceof TraceSourceError) return usage(e.message);
  if (e instanceof ConfigError) {
    // parseGeometry names the TLB ("itlb: entries 64 is not a multiple of ways 5"); name the option and its value too.
    const m = /^(itlb|dtlb|stlb): ([\s\S]*)$/.exec(e.message);
    if (!m) return usage(e.message);
    const option = m[1] as (typeof TLBS)[number];
    const value = o[option] ?? "";
    return usage(m[2]!.includes(`"${value}"`) ? `--${option} ${m[2]}` : `--${option} ${value}: ${m[2]}`);
  }
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === "string") return usage(e.message);
  return e;
}

/**
 * The --log file, written block by block as the engine hands them over. Synchronous writes:
 * `onLog` is called from inside the replay loop and cannot wait, so a write stream would
 * buffer without bound whenever the file (a slow disk, a pipe) is slower than the replay.
 * A regular file (or a new one) is written as a temporary file in its directory, renamed
 * onto it by `commit` (atomic: readers see the old log or the whole new one) and removed by
 * `discard` or an interrupt. A FIFO or device has nothing to leave half-written and cannot
 * be renamed onto: it is written directly. Nothing is opened before the first block, so a
 * usage error (bad geometry, missing trace) touches nothing.
 */
class LogFile {
  private fd: number | null = null;
  /** The file written, when it is a temporary one; and the file it becomes. */
  private temp: string | null = null;
  private target: string;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.discard();
    process.kill(process.pid, signal);          // the default action, now the handler is gone
  };

  constructor(readonly path: string) { this.target = path; }

  write(text: string): void {
    if (this.fd === null) this.open();
    const bytes = Buffer.from(text, "latin1");          // the log is ASCII
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(this.fd!, bytes, at);
    } catch (e) {
      throw usage(`--log ${this.path}: ${(e as Error).message}`);
    }
  }

  /** The replay succeeded: close and put the log in place (an empty one if nothing was logged). */
  commit(): void {
    if (this.fd === null) this.open();
    const fd = this.fd!;
    this.fd = null;
    try {
      closeSync(fd);
      if (this.temp !== null) renameSync(this.temp, this.target);
    } catch (e) {
      this.discard();
      throw usage(`--log ${this.path}: ${(e as Error).message}`);
    }
    this.temp = null;
    this.unwatch();
  }

  /** The replay failed: close and remove the temporary file; FILE keeps what it had. */
  discard(): void {
    if (this.fd !== null) { try { closeSync(this.fd); } catch { /* already failing */ } this.fd = null; }
    if (this.temp !== null) { try { unlinkSync(this.temp); } catch { /* gone already */ } this.temp = null; }
    this.unwatch();
  }

  private open(): void {
    try {
      let mode: number | null = null;
      try {
        const st = statSync(this.path);
        if (!st.isFile()) { this.fd = openSync(this.path, "w"); return; }
        this.target = realpathSync(this.path);       // through a symlink: replace the file, keep the link
        mode = st.mode & 0o7777;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
      this.temp = join(dirname(this.target), `.${basename(this.target)}.${process.pid}.tmp`);
      this.fd = openSync(this.temp, "w");
      if (mode !== null) fchmodSync(this.fd, mode);
      process.once("SIGINT", this.onSignal);
      process.once("SIGTERM", this.onSignal);
    } catch (e) {
      this.discard();
      // Node ends the message with the syscall and the temporary file's name: not the user's.
      throw usage(`--log ${this.path}: cannot write it: ${(e as Error).message.replace(/, \w+ '.*'$/, "")}`);
    }
  }

  private unwatch(): void {
    process.removeListener("SIGINT", this.onSignal);
    process.removeListener("SIGTERM", this.onSignal);
  }
}

/** cli-progress, loaded on first use: only replays that run past 1 s on a terminal need it. */
function loadCliProgress(): typeof CliProgress {
  // A runtime require (not a bundled import): esbuild's ESM bundle cannot bundle this
  // CommonJS package's own require("readline") / require("events"). It is a dependency.
  return createRequire(import.meta.url)("cli-progress") as typeof CliProgress;
}

const MIB = 1 << 20;
const bytesText = (n: number) =>
  n >= MIB ? `${(n / MIB).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`;
const rateText = (perSecond: number) =>
  perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M` : perSecond >= 1e3 ? `${(perSecond / 1e3).toFixed(1)} k` : perSecond.toFixed(0);
const secondsText = (ms: number) => `${Math.round(ms / 1000)}s`;
const SPINNER = "|/-\\";

/**
 * The progress line on stderr: created on the first report after 1 s, so short replays
 * print nothing. Bytes read of the total when the size is known (a percentage bar; for a
 * gzip file these are compressed bytes), otherwise the bytes read so far; always records/s.
 */
class ProgressBar {
  private bar: CliProgress.SingleBar | null = null;
  private ticks = 0;
  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(p: ReplayProgress): void {
    if (this.bar === null) {
      if (p.elapsedMs <= PROGRESS_AFTER_MS) return;
      const { SingleBar } = loadCliProgress();
      const known = p.totalBytes !== null && p.totalBytes > 0;
      this.bar = new SingleBar({
        stream: this.stream, fps: 10, barsize: 30, clearOnComplete: true, hideCursor: false,
        barCompleteChar: "\u2588", barIncompleteChar: "\u2591",
        format: known
          ? "replay {bar} {percentage}% | {read} of {size} | {rate} records/s | {elapsed}{remaining}"
          : "replay {spin} {read} read | {records} records | {rate} records/s | {elapsed}",
      });
      this.bar.start(known ? p.totalBytes! : 1, known ? p.bytesRead : 0, this.payload(p));
      return;
    }
    this.bar.update(p.totalBytes ? Math.min(p.bytesRead, p.totalBytes) : 0, this.payload(p));
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }

  /** Our tokens; cli-progress's own ({eta}, {value}, {duration}, ...) would override same-named ones. */
  private payload(p: ReplayProgress): Record<string, string> {
    const seconds = p.elapsedMs / 1000;
    const done = p.totalBytes ? p.bytesRead / p.totalBytes : 0;
    const remaining = done > 0 && done < 1 ? `, ETA ${secondsText((p.elapsedMs * (1 - done)) / done)}` : "";
    return {
      read: bytesText(p.bytesRead), size: p.totalBytes ? bytesText(p.totalBytes) : "",
      records: p.records.toLocaleString("en-US"), rate: rateText(seconds > 0 ? p.records / seconds : 0),
      elapsed: secondsText(p.elapsedMs), remaining, spin: SPINNER[this.ticks++ % SPINNER.length]!,
    };
  }
}
