// wasm-mmu for Node: everything the browser entry has (src/browser.ts), plus what needs
// Node: trace replay from paths and streams (node:fs, node:zlib) and the QEMU
// conformance runner.
export * from "./browser.js";
export { replay } from "./trace/replay.js";
export type { ReplayOptions, ReplayProgress } from "./trace/replay.js";
export { equivalentShortLine } from "./trace/engine.js";
export type { ReplayErrorKind } from "./trace/engine.js";
export { openTrace, TraceSourceError } from "./trace/source.js";
export type { TraceSource, OpenedTrace } from "./trace/source.js";
export { runX86Conformance, parseVectors, X86ConformanceRunner } from "./arch/x86/conformance.js";
export type { ConformanceSummary, VectorOutcome, X86Vector } from "./arch/x86/conformance.js";
export { runRiscvConformance, parseRiscvVectors, RiscvConformanceRunner } from "./arch/riscv/conformance.js";
export type { RiscvConformanceSummary, RiscvOutcome, RiscvVector, RiscvExpect } from "./arch/riscv/conformance.js";
export { runA64Conformance, A64ConformanceRunner } from "./arch/aarch64/conformance.js";
export type { A64ConformanceSummary } from "./arch/aarch64/conformance.js";
export { parseA64Vectors } from "./arch/aarch64/vectors.js";
export type { A64Vector, A64Outcome, A64Expect } from "./arch/aarch64/vectors.js";
