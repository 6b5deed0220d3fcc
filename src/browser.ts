// wasm-mmu for browsers and Web Workers: one ESM file with the WASM module inlined and no
// Node built-ins (dist/browser.js, `import ... from "wasm-mmu/browser"`). Creation is an
// explicit async call (`await Machine.create(...)`): no top-level await anywhere.
export { Machine, MachineFault, splitVa, toBigVa } from "./machine.js";
export type {
  AccessKind, ControlFlags, ControlRegisters, Fault, MachineOptions, Translation, VirtualAddress, WalkStep, WalkTrace,
} from "./machine.js";
export { PageTableBuilder, PAGE_4K, PAGE_2M, PAGE_4M, PAGE_1G } from "./arch/x86/pageTable.js";
export type { MapFlags, PageSize } from "./arch/x86/pageTable.js";
export { RiscvMachine, RiscvMachineFault } from "./arch/riscv/machine.js";
export type {
  RiscvMachineOptions, RiscvControl, RiscvTranslation, RiscvWalkTrace, RiscvQuirks, AdMode,
} from "./arch/riscv/machine.js";
export type { RiscvFault, RiscvFaultKind } from "./arch/riscv/fault.js";
export type { RiscvWalkStep } from "./arch/riscv/walkSteps.js";
export type { PmpEntry } from "./arch/riscv/pmp.js";
export type { RiscvTlbEntry } from "./arch/riscv/tlbEntries.js";
export { RiscvPageTableBuilder, RV_PAGE_4K, RV_PAGE_64K, RV_PAGE_2M, RV_PAGE_4M, RV_PAGE_1G, RV_PAGE_512G, RV_PAGE_256T } from "./arch/riscv/pageTable.js";
export type { RiscvMapFlags } from "./arch/riscv/pageTable.js";
export { decodePte, describePte, CAUSE_NAMES } from "./arch/riscv/decode.js";
export type { RiscvMode, Privilege, RiscvPteFields } from "./arch/riscv/decode.js";
export { AArch64Machine, AArch64MachineFault } from "./arch/aarch64/machine.js";
export type {
  AArch64MachineOptions, A64Control, A64Translation, A64WalkTrace, A64Quirks, A64Granule, A64AccessKind, TlbiOp,
} from "./arch/aarch64/machine.js";
export type { A64Fault, A64FaultKind } from "./arch/aarch64/fault.js";
export type { A64WalkStep } from "./arch/aarch64/walkSteps.js";
export { A64PageTableBuilder } from "./arch/aarch64/pageTable.js";
export type { A64MapFlags } from "./arch/aarch64/pageTable.js";
export { decodeA64Descriptor, describeA64Descriptor } from "./arch/aarch64/decode.js";
export type { A64DescriptorFields, A64TableFields, A64LeafFields } from "./arch/aarch64/decode.js";
export { ConfigError, ArgumentTypeError, ArgumentRangeError, parseGeometry } from "./config.js";
export type { PagingMode, Quirks, TlbKind, TlbOptions, TlbGeometry } from "./config.js";
export { Batch } from "./batch.js";
export type { PerCallTranslator } from "./perCall.js";
export type { TlbStats, LevelStats, TotalStats, TlbEntry, ArchTlbEntry, FastTlbEntry, TlbLevel, ArchTlbLevel } from "./tlbStats.js";
export { describeErrorCode, describeEntry, decodeErrorCode } from "./arch/x86/decode.js";
export type { FaultKind, PfErrorBits } from "./arch/x86/decode.js";
export { ReplayEngine, ReplayError } from "./trace/engine.js";
export type { ReplayConfig } from "./trace/engine.js";
export { replayInBrowser } from "./trace/browserSource.js";
export type { BrowserTraceSource, BrowserReplayOptions } from "./trace/browserSource.js";
export { reportJson, reportTable, REPORT_KEYS } from "./trace/report.js";
export type { ReplayReport } from "./trace/report.js";
export { Kernel } from "./kernel/kernel.js";
export type { KernelOptions, Access } from "./kernel/kernel.js";
export { Process } from "./kernel/process.js";
export type { MappedFile } from "./kernel/process.js";
export type { ProcessImage, ImageSegment } from "./kernel/spawn.js";
export type { Vma, VmaFile, MmLayout } from "./kernel/vma.js";
export * from "./kernel/constants.js";
// Replaying a recorded process's syscalls (pure: the demo page steps through it).
export { SyscallReplay, diffVmas } from "./kernel/replaySyscalls.js";
export type { ReplayStep, VmaChange, VmaLine } from "./kernel/replaySyscalls.js";
export { ruleSentence } from "./kernel/rules.js";
export type { Rule, RuleKind } from "./kernel/rules.js";
export { parseSyscallLog, parseSyscallLine, SyscallLogError } from "./kernel/syscallLog.js";
export type { SyscallRecord } from "./kernel/syscallLog.js";
export { describeCall, describeReturn } from "./kernel/syscallNames.js";
export { renderMaps, parseMaps } from "./views/maps.js";
