// The replay engine: feeds lackey text into the core's replay loop in whole lines,
// one boundary crossing per chunk, and turns the core's counters into the report.
// Platform-neutral (no Node imports): sources and decompression live in source.ts.
//
// The core only ever sees complete lines: the partial line at the end of each chunk is
// carried to the next, and the last line of the input gets its '\n' (a last line
// without one is still a line, §2). A line longer than the whole input buffer (1 MiB)
// cannot be carried; it is classified here instead and handed on as an equivalent
// short line (`#` for noise, a normalised record, ...) so counting and errors stay
// exact. Such lines never occur in real traces; the slow path only keeps the rules whole.
import { instantiateCore, type CoreExports } from "../core/wasm.js";
import { readConstants, type CoreConstants } from "../core/constants.js";
import { ConfigError, parseGeometry, DEFAULT_DTLB, DEFAULT_ITLB, DEFAULT_STLB, type TlbGeometry } from "../config.js";
import type { ReplayReport } from "./report.js";

export interface ReplayConfig {
  /** 2 MiB pages (3-level walk) instead of 4 KiB. */
  huge?: boolean;
  itlb?: TlbGeometry | string;
  dtlb?: TlbGeometry | string;
  stlb?: TlbGeometry | string;
  /** Receives the per-translation log (replay/README.md format), a block of lines at a time. */
  onLog?: (text: string) => void;
}

/** The keys of ReplayConfig: anything else is refused (a misspelt `stlbb` would silently be the default). */
export const REPLAY_CONFIG_KEYS = ["huge", "itlb", "dtlb", "stlb", "onLog"] as const;

/**
 * Check an options object of the replay API: an object (or undefined) with only `keys`,
 * each given value of its type. ConfigError naming the key and the value otherwise.
 * Geometry strings and objects are checked further by parseGeometry.
 */
export function checkReplayOptions(options: unknown, keys: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ConfigError(`replay options: ${shown(options)} is not an object`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (!keys.includes(key)) throw new ConfigError(`replay options: unknown key "${key}" (keys: ${keys.join(", ")})`);
    if (value === undefined) continue;
    const bad = (what: string) => new ConfigError(`${key}: ${shown(value)} is not ${what}`);
    if (key === "huge" && typeof value !== "boolean") throw bad("true or false");
    if ((key === "itlb" || key === "dtlb" || key === "stlb") && typeof value !== "string" && (value === null || typeof value !== "object")) {
      throw bad('ENTRIES/WAYS ("64/4") or {entries, ways}');
    }
    if (key.startsWith("on") && typeof value !== "function") throw bad("a function");
    if (key === "progressIntervalMs" && (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value))) {
      throw bad("a number of milliseconds >= 0");
    }
  }
}

const shown = (v: unknown) => (typeof v === "function" ? "a function" : typeof v === "bigint" ? `${v}n` : JSON.stringify(v) ?? String(v));

/** Only the engine's own keys of a wider options object (replay(), replayInBrowser()). */
export function replayConfigOf(o: ReplayConfig): ReplayConfig {
  return { huge: o.huge, itlb: o.itlb, dtlb: o.dtlb, stlb: o.stlb, onLog: o.onLog };
}

export type ReplayErrorKind = "malformed" | "invalid-size" | "invalid-address" | "out-of-memory";

/** Lines longer than this are shown shortened, ending in "…". */
const SHOWN_LINE = 60;

/** A line as an error shows it: at most SHOWN_LINE characters. */
function shortened(text: string): string {
  return text.length > SHOWN_LINE ? `${text.slice(0, SHOWN_LINE - 1)}…` : text;
}

/** A fatal input error (§2): the 1-based line and its text (shortened, without the '\n'), and no statistics. */
export class ReplayError extends Error {
  override name = "ReplayError";
  constructor(readonly kind: ReplayErrorKind, readonly line: number, message: string, readonly text: string) {
    super(`line ${line}: ${message}: ${JSON.stringify(text)}`);
  }
}

const NL = 0x0a;
/**
 * Initial RAM for page tables and frames; the core grows the memory (doubling it) as frames
 * are handed out. Small: a short replay allocates little (V8 counts the memory as external,
 * and more of it starts garbage collections).
 */
const INITIAL_RAM = 4 << 20;
const MAX_PAGES = 65536;
const MIB = 1 << 20;

export class ReplayEngine {
  readonly pageSize: number;
  readonly geometry: { itlb: TlbGeometry; dtlb: TlbGeometry; stlb: TlbGeometry };
  private input!: Uint8Array;
  private view!: DataView;
  private buffer: ArrayBuffer | SharedArrayBuffer | null = null;
  /** Bytes of an unfinished line at the start of the input buffer. */
  private pending = 0;
  /** A line too long for the buffer, being collected. */
  private giant: Uint8Array[] | null = null;
  private readonly capacity: number;
  private finished = false;

  private constructor(private readonly core: CoreExports, private readonly memory: WebAssembly.Memory,
                      private readonly k: CoreConstants, config: ReplayConfig,
                      private readonly onLog?: (text: string) => void,
                      private readonly onDecoded?: (records: Uint8Array) => void, thp = 0) {
    this.pageSize = config.huge ? 2 << 20 : 4096;
    const max = k.num.ARCH_MAX_ENTRIES;
    this.geometry = {
      itlb: parseGeometry(config.itlb ?? DEFAULT_ITLB, "itlb", max),
      dtlb: parseGeometry(config.dtlb ?? DEFAULT_DTLB, "dtlb", max),
      stlb: parseGeometry(config.stlb ?? DEFAULT_STLB, "stlb", max),
    };
    // When logging, each call's output must fit the log buffer (assembly/constants/layout.ts).
    this.capacity = thp > 0 ? k.num.REPLAY_LOG_INPUT_THP : onLog || onDecoded ? k.num.REPLAY_LOG_INPUT : k.num.REPLAY_IN_CAPACITY;
  }

  /**
   * A fresh engine (its own core instance and memory). Unknown keys and bad values throw ConfigError naming them.
   * `onDecoded` (TLB studies, src/study/): receives the translation records of each chunk
   * (STUDY_RECORD_BYTES each, a view into the core's memory, valid during the call only)
   * instead of a text log; with `thp` (1..512, 4 KiB pages) the decode follows the THP-like
   * page-size policy (assembly/replay.ts, translateThp): records may be REC_HUGE or REC_PROMOTE.
   */
  static async create(config: ReplayConfig = {}, onDecoded?: (records: Uint8Array) => void, thp = 0): Promise<ReplayEngine> {
    checkReplayOptions(config, REPLAY_CONFIG_KEYS);
    // One instance: the memory starts at a page (the static data) and grows to the RAM
    // base the instance reports, plus the initial RAM (no scratch instance for the layout).
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
    const { exports, raw } = await instantiateCore(memory);
    const k = readConstants(raw);
    if (onDecoded && config.onLog) throw new ConfigError("replay: a text log and decoded records cannot both be taken");
    if (thp !== 0 && (!onDecoded || config.huge || !Number.isInteger(thp) || thp < 1 || thp > k.num.THP_MAX_THRESHOLD)) {
      throw new ConfigError(`replay: THP threshold ${thp} needs decoded records, 4 KiB pages and 1..${k.num.THP_MAX_THRESHOLD}`);
    }
    const engine = new ReplayEngine(exports, memory, k, config, config.onLog, onDecoded, thp);
    const g = engine.geometry;
    // Levels wider than REPLAY_WIDE_WAYS run on study TLBs (O(1) lookups whatever the ways),
    // allocated first from the core's end; RAM then starts above them, 1 MiB aligned.
    exports.studyReset();
    const wide = (t: TlbGeometry) => {
      if (t.ways <= k.num.REPLAY_WIDE_WAYS) return 0;
      const d = exports.studyTlbCreate(t.entries, t.ways, k.num.POLICY_LRU, 1n, 1);
      if (d === 0) throw new Error(`replay: no memory for a ${t.entries}/${t.ways} TLB`);
      return d;
    };
    const wides = [wide(g.itlb), wide(g.dtlb), wide(g.stlb)] as const;
    const ramBase = Math.max(exports.defaultRamBase(), Math.ceil(exports.studyTop() / MIB) * MIB);
    const want = Math.ceil((ramBase + INITIAL_RAM) / 65536);
    if (want > memory.buffer.byteLength / 65536) memory.grow(want - memory.buffer.byteLength / 65536);
    // The architectural TLBs (the replay loop uses their arrays); the fast TLB unused, at its least size.
    exports.configure(ramBase, BigInt(memory.buffer.byteLength - ramBase), 40, k.num.QUIRKS_SDM, k.num.FEATURE_PAGES_1G,
      k.num.TLB_KIND_ARCH, 1, g.itlb.entries, g.itlb.ways, g.dtlb.entries, g.dtlb.ways, g.stlb.entries, g.stlb.ways);
    const rc = exports.replayConfigure(config.huge ? 21 : 12, g.itlb.entries, g.itlb.ways, g.dtlb.entries, g.dtlb.ways,
      g.stlb.entries, g.stlb.ways,
      onDecoded ? k.num.REPLAY_LOG_DECODE : config.onLog ? k.num.REPLAY_LOG_TEXT : k.num.REPLAY_LOG_NONE);
    if (rc !== k.num.REPLAY_OK) throw new Error(`replay: the core refused its configuration (status ${rc})`);
    exports.replayWide(...wides);
    if (thp !== 0 && exports.replayThp(thp) !== k.num.REPLAY_OK) throw new Error(`replay: the core refused THP threshold ${thp}`);
    return engine;
  }

  /** Views over the memory, rebuilt when the core has grown it (growing detaches them). */
  private views(): void {
    if (this.buffer === this.memory.buffer) return;
    this.buffer = this.memory.buffer;
    this.input = new Uint8Array(this.buffer, this.k.num.REPLAY_IN_OFFSET, this.k.num.REPLAY_IN_CAPACITY);
    this.view = new DataView(this.buffer);
  }

  private stat(field: number): number {
    return Number(this.view.getBigUint64(this.k.num.REPLAY_STATS_OFFSET + field * 8, true));
  }

  /** Feed the next bytes of the trace (any split: lines may straddle calls). */
  push(chunk: Uint8Array): void {
    if (this.finished) throw new Error("replay: push after finish");
    let at = 0;
    while (at < chunk.length) {
      this.views();
      if (this.giant) {
        const nl = chunk.indexOf(NL, at);
        if (nl < 0) { this.giant.push(chunk.slice(at)); return; }
        this.giant.push(chunk.slice(at, nl));
        at = nl + 1;
        this.flushGiant();
        continue;
      }
      const n = Math.min(chunk.length - at, this.capacity - this.pending);
      this.input.set(chunk.subarray(at, at + n), this.pending);
      at += n;
      const filled = this.pending + n;
      const last = this.input.lastIndexOf(NL, filled - 1);
      if (last < 0) {
        this.pending = filled;
        if (filled === this.capacity) {         // one line fills the buffer: collect it aside
          this.giant = [this.input.slice(0, filled)];
          this.pending = 0;
        }
        continue;
      }
      this.run(last + 1);
      this.views();
      this.input.copyWithin(0, last + 1, filled);
      this.pending = filled - (last + 1);
    }
  }

  /** End of input: the last line (if unterminated) is still a line. Returns the report (§8). */
  finish(): ReplayReport {
    if (this.finished) throw new Error("replay: finish called twice");
    this.views();
    if (this.giant) this.flushGiant();
    else if (this.pending > 0) {
      this.input[this.pending] = NL;
      this.run(this.pending + 1);
      this.pending = 0;
    }
    this.finished = true;
    return this.report();
  }

  /** Lines and records replayed so far. */
  progress(): { lines: number; records: number } {
    this.views();
    return { lines: this.stat(this.k.num.RS_LINES), records: this.stat(this.k.num.RS_RECORDS) };
  }

  /**
   * Replay the first `len` bytes of the input buffer: whole lines, ending in '\n'. The core
   * checks the length too (REPLAY_BAD_LENGTH); checked here first, it is this engine's bug.
   * `giant`: the original text of a line too long for the buffer, for the error message.
   */
  private run(len: number, giant?: string): void {
    if (!Number.isInteger(len) || len < 0 || len > this.capacity) {
      throw new Error(`replay: internal error: a chunk of ${len} bytes does not fit the ${this.capacity}-byte input`);
    }
    const rc = this.core.replayChunk(len);
    this.views();
    const n = this.k.num;
    if (rc === n.REPLAY_BAD_LENGTH || rc === n.REPLAY_BAD_CONFIG) {
      this.finished = true;
      throw new Error(`replay: internal error: the core refused a chunk of ${len} bytes (status ${rc})`);
    }
    if (this.onLog) this.drainLog();
    else if (this.onDecoded && rc === n.REPLAY_OK) {
      const count = this.stat(n.RS_LOG_COUNT);
      if (count > 0) this.onDecoded(new Uint8Array(this.buffer!, n.REPLAY_LOG_OFFSET, count * n.STUDY_RECORD_BYTES));
    }
    if (rc === n.REPLAY_OK) return;
    const line = this.stat(n.RS_ERROR_LINE);
    const text = shortened(giant ?? this.lineAt(this.stat(n.RS_ERROR_OFFSET), len));
    this.finished = true;
    if (rc === n.REPLAY_MALFORMED) throw new ReplayError("malformed", line, "malformed line (not blank, noise or a K H,D record)", text);
    if (rc === n.REPLAY_BAD_SIZE) throw new ReplayError("invalid-size", line, "invalid record: size must be 1..4096", text);
    if (rc === n.REPLAY_BAD_ADDRESS) throw new ReplayError("invalid-address", line, "invalid record: bytes must lie below 2^48", text);
    if (rc === n.REPLAY_OUT_OF_MEMORY) {
      throw new ReplayError("out-of-memory", line,
        `the trace touches more frames (${this.stat(n.RS_FRAMES)}) than the 4 GiB WebAssembly memory can back`, text);
    }
    // REPLAY_WALK_FAULT: only an embedder changing this engine's core under it could cause it.
    throw new Error(`replay: internal error at line ${line}: the core stopped with status ${rc}`);
  }

  /** The text of the line at `offset` of the chunk (latin1), enough of it to show it shortened. */
  private lineAt(offset: number, len: number): string {
    const end = Math.min(len, offset + SHOWN_LINE + 1);
    let text = "";
    for (let i = offset; i < end && this.input[i] !== NL; i++) text += String.fromCharCode(this.input[i]!);
    return text;
  }

  /** The log records of the last call, as text lines: `<line> <I|L|S> <va> <pa> <L1|STLB|WALK|FAULT>`. */
  private drainLog(): void {
    const n = this.k.num;
    const count = this.stat(n.RS_LOG_COUNT);
    if (count === 0) return;
    const names = ["L1", "STLB", "WALK", "FAULT"];
    const out: string[] = new Array(count);
    const v = this.view;
    for (let i = 0; i < count; i++) {
      const r = n.REPLAY_LOG_OFFSET + i * n.REPLAY_LOG_RECORD;
      out[i] = `${v.getBigUint64(r, true)} ${String.fromCharCode(v.getUint8(r + 24))} ` +
        `${v.getBigUint64(r + 8, true).toString(16)} ${v.getBigUint64(r + 16, true).toString(16)} ${names[v.getUint8(r + 25)]}`;
    }
    this.onLog!(out.join("\n") + "\n");
  }

  /** A line longer than the input buffer: classify it here, hand the core an equivalent short line. */
  private flushGiant(): void {
    const parts = this.giant!;
    this.giant = null;
    let text = "";
    for (const p of parts) for (let i = 0; i < p.length; i++) text += String.fromCharCode(p[i]!);
    const short = equivalentShortLine(text);
    for (let i = 0; i < short.length; i++) this.input[i] = short.charCodeAt(i);
    this.run(short.length, text);
    this.pending = 0;
  }

  /** The counters so far, shaped as the report (final only after `finish()`): for plots and progress. */
  snapshot(): ReplayReport {
    this.views();
    return this.report();
  }

  private report(): ReplayReport {
    const n = this.k.num;
    const s = (f: number) => this.stat(f);
    const hash = (f: number) => this.view.getBigUint64(n.REPLAY_STATS_OFFSET + f * 8, true).toString(16).padStart(16, "0");
    const g = this.geometry;
    return {
      page_size: this.pageSize,
      itlb_entries: g.itlb.entries, itlb_ways: g.itlb.ways, dtlb_entries: g.dtlb.entries, dtlb_ways: g.dtlb.ways,
      stlb_entries: g.stlb.entries, stlb_ways: g.stlb.ways,
      lines: s(n.RS_LINES), records: s(n.RS_RECORDS), records_i: s(n.RS_RECORDS_I), records_l: s(n.RS_RECORDS_L),
      records_s: s(n.RS_RECORDS_S), records_m: s(n.RS_RECORDS_M), translations: s(n.RS_TRANSLATIONS),
      itlb_hits: s(n.RS_ITLB_HITS), itlb_misses: s(n.RS_ITLB_MISSES), dtlb_hits: s(n.RS_DTLB_HITS),
      dtlb_misses: s(n.RS_DTLB_MISSES), stlb_hits: s(n.RS_STLB_HITS), stlb_misses: s(n.RS_STLB_MISSES),
      walks: s(n.RS_WALKS), page_faults: s(n.RS_PAGE_FAULTS), pages_touched: s(n.RS_PAGE_FAULTS),
      page_table_pages: s(n.RS_PAGE_TABLE_PAGES), phys_hash: hash(n.RS_PHYS_HASH), outcome_hash: hash(n.RS_OUTCOME_HASH),
    };
  }
}

/**
 * §2's classification of one line, for the rare line longer than the input buffer,
 * as a short line the core classifies the same way (with the same numbers).
 */
export function equivalentShortLine(line: string): string {
  if (/^[ \t\r]*$/.test(line)) return "\n";
  if (/^(==|--|\*\*|#)/.test(line)) return "#\n";
  const m = /^[ \t]*([ILSM])[ \t]+([0-9a-fA-F]{1,16}),([0-9]+)[ \t\r]*$/.exec(line);
  if (!m) return "!\n";                                   // malformed, reported at this line
  const size = BigInt(m[3]!);
  const digits = size > 99999n ? "99999" : size.toString();  // keeps "0" and "> 4096" invalid
  return `${m[1]} ${m[2]},${digits}\n`;
}
