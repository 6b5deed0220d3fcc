// The study's worker thread: it runs its share of the configurations over the decoded
// translation records the main thread streams to it. The function below is the whole
// worker: it is started from its own source text (Function.prototype.toString, an `eval`
// worker), so it imports nothing and reads every core constant from workerData; it gets
// the compiled core (a WebAssembly.Module, shared, not recompiled) the same way.
//
// Messages in: begin {configs}, chunk {records: SharedArrayBuffer, count}, end.
// Messages out: ack (a chunk is done: the main thread's flow control), result, error.
import type * as WorkerThreads from "node:worker_threads";

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
export function studyWorkerMain(wt: typeof WorkerThreads): void {
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
  let list = 0;
  /** Runs of at most GROUP configurations of one form (the fixed loop or the levels loop). */
  let groups: { at: number; n: number; levels: boolean }[] = [];
  interface State { id: number; c: number; levels: boolean; warmup: number; interval: number; warm: boolean; last: bigint[]; lastEnd: number; intervals: { end: number; stats: bigint[] }[] }
  let states: State[] = [];
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
  port.on("message", (m: { type: string; configs?: { id: number; tlbs: number[][]; walk: (number[] | null)[]; huge: boolean; warmup: number; interval: number;
                                                      levels?: { kinds: number; inclusion: number; tlb: number[]; tlb2m: number[] | null }[] }[];
                           records?: SharedArrayBuffer; count?: number }) => {
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
        list = x.studyAlloc(4 * Math.max(1, states.length)) as number;
        if (list === 0) throw new Error("no memory for the study's configuration list");
        states.forEach((s, j) => new DataView(memory.buffer).setUint32(list + 4 * j, s.c, true));
        groups = [];
        states.forEach((s, j) => {
          const g = groups[groups.length - 1];
          if (g && g.levels === s.levels && g.n < GROUP) g.n++;
          else groups.push({ at: j, n: 1, levels: s.levels });
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
          for (const { at: g, n, levels } of groups) {
            const run = levels ? x.studyLevelsRunMany : x.studyRunMany;
            let at = from;
            for (;;) {
              at += run(list + 4 * g, n, input + at * k.STUDY_RECORD_BYTES!, to - at) as number;
              if (at >= to) break;
              for (let j = g; j < g + n; j++) boundary(states[j]!);   // all stop at the same record
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
