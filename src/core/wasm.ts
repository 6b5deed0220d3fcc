// Instantiating the core: the module is compiled once (asynchronously: browsers refuse
// synchronous compilation of large modules on the main thread) and instantiated per
// machine over a memory sized once, so typed views over it are never detached.
import wasmBytes from "../../build/mmu.wasm";

/** The raw exports of the core (assembly/index.ts). u64 parameters take BigInt; hot paths take (lo, hi) halves. */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  staticDataEnd(): number;
  defaultRamBase(): number;
  configure(ramOffset: number, ramBytes: bigint, maxPhyAddr: number, quirks: number, features: number,
            tlbKind: number, fastEntries: number, itlbEntries: number, itlbWays: number,
            dtlbEntries: number, dtlbWays: number, stlbEntries: number, stlbWays: number): number;
  resetAllCounters(): void;
  syncCounters(): void;
  translate(lo: number, hi: number, acc: number): number;
  translateBatch(count: number, stopOnFault: number, start: number): number;
  walkOnce(lo: number, hi: number, acc: number, update: number): number;
  lastWalkPaLo(): number;
  lastWalkPaHi(): number;
  lastWalkAttributes(): number;
  writeCr3(value: bigint): number;
  writeControl(cr0: bigint, cr4: bigint, efer: bigint): number;
  loadState(cr0: bigint, cr3: bigint, cr4: bigint, efer: bigint): number;
  writePkru(value: number): void;
  writeAc(value: number): void;
  invlpg(va: bigint): void;
  invpcid(type: number, pcid: number, va: bigint): number;
  flushAll(): void;
  getCr0Lo(): number;
  getCr0Hi(): number;
  getCr3Lo(): number;
  getCr3Hi(): number;
  getCr4Lo(): number;
  getCr4Hi(): number;
  getEferLo(): number;
  getEferHi(): number;
  getPkru(): number;
  getAc(): number;
  getMode(): number;
  getRamOffset(): number;
  setRamBase(base: bigint): number;
  getRamBaseLo(): number;
  getRamBaseHi(): number;
  replayConfigure(pageShift: number, itlbE: number, itlbW: number, dtlbE: number, dtlbW: number,
                  stlbE: number, stlbW: number, log: number): number;
  replayChunk(len: number): number;
  replayWide(itlb: number, dtlb: number, stlb: number): number;
  replayThp(threshold: number): number;
  studyReset(): void;
  studyTop(): number;
  studyAlloc(bytes: number): number;
  studyTlbCreate(entries: number, ways: number, policy: number, seed: bigint, frames: number): number;
  studyConfigCreate(itlb: number, dtlb: number, stlb: number): number;
  studyResetStats(config: number): void;
  studyConfigWalk(config: number, pml4: number, pdpt: number, pde: number, huge: number): void;
  studyRun(config: number, records: number, count: number): number;
  studyRunMany(list: number, n: number, records: number, count: number): number;
  studyLevelsCreate(levels: number): number;
  studyLevelSet(config: number, level: number, kinds: number, inclusion: number, tlb: number, tlb2m: number): number;
  studyLevelStats(config: number): number;
  studyLevelStatsCount(config: number): number;
  studyLevelsRunMany(list: number, n: number, records: number, count: number): number;
  studyRunShared(list: number, stacks: number, n: number, records: number, count: number): number;
  studyStackCreate(sets: number, maxWays: number): number;
  studyZonesCreate(sizes: number, k: number): number;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled core, shared by every machine. */
export function compileCore(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(wasmBytes as Uint8Array<ArrayBuffer>);
  return compiled!;
}

export interface CoreInstance {
  readonly exports: CoreExports;
  readonly raw: WebAssembly.Exports;
  readonly memory: WebAssembly.Memory;
}

export async function instantiateCore(memory: WebAssembly.Memory): Promise<CoreInstance> {
  const module = await compileCore();
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const raw = instance.exports;
  return { exports: raw as unknown as CoreExports, raw, memory };
}
