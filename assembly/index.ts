// The export list: everything the host sees. Constants are exported too, so the
// TypeScript side never retypes an offset or a bit (src/core/constants.ts reads them).
export * from "./arch/x86/constants";
export * from "./constants/access";
export * from "./constants/fault";
export * from "./constants/layout";
export * from "./constants/tlb";
export * from "./constants/tlbKind";
export * from "./arch/x86/attributes";
export * from "./arch/riscv/constants";

import { CORE_END, FAST_ENTRY_ADDEND, FAST_MAX_ENTRIES, TLB_FAST, CNT_HITS, TLB_ITLB, TLB_DTLB, TLB_STLB } from "./constants/layout";
import { setConfig, cr0, cr3, cr4, efer, pkru, eflagsAc, mode, maxPhyAddr } from "./arch/x86/state";
import { ramBase, ramOffset, ramSize, setRam } from "./ram";
import { resetCounters, counterAddr } from "./counters";
import { fastConfigure } from "./tlb/fast";
import { ARCH_DTLB, ARCH_ITLB, ARCH_STLB, archConfigure, archGeometryOk } from "./tlb/arch";
import { QUIRKS_QEMU } from "./arch/x86/constants";
import { TLB_KIND_ARCH } from "./constants/tlbKind";
import { setTlbKind, translateOne, fastHits, addFastLookups, resetFastLookups, tlbKind, TLB_KIND_FAST } from "./translate";
import { fastEntryAddr } from "./tlb/fast";
import { walk, setWalkBased, setWalkTracing } from "./arch/x86/walk";
import { TRANSLATE_FAULT } from "./constants/fault";
import { isAccess } from "./access";
import { failBadAccess } from "./fault";

export { translateBatch } from "./batch";
export { writeCr3, writeControl, writePkru, writeAc, invlpg, invpcid, flushAll, loadState } from "./arch/x86/control";
import { flushAll } from "./arch/x86/control";

/** Where AssemblyScript's static data ends; the host checks it lies below CORE_BASE. */
export function staticDataEnd(): usize { return __heap_base; }
export function defaultRamBase(): usize { return CORE_END; }

/**
 * Set up the machine. `tlbKind`: TLB_KIND_NONE, _FAST or _ARCH. The host validates every
 * value with a message (src/config.ts); the core still refuses, changing nothing, what
 * would make it touch memory outside its regions or RAM (RAM overlapping the core's state
 * or past the memory's end, a TLB larger than its arrays, a ways count of 0...): returns
 * 0, or TRANSLATE_FAULT for a refused configuration.
 */
export function configure(ramBaseOffset: usize, ramBytes: u64, maxPhyAddr: u32, quirks: u32, features: u32,
                          tlbKind: u32, fastEntries: u32,
                          itlbEntries: u32, itlbWays: u32, dtlbEntries: u32, dtlbWays: u32,
                          stlbEntries: u32, stlbWays: u32): i32 {
  const memoryBytes = <u64>memory.size() << 16;
  if (ramBaseOffset < CORE_END || (ramBaseOffset & 0xfff) != 0 || ramBytes == 0 || <u64>ramBaseOffset + ramBytes > memoryBytes
      || maxPhyAddr < 32 || maxPhyAddr > 52 || quirks > QUIRKS_QEMU || tlbKind > TLB_KIND_ARCH
      || fastEntries == 0 || fastEntries > FAST_MAX_ENTRIES || (fastEntries & (fastEntries - 1)) != 0
      || !archGeometryOk(itlbEntries, itlbWays) || !archGeometryOk(dtlbEntries, dtlbWays)
      || !archGeometryOk(stlbEntries, stlbWays)) return TRANSLATE_FAULT;
  setRam(ramBaseOffset, 0, ramBytes);
  setWalkBased(false);
  setConfig(maxPhyAddr, quirks, features);
  setTlbKind(tlbKind);
  fastConfigure(fastEntries);
  archConfigure(ARCH_ITLB, itlbEntries, itlbWays);
  archConfigure(ARCH_DTLB, dtlbEntries, dtlbWays);
  archConfigure(ARCH_STLB, stlbEntries, stlbWays);
  resetCounters();
  return 0;
}

/**
 * Put RAM's first byte at guest-physical address `base` (configure leaves it at 0): a
 * physical address outside [base, base + ramBytes) is then a bus fault. Refused (0 or
 * TRANSLATE_FAULT, nothing changed) unless `base` is 4 KiB aligned and RAM ends at or
 * below 2^MAXPHYADDR and 2^32 (the per-call translate returns a PA as a u32). Flushes
 * every TLB, and picks the walkers' build once (the Based one for a non-zero base).
 */
export function setRamBase(base: u64): i32 {
  const end = base + ramSize;
  if ((base & 0xfff) != 0 || end < base || end > (<u64>1 << maxPhyAddr) || end > (<u64>1 << 32)) return TRANSLATE_FAULT;
  setRam(ramOffset, base, ramSize);
  setWalkBased(base != 0);
  flushAll();
  return 0;
}
export function getRamBaseLo(): u32 { return <u32>ramBase; }
export function getRamBaseHi(): u32 { return <u32>(ramBase >> 32); }

/** Zero every counter, the fast TLB's derived lookup count included. */
export function resetAllCounters(): void {
  resetCounters();
  resetFastLookups();
}

/**
 * Per-call translation of the VA (lo, hi): the PA (RAM is below 4 GiB, so it fits a u32)
 * or TRANSLATE_FAULT. The fast-TLB hit is spelled out here so it inlines into the export:
 * a hit costs one slot load, one compare and one add beyond the call itself.
 */
export function translate(lo: u32, hi: u32, acc: u32): i32 {
  const va = (<u64>hi << 32) | <u64>lo;
  if (tlbKind == TLB_KIND_FAST) {
    const e = fastEntryAddr(va, acc);
    if (load<u64>(e) == (va & ~(<u64>0xfff))) {
      addFastLookups(1);
      return <i32>(lo + <u32>load<u64>(e + FAST_ENTRY_ADDEND));   // PA < 4 GiB: its low half is the PA
    }
  }
  const r = translateOne(va, acc);
  return r < 0 ? TRANSLATE_FAULT : <i32>r;
}

/**
 * A walk outside the TLBs, recording every step in the walk-steps region. `update`:
 * set A/D bits as the hardware would (false: a side-effect-free peek). Returns 0 or
 * TRANSLATE_FAULT; the PA is then read with `lastWalkPa*`.
 */
export function walkOnce(lo: u32, hi: u32, acc: u32, update: bool): i32 {
  if (!isAccess(acc)) return failBadAccess((<u64>hi << 32) | <u64>lo, acc);   // the steps of the last walk stay
  setWalkTracing(true);
  const r = walk((<u64>hi << 32) | <u64>lo, acc, update);
  setWalkTracing(false);
  return r;
}
import { walkPa, walkAttrs } from "./arch/x86/walk";
export function lastWalkPaLo(): u32 { return <u32>walkPa; }
export function lastWalkPaHi(): u32 { return <u32>(walkPa >> 32); }
/** Attributes of the last successful walk, packed as arch/x86/attributes.ts draws them (ATTR_*). */
export function lastWalkAttributes(): u32 { return walkAttrs; }

// Control-state readers (u64 as lo/hi halves: no BigInt across the boundary).
export function getCr0Lo(): u32 { return <u32>cr0; }
export function getCr0Hi(): u32 { return <u32>(cr0 >> 32); }
export function getCr3Lo(): u32 { return <u32>cr3; }
export function getCr3Hi(): u32 { return <u32>(cr3 >> 32); }
export function getCr4Lo(): u32 { return <u32>cr4; }
export function getCr4Hi(): u32 { return <u32>(cr4 >> 32); }
export function getEferLo(): u32 { return <u32>efer; }
export function getEferHi(): u32 { return <u32>(efer >> 32); }
export function getPkru(): u32 { return pkru; }
export function getAc(): bool { return eflagsAc; }
export function getMode(): u32 { return mode; }
/** Where RAM lies in linear memory (configure's first argument). */
export function getRamOffset(): usize { return ramOffset; }

/** The fast TLB's hit counter is derived (lookups − misses); write it into its counter slot before the host reads. */
export function syncCounters(): void {
  store<u64>(counterAddr(TLB_FAST, CNT_HITS), fastHits());
}

export * from "./constants/replay";
export { replayConfigure, replayChunk, replayThp, replayWide } from "./replay";

// RISC-V: its own entry points, bound by the host at create time (arch/riscv/exports.ts).
export * from "./arch/riscv/exports";

// AArch64: its own entry points, bound by the host at create time (arch/aarch64/exports.ts).
export * from "./arch/aarch64/constants";
export * from "./arch/aarch64/exports";

// TLB studies (assembly/study/): any geometry and policy over decoded translation records.
export * from "./constants/study";
export { studyAlloc, studyReset, studyTop } from "./study/heap";
export { studyTlbCreate } from "./study/tlb";
export { studyConfigCreate, studyConfigWalk, studyResetStats, studyRun, studyRunMany } from "./study/run";
export { studyLevelSet, studyLevelStats, studyLevelStatsCount, studyLevelsCreate, studyLevelsRunMany } from "./study/levels";
export { studyRunShared, studyStackCreate } from "./study/group";
export { studyZonesCreate } from "./study/lruZones";
