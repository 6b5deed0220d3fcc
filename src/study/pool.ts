// The worker threads of a study: each runs its share of the configurations (dealt by
// estimated cost) over the same decoded records, streamed chunk by chunk as the main thread
// decodes the trace. A chunk is a SharedArrayBuffer: sent to every worker, copied once.
// Flow control: at most AHEAD chunks unacknowledged per worker, so a slow configuration
// holds the decode back instead of letting decoded records pile up in memory. AHEAD is
// generous (32 chunks, ~7 MB): with only a few chunks in flight, on a busy machine every
// hand-off waited for a thread to be scheduled and the study ran at the pace of those waits.
import { Worker } from "node:worker_threads";
import { compileCore } from "../core/wasm.js";
import type { CoreConstants } from "../core/constants.js";
import { studyWorkerMain, workerConstants, type WorkerConfig, type WorkerResult } from "./worker.js";

const AHEAD = 32;

/**
 * A configuration's relative cost, measured on bench/study's sweep: an STLB searched in
 * its set costs about 1, one wider than 16 ways (a hash of tags and linked lists, more
 * cache misses) about 1.6, and 8192 entries or more (tables beyond the L2 cache) about 2.
 * Configurations sharing an LRU stack: 1, and 0.5 for each more (counters and hashes).
 */
function cost(c: WorkerConfig): number {
  const [entries, ways] = c.tlbs[2]!;
  return entries! >= 8192 ? 2 : ways! > 16 ? 1.6 : 1;
}

interface Slot { worker: Worker; pending: number; wake: (() => void) | null; failure: Error | null;
  result: ((r: WorkerResult[]) => void) | null }

export class StudyPool {
  private constructor(private readonly slots: Slot[], private readonly lru: number, private readonly scanWays: number) {}

  /** `jobs` workers, each with its own instance of the compiled core. */
  static async create(jobs: number, k: CoreConstants): Promise<StudyPool> {
    const module = await compileCore();
    const consts = workerConstants(k);
    const source = `(${studyWorkerMain.toString()})(require("node:worker_threads"))`;
    const slots: Slot[] = [];
    for (let i = 0; i < jobs; i++) {
      const worker = new Worker(source, { eval: true, workerData: { module, k: consts } });
      const slot: Slot = { worker, pending: 0, wake: null, failure: null, result: null };
      worker.on("message", (m: { type: string; results?: WorkerResult[]; message?: string }) => {
        if (m.type === "ack") slot.pending--;
        else if (m.type === "result") { const r = slot.result; slot.result = null; r?.(m.results!); }
        else if (m.type === "error") slot.failure = new Error(`study worker: ${m.message}`);
        slot.wake?.();
      });
      worker.on("error", (e) => { slot.failure = e; slot.wake?.(); });
      worker.on("exit", (code) => { if (code !== 0) slot.failure ??= new Error(`study worker exited with code ${code}`); slot.wake?.(); });
      slots.push(slot);
    }
    return new StudyPool(slots, k.num.POLICY_LRU, k.num.STUDY_SCAN_WAYS);
  }

  get size(): number { return this.slots.length; }

  private wait(slot: Slot): Promise<void> {
    return new Promise((r) => { slot.wake = () => { slot.wake = null; r(); }; });
  }

  private check(slot: Slot): void { if (slot.failure) throw slot.failure; }

  /**
   * Start a pass: configurations dealt over the workers by their estimated cost, the
   * costliest first, each to the least loaded worker (one with none sits it out). The
   * pass lasts as long as its slowest worker.
   */
  begin(configs: WorkerConfig[]): void {
    // Configurations that can share an LRU stack or zones (worker.ts) go to one worker together.
    const units = new Map<string, WorkerConfig[]>();
    configs.forEach((c, j) => {
      const [entries, ways, policy] = c.tlbs[2]!;
      const key = c.l1 === null || policy !== this.lru ? `#${j}` : ways! <= this.scanWays ? `${c.l1}|${entries! / ways!}`
        : entries === ways ? `${c.l1}|full` : `#${j}`;
      const unit = units.get(key);
      if (unit) unit.push(c); else units.set(key, [c]);
    });
    const load = this.slots.map(() => 0), share: WorkerConfig[][] = this.slots.map(() => []);
    const order = [...units.values()].map((u, j) => ({ u, j, cost: u.length === 1 ? cost(u[0]!) : 1 + 0.5 * (u.length - 1) }))
      .sort((a, b) => b.cost - a.cost || a.j - b.j);
    for (const { u, cost } of order) {
      const w = load.indexOf(Math.min(...load));
      load[w]! += cost;
      share[w]!.push(...u);
    }
    this.slots.forEach((slot, i) => {
      this.check(slot);
      slot.worker.postMessage({ type: "begin", configs: share[i]!.sort((a, b) => a.id - b.id) });
    });
  }

  /** Hand a chunk of `count` records to every worker; waits while one is AHEAD chunks behind. */
  async feed(records: SharedArrayBuffer, count: number): Promise<void> {
    for (const slot of this.slots) {
      while (slot.pending >= AHEAD) { this.check(slot); await this.wait(slot); }
      this.check(slot);
      slot.pending++;
      slot.worker.postMessage({ type: "chunk", records, count });
    }
  }

  /** End the pass: every configuration's statistics, in no particular order. */
  async end(): Promise<WorkerResult[]> {
    const all = await Promise.all(this.slots.map(async (slot) => {
      this.check(slot);
      const got = new Promise<WorkerResult[]>((r) => { slot.result = r; });
      slot.worker.postMessage({ type: "end" });
      for (;;) {
        const done = await Promise.race([got.then((r) => ({ r })), this.wait(slot).then(() => null)]);
        if (done) return done.r;
        this.check(slot);
      }
    }));
    return all.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

