// The worker threads of a study: each runs its share of the configurations (dealt round
// robin) over the same decoded records, streamed chunk by chunk as the main thread
// decodes the trace. A chunk is a SharedArrayBuffer: sent to every worker, copied once.
// Flow control: at most AHEAD chunks unacknowledged per worker, so a slow configuration
// holds the decode back instead of letting decoded records pile up in memory.
import { Worker } from "node:worker_threads";
import { compileCore } from "../core/wasm.js";
import type { CoreConstants } from "../core/constants.js";
import { studyWorkerMain, type WorkerConfig, type WorkerResult } from "./worker.js";

const AHEAD = 4;

interface Slot { worker: Worker; pending: number; wake: (() => void) | null; failure: Error | null;
  result: ((r: WorkerResult[]) => void) | null }

export class StudyPool {
  private constructor(private readonly slots: Slot[]) {}

  /** `jobs` workers, each with its own instance of the compiled core. */
  static async create(jobs: number, k: CoreConstants): Promise<StudyPool> {
    const module = await compileCore();
    const names = ["SS_FIELDS", "CFG_STATS", "CFG_RECORDS_SEEN", "CFG_STOP_AT", "SS_OUTCOME_HASH", "STUDY_RECORD_BYTES"] as const;
    const consts: Record<string, number> = Object.fromEntries(names.map((n) => [n, k.num[n]]));
    consts.MAX_CHUNK_BYTES = k.num.REPLAY_LOG_CAPACITY * k.num.STUDY_RECORD_BYTES;
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
    return new StudyPool(slots);
  }

  get size(): number { return this.slots.length; }

  private wait(slot: Slot): Promise<void> {
    return new Promise((r) => { slot.wake = () => { slot.wake = null; r(); }; });
  }

  private check(slot: Slot): void { if (slot.failure) throw slot.failure; }

  /** Start a pass: configurations dealt round robin over the workers (one with none sits it out). */
  begin(configs: WorkerConfig[]): void {
    this.slots.forEach((slot, i) => {
      this.check(slot);
      slot.worker.postMessage({ type: "begin", configs: configs.filter((_, j) => j % this.slots.length === i) });
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

