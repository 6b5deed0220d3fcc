// wasm-mmu: the public API for Node (and, through the same modules, the browser bundle).
export { Machine, MachineFault, splitVa, toBigVa } from "./machine.js";
export type {
  AccessKind, ControlFlags, ControlRegisters, Fault, MachineOptions, Translation, VirtualAddress, WalkStep, WalkTrace,
} from "./machine.js";
export { PageTableBuilder, PAGE_4K, PAGE_2M, PAGE_4M, PAGE_1G } from "./pageTable.js";
export type { MapFlags, PageSize } from "./pageTable.js";
export { ConfigError, parseGeometry } from "./config.js";
export type { PagingMode, Quirks, TlbKind, TlbOptions, TlbGeometry } from "./config.js";
export { Batch } from "./batch.js";
export type { PerCallTranslator } from "./perCall.js";
export type { TlbStats, LevelStats, TotalStats } from "./tlbStats.js";
export { describeErrorCode, describeEntry, decodeErrorCode } from "./x86/decode.js";
export type { FaultKind, PfErrorBits } from "./x86/decode.js";
export { runX86Conformance, parseVectors, X86ConformanceRunner } from "./conformance/x86.js";
export type { ConformanceSummary, VectorOutcome, X86Vector } from "./conformance/x86.js";
export { replay } from "./trace/replay.js";
export type { ReplayOptions, ReplayProgress } from "./trace/replay.js";
export { ReplayEngine, ReplayError, equivalentShortLine } from "./trace/engine.js";
export type { ReplayConfig, ReplayErrorKind } from "./trace/engine.js";
export { openTrace, TraceSourceError } from "./trace/source.js";
export { replayInBrowser } from "./trace/browserSource.js";
export type { TraceSource, OpenedTrace } from "./trace/source.js";
export { reportJson, reportTable, REPORT_KEYS } from "./trace/report.js";
export type { ReplayReport } from "./trace/report.js";
export { Kernel } from "./kernel/kernel.js";
export type { KernelOptions, Access } from "./kernel/kernel.js";
export { Process } from "./kernel/process.js";
export type { MappedFile } from "./kernel/process.js";
export type { ProcessImage, ImageSegment } from "./kernel/spawn.js";
export * from "./kernel/constants.js";
export type { Vma, VmaFile, MmLayout } from "./kernel/vma.js";
