// The study's worker thread: it runs its share of the configurations over the decoded
// translation records the main thread streams to it. The function below is the whole
// worker: it is started from its own source text (Function.prototype.toString, an `eval`
// worker), so it imports nothing and reads every core constant from workerData; it gets
// the compiled core (a WebAssembly.Module, shared, not recompiled) the same way.
//
// Messages in: begin {configs}, chunk {records: SharedArrayBuffer, count}, end.
// Messages out: ack (a chunk is done: the main thread's flow control), result, error.
import type { CoreConstants } from "../core/constants.js";

/** What the worker body uses of node:worker_threads (or of inThreadWorker's stand-in). */
export interface WorkerHost {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  parentPort: { on(event: "message", f: (m: any) => void): void; postMessage(m: unknown): void } | null;
  workerData: unknown;
}

/** The core constants the worker body reads (it imports nothing: they travel in workerData). */
export function workerConstants(k: CoreConstants): Record<string, number> {
  const names = ["SS_FIELDS", "CFG_STATS", "CFG_RECORDS_SEEN", "CFG_STOP_AT", "SS_OUTCOME_HASH", "STUDY_RECORD_BYTES", "POLICY_LRU", "STUDY_SCAN_WAYS"] as const;
  const consts: Record<string, number> = Object.fromEntries(names.map((n) => [n, k.num[n]]));
  consts.MAX_CHUNK_BYTES = k.num.REPLAY_LOG_CAPACITY * k.num.STUDY_RECORD_BYTES;
  return consts;
}

/** A message the worker body answers: begin, chunk (records in any ArrayBuffer), end. */
export type WorkerRequest =
  | { type: "begin"; configs: WorkerConfig[] }
  | { type: "chunk"; records: ArrayBufferLike; count: number }
  | { type: "end" };
export type WorkerReply = { type: "ack" } | { type: "result"; results: WorkerResult[] } | { type: "error"; message: string };

/**
 * The same worker body run in this thread, without worker_threads (the demo page runs
 * its sweep in one Web Worker): returns the function that hands it a message; its replies
 * go to `reply`, synchronously.
 */
export function inThreadWorker(module: WebAssembly.Module, k: CoreConstants, reply: (m: WorkerReply) => void): (m: WorkerRequest) => void {
  let handler: ((m: WorkerRequest) => void) | null = null;
  const port = { on: (_event: string, f: (m: WorkerRequest) => void) => { handler = f; }, postMessage: reply };
  studyWorkerMain({ parentPort: port, workerData: { module, k: workerConstants(k) } });
  return (m) => handler!(m);
}

/** Per configuration, as the main thread sends it. */
export interface WorkerConfig {
  id: number;
  /** [entries, ways, policy code, seed] for the iTLB, dTLB and STLB. */
  tlbs: [number, number, number, number][];
  /** The paging-structure caches (PML4E, PDPTE, PDE), each as a TLB or null. */
  walk: ([number, number, number, number] | null)[];
  huge: boolean;
  warmup: number;
  interval: number;
  /**
   * Configurations with the same key (not null) have identical L1 TLBs and nothing else that
   * reaches L1: they run as one group (studyRunShared, assembly/study/group.ts), L1 once for all.
   * null: the configuration runs on its own (studyRunMany).
   */
  l1: string | null;
  /** The levels form (src/study/levels.ts's WorkerLevel): tlbs is then unused. */
  levels?: { kinds: number; inclusion: number; tlb: number[]; tlb2m: number[] | null }[];
}

export interface WorkerResult {
  id: number;
  /** The statistics block (SS_* fields, then a levels-form configuration's LS_* fields) at the end, over the measured records. */
  stats: bigint[];
  /** Per interval: the record number it ends at, then the SS_* fields' growth over it (the hash excluded: 0n). */
  intervals: { end: number; stats: bigint[] }[];
}

/** The worker's body: self-contained JavaScript once compiled (no imports, no outer names). */
export function studyWorkerMain(wt: WorkerHost): void {
  const port = wt.parentPort!;
  const { module, k } = wt.workerData as { module: WebAssembly.Module; k: Record<string, number> };
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const x = new WebAssembly.Instance(module, { env: { memory } }).exports as any;
  const NEVER = 0xffffffffffffffffn;
  /** Records per slice: 64 KiB. */
  const SLICE = 4096;
  /** Configurations run side by side (studyRunMany): their hash chains overlap. */
  const GROUP = 4;
  interface State { id: number; c: number; levels: boolean; warmup: number; interval: number; warm: boolean; last: bigint[]; lastEnd: number; intervals: { end: number; stats: bigint[] }[] }
  let states: State[] = [];
  /** What runs together: a list of configuration blocks in memory, shared (one L1 for all) or side by side. */
  /** shared: studyRunShared; else studyLevelsRunMany (levels) or studyRunMany, side by side. */
  interface Batch { list: number; members: State[]; shared: boolean; levels: boolean; stacks: number }
  let batches: Batch[] = [];
  let input = 0;
  const view = () => new DataView(memory.buffer);
  const stats = (c: number): bigint[] => {
    const v = view(), out: bigint[] = [];
    for (let f = 0; f < k.SS_FIELDS!; f++) out.push(v.getBigUint64(c + k.CFG_STATS! + 8 * f, true));
    const at = x.studyLevelStats(c) as number, n = x.studyLevelStatsCount(c) as number;
    for (let f = 0; f < n; f++) out.push(v.getBigUint64(at + 8 * f, true));
    return out;
  };
  const seen = (c: number) => Number(view().getBigUint64(c + k.CFG_RECORDS_SEEN!, true));
  const setStop = (c: number, at: number) => view().setBigUint64(c + k.CFG_STOP_AT!, at === Infinity ? NEVER : BigInt(at), true);
  const delta = (a: bigint[], b: bigint[]) => a.map((v, f) => (f === k.SS_OUTCOME_HASH ? 0n : v - b[f]!));
  const cut = (s: State) => {
    const now = stats(s.c);
    s.intervals.push({ end: seen(s.c), stats: delta(now, s.last) });
    s.last = now;
    s.lastEnd = seen(s.c);
  };
  /** The run stopped at CFG_STOP_AT: the end of the warm-up or of an interval. */
  const boundary = (s: State) => {
    const n = seen(s.c);
    if (!s.warm) {
      s.warm = true;
      x.studyResetStats(s.c);
      s.last = stats(s.c);
      s.lastEnd = n;
    } else cut(s);
    setStop(s.c, s.interval > 0 ? n + s.interval : Infinity);
  };
  port.on("message", (m: { type: string; configs?: { id: number; tlbs: number[][]; walk: (number[] | null)[]; huge: boolean; warmup: number; interval: number; l1: string | null;
                                                      levels?: { kinds: number; inclusion: number; tlb: number[]; tlb2m: number[] | null }[] }[];
                           records?: ArrayBufferLike; count?: number }) => {
    try {
      if (m.type === "begin") {
        x.studyReset();
        states = m.configs!.map((cfg) => {
          const tlb = (a: number[]) => x.studyTlbCreate(a[0], a[1], a[2], BigInt(a[3]!), 0) as number;
          let c: number;
          if (cfg.levels) {
            c = x.studyLevelsCreate(cfg.levels.length) as number;
            if (c === 0) throw new Error("the study's TLBs do not fit the 4 GiB WebAssembly memory");
            cfg.levels.forEach((l, i) => {
              const a = tlb(l.tlb), a2 = l.tlb2m ? tlb(l.tlb2m) : 0;
              if (a === 0 || (l.tlb2m && a2 === 0) || !x.studyLevelSet(c, i, l.kinds, l.inclusion, a, a2)) {
                throw new Error("the study's TLBs do not fit the 4 GiB WebAssembly memory");
              }
            });
          } else {
            const t = cfg.tlbs.map(tlb);
            c = x.studyConfigCreate(t[0], t[1], t[2]) as number;
            if (c === 0) throw new Error("the study's TLBs do not fit the 4 GiB WebAssembly memory");
          }
          const w = cfg.walk.map((t) => (t === null ? 0 : x.studyTlbCreate(t[0], t[1], t[2], BigInt(t[3]!), 0) as number));
          if (cfg.walk.some((t, i) => t !== null && w[i] === 0)) throw new Error("the study's walk caches do not fit the 4 GiB WebAssembly memory");
          x.studyConfigWalk(c, w[0], w[1], w[2], cfg.huge ? 1 : 0);
          return { id: cfg.id, c, levels: cfg.levels !== undefined, warmup: cfg.warmup, interval: cfg.interval, warm: cfg.warmup === 0, last: [], lastEnd: 0, intervals: [] };
        });
        // Batches: each L1 key's configurations together; the rest GROUP at a time.
        const byKey = new Map<string, State[]>(), alone: State[] = [];
        m.configs!.forEach((cfg, j) => {
          if (cfg.l1 === null || cfg.levels) { alone.push(states[j]!); return; }
          const same = byKey.get(cfg.l1);
          if (same) same.push(states[j]!); else byKey.set(cfg.l1, [states[j]!]);
        });
        const plan: { members: State[]; shared: boolean }[] = [];
        for (const members of byKey.values()) {
          if (members.length > 1) plan.push({ members, shared: true }); else alone.push(members[0]!);
        }
        for (const form of [false, true]) {           // the fixed form, then the levels form, GROUP at a time
          const same = alone.filter((s) => s.levels === form);
          for (let g = 0; g < same.length; g += GROUP) plan.push({ members: same.slice(g, g + GROUP), shared: false });
        }
        // In a shared batch, LRU STLBs searched in place (up to STUDY_SCAN_WAYS ways) with the
        // same set count share one recency stack (group.ts): listed together, the first marked.
        const stlbOf = new Map(states.map((s, j) => [s, m.configs![j]!.tlbs[2]!] as const));
        const FIRST = 0x80000000, ZONES = 0x40000000;
        batches = plan.map(({ members, shared }) => {
          const rows: { s: State; stack: number; ways: number }[] = [];
          if (shared) {
            const bySets = new Map<number, State[]>(), full: State[] = [];
            for (const s of members) {
              const [e, w, p] = stlbOf.get(s)!;
              if (p === k.POLICY_LRU && w! > k.STUDY_SCAN_WAYS! && e === w) { full.push(s); continue; }
              if (p !== k.POLICY_LRU || w! > k.STUDY_SCAN_WAYS!) { rows.push({ s, stack: 0, ways: w! }); continue; }
              const same = bySets.get(e! / w!);
              if (same) same.push(s); else bySets.set(e! / w!, [s]);
            }
            // Fully associative LRU STLBs wider than a scan: one recency list with zones (lruZones.ts).
            if (full.length === 1) rows.push({ s: full[0]!, stack: 0, ways: stlbOf.get(full[0]!)![1]! });
            else if (full.length > 1) {
              const sizes = [...new Set(full.map((s) => stlbOf.get(s)![1]!))].sort((a, b) => a - b);
              const at = x.studyAlloc(4 * sizes.length) as number;
              if (at === 0) throw new Error("no memory for the study's LRU zones");
              sizes.forEach((w, i) => new DataView(memory.buffer).setUint32(at + 4 * i, w, true));
              const zones = x.studyZonesCreate(at, sizes.length) as number;
              if (zones === 0) throw new Error("no memory for the study's LRU zones");
              full.forEach((s, i) => rows.push({ s, stack: zones, ways: (sizes.indexOf(stlbOf.get(s)![1]!) + 1) | ZONES | (i === 0 ? FIRST : 0) }));
            }
            for (const [sets, list] of bySets) {
              if (list.length === 1) { rows.push({ s: list[0]!, stack: 0, ways: stlbOf.get(list[0]!)![1]! }); continue; }
              const stack = x.studyStackCreate(sets, Math.max(...list.map((s) => stlbOf.get(s)![1]!))) as number;
              if (stack === 0) throw new Error("no memory for the study's LRU stacks");
              list.forEach((s, i) => rows.push({ s, stack, ways: stlbOf.get(s)![1]! | (i === 0 ? FIRST : 0) }));
            }
          } else members.forEach((s) => rows.push({ s, stack: 0, ways: 0 }));
          const list = x.studyAlloc(4 * rows.length) as number;
          const stacks = shared ? x.studyAlloc(8 * rows.length) as number : 0;
          if (list === 0 || (shared && stacks === 0)) throw new Error("no memory for the study's configuration list");
          const v = new DataView(memory.buffer);
          rows.forEach((r, j) => {
            v.setUint32(list + 4 * j, r.s.c, true);
            if (shared) { v.setUint32(stacks + 8 * j, r.stack, true); v.setUint32(stacks + 8 * j + 4, r.ways >>> 0, true); }
          });
          return { list, members: rows.map((r) => r.s), shared, levels: members[0]!.levels, stacks };
        });
        input = x.studyAlloc(k.MAX_CHUNK_BYTES) as number;
        if (input === 0) throw new Error("no memory for the study's input");
        for (const s of states) {
          s.last = stats(s.c);
          setStop(s.c, s.warmup > 0 ? s.warmup : s.interval > 0 ? s.interval : Infinity);
        }
      } else if (m.type === "chunk") {
        const count = m.count!;
        new Uint8Array(memory.buffer, input, count * k.STUDY_RECORD_BYTES!).set(new Uint8Array(m.records!, 0, count * k.STUDY_RECORD_BYTES!));
        // Every configuration over a slice, then the next slice: the slice stays in the
        // cache while each configuration reads it (a whole chunk would not).
        for (let from = 0; from < count; from += SLICE) {
          const to = Math.min(count, from + SLICE);
          for (const b of batches) {
            let at = from;
            for (;;) {
              const recs = input + at * k.STUDY_RECORD_BYTES!;
              const left = to - at;
              at += (b.shared ? x.studyRunShared(b.list, b.stacks, b.members.length, recs, left)
                : b.levels ? x.studyLevelsRunMany(b.list, b.members.length, recs, left) : x.studyRunMany(b.list, b.members.length, recs, left)) as number;
              if (at >= to) break;
              for (const s of b.members) boundary(s);   // all stop at the same record
            }
          }
        }
        port.postMessage({ type: "ack" });
      } else if (m.type === "end") {
        const results = states.map((s) => {
          if (!s.warm) x.studyResetStats(s.c);      // the whole trace was warm-up: nothing measured
          if (s.interval > 0 && s.warm && seen(s.c) > s.lastEnd) cut(s);
          return { id: s.id, stats: stats(s.c), intervals: s.intervals };
        });
        port.postMessage({ type: "result", results });
      }
    } catch (e) {
      port.postMessage({ type: "error", message: e instanceof Error ? e.message : String(e) });
    }
  });
}
