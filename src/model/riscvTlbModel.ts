// What a RISC-V address-translation cache may answer, in plain TypeScript: the oracle of the
// ASID / SFENCE.VMA property test. Not a TLB (no capacity, no replacement): the set of
// translations a correct one may still hold, from the privileged spec's rules (supervisor
// chapter, "Supervisor Memory-Management Fence Instruction"; /work/shared/spec/riscv.md §10):
//
// - A walk done in address space ASID fills an entry tagged with that ASID, or global when
//   G is set in the leaf or in any pointer on its path. A global entry serves every ASID.
// - An implicit access may be served by any translation that was valid at some time since the
//   last SFENCE.VMA covering that address, so after a PTE changes without a fence both the old
//   and the new translation are right answers; the rights of an old leaf are judged at access
//   time with the current SUM/MXR (leafRights), as a fresh walk's are.
// - SFENCE.VMA rs1, rs2 drops (x0 = undefined):
//     x0, x0        everything, global entries included;
//     x0, asid      every non-global entry of that ASID;
//     va, x0        every entry whose page holds va, in every ASID, global included;
//     va, asid      the non-global entries of that ASID whose page holds va.
//   A superpage or NAPOT entry "holds" va when va is anywhere in it. rs1 must be a valid VA
//   for the mode (the caller's job: a non-canonical rs1 makes the instruction a no-op).
//
// Stricter than the spec in one way, on purpose: only walks that happened fill it (the spec
// also lets speculative walks fill a cache). The core does not walk speculatively, so a
// translation it returns that no access ever walked is a bug this oracle catches.
//
// Pointers (non-leaf PTEs) may be cached too (walk entries): one per pointer a walk read,
// tagged with the walk's ASID, or global when G is set in it or in a pointer above it, and
// covering the VAs that pointer maps. SFENCE.VMA with rs1 = x0 drops them in its scope
// (x0, x0: all; x0, asid: the non-global ones of that ASID); rs1 != x0 orders only the
// leaf of that VA, so walk entries survive it (the spec's "modifying a non-leaf PTE needs
// rs1 = x0"). A hart may start a walk from any walk entry that matches the VA and ASID and
// read the levels below from memory as it is now: walkCandidates() gives those entries,
// RiscvModel.translateFrom() the walk. A fresh walk, a leaf entry's outcome and such a
// walk are each a right answer.
//
// A walk that faults caches nothing here, though the spec lets a cache keep even a V = 0
// PTE: the core caches no fault, and a stale fault after an invalid-to-valid change without
// a fence is not accepted by this oracle. That, and "only walks that happened", are the two
// places it is stricter than the spec.

import { causeOf, leafRights, type RiscvAccess, type RiscvOk } from './riscvModel.js';

/** One translation a cache may hold. */
export interface CachedTranslation {
  asid: number;
  global: boolean;
  /** VA of the mapping's first byte and log2 of its size. */
  vaBase: bigint;
  pageShift: number;
  /** PA of the mapping's first byte. */
  paBase: bigint;
  /** The leaf PTE as it was walked (its U/R/W/X decide the rights at access time). */
  leaf: bigint;
}

/** One cached pointer (non-leaf PTE): the walk may resume at `level` in `table`. */
export interface CachedPointer {
  asid: number;
  /** G in this pointer or in one above it. */
  global: boolean;
  /** Level of the table the pointer leads to (the pointer itself is at level + 1). */
  level: number;
  /** VA of the first byte the pointer maps and log2 of the size it maps. */
  vaBase: bigint;
  shift: number;
  table: bigint;
}

/** What an access gets from one cached translation. */
export type CachedOutcome = { ok: true; pa: bigint } | { ok: false; fault: 'page_fault'; cause: number };

export class RiscvTlbModel {
  protected entries: CachedTranslation[] = [];
  protected pointers: CachedPointer[] = [];

  get size(): number { return this.entries.length; }
  get pointerCount(): number { return this.pointers.length; }

  /**
   * The pointers of a successful walk of `va` in address space `asid` (RiscvModel.lastPath:
   * every PTE it read, root first, the leaf last), `vpnBits` index bits per level.
   */
  fillPointers(va: bigint, path: readonly { level: number; pte: bigint }[], asid: number, vpnBits: number): void {
    let global = false;
    for (const step of path.slice(0, -1)) {
      if ((step.pte & 0xfn) !== 1n) throw new Error(`fillPointers: PTE 0x${step.pte.toString(16)} at level ${step.level} is no pointer`);
      if (step.pte & 0x20n) global = true;
      const shift = 12 + vpnBits * step.level;
      const e: CachedPointer = {
        asid, global, level: step.level - 1, vaBase: (va >> BigInt(shift)) << BigInt(shift), shift,
        table: ((step.pte >> 10n) & ((1n << 44n) - 1n)) << 12n,
      };
      if (!this.pointers.some((x) => x.asid === e.asid && x.global === e.global && x.level === e.level
        && x.vaBase === e.vaBase && x.table === e.table)) this.pointers.push(e);
    }
  }

  /** The cached pointers a walk of `va` in address space `asid` may start from. */
  walkCandidates(va: bigint, asid: number): CachedPointer[] {
    return this.pointers.filter((e) => (e.global || e.asid === asid) && va >> BigInt(e.shift) === e.vaBase >> BigInt(e.shift));
  }

  /** A successful walk of `va` (result `r` of RiscvModel.translate) in address space `asid`. */
  fill(va: bigint, r: RiscvOk, asid: number): void {
    if (r.leaf === null) return;                  // no translation (M-mode, Bare): nothing cached
    const mask = (1n << BigInt(r.pageShift)) - 1n;
    const e: CachedTranslation = {
      asid, global: r.global, vaBase: va & ~mask, pageShift: r.pageShift, paBase: r.pa & ~mask, leaf: r.leaf,
    };
    if (!this.entries.some((x) => x.asid === e.asid && x.global === e.global && x.vaBase === e.vaBase
      && x.pageShift === e.pageShift && x.paBase === e.paBase && x.leaf === e.leaf)) this.entries.push(e);
  }

  /** SFENCE.VMA: `vaddr` undefined is rs1 = x0, `asid` undefined is rs2 = x0. */
  sfenceVma(vaddr?: bigint, asid?: number): void {
    this.entries = this.entries.filter((e) => !this.drops(e, vaddr, asid));
    this.pointers = this.pointers.filter((e) => !this.dropsPointer(e, vaddr, asid));
  }

  /** Whether SFENCE.VMA vaddr, asid drops pointer `e`: only with rs1 = x0, in the ASID's scope. */
  protected dropsPointer(e: CachedPointer, vaddr: bigint | undefined, asid: number | undefined): boolean {
    if (vaddr !== undefined) return false;
    return asid === undefined || (!e.global && e.asid === asid);
  }

  /** Whether SFENCE.VMA vaddr, asid drops `e` (the scope table above). */
  protected drops(e: CachedTranslation, vaddr: bigint | undefined, asid: number | undefined): boolean {
    if (asid !== undefined && (e.global || e.asid !== asid)) return false;
    if (vaddr !== undefined && !this.holds(e, vaddr)) return false;
    return true;
  }

  protected holds(e: CachedTranslation, va: bigint): boolean {
    return va >> BigInt(e.pageShift) === e.vaBase >> BigInt(e.pageShift);
  }

  /** The cached translations an access to `va` in address space `asid` may be served from. */
  candidates(va: bigint, asid: number): CachedTranslation[] {
    return this.entries.filter((e) => (e.global || e.asid === asid) && this.holds(e, va));
  }

  /**
   * What the access gets from cached entry `e`: its PA, or the page fault its rights give;
   * null when the entry cannot serve it (A clear, or D clear for a store: that needs the
   * page table itself, §6 — A/D are never set through a cache).
   */
  static outcome(e: CachedTranslation, va: bigint, access: RiscvAccess, priv: 'U' | 'S', sum: boolean, mxr: boolean): CachedOutcome | null {
    if (leafRights(e.leaf, access, priv, sum, mxr) !== 'ok') return { ok: false, fault: 'page_fault', cause: causeOf('page_fault', access) };
    if (!(e.leaf & 0x40n) || (access === 'write' && !(e.leaf & 0x80n))) return null;
    return { ok: true, pa: e.paBase | (va & ((1n << BigInt(e.pageShift)) - 1n)) };
  }
}
