// Fast TLB for emulators (QEMU softmmu style, tlb.md §4.1): direct-mapped, one tag
// array per (context, access kind), so a hit is one load, one compare and one add.
// Permission and dirty state are folded into *which* arrays hold the page: a page
// sits in the write array only after a walk has set D, so the first store to a clean
// page re-walks. Contexts: 0 user, 1 supervisor (or implicit), 2 supervisor with
// EFLAGS.AC=1 — the only input SMAP reads that changes often.
//
//  entry (16 B):  ┌────────────────────┬──────────────────────────┐
//                 │ tag: page VA (u64) │ addend: PA page − VA page │   tag −1 = empty
//                 └────────────────────┴──────────────────────────┘
// Large pages are installed per 4 KiB piece; an INVLPG while any is installed flushes
// everything (QEMU does the same). Flushes visit only the entries filled since the
// last flush (v86's filled-slot list) unless the list overflowed.
//
// Arch-neutral by what it leaves out: no address-space tag and no global bit (every
// address-space switch flushes it, as QEMU's cputlb is flushed on a context switch, and
// flushing more than required is always allowed: tagging would add a compare to the hit),
// and one page size (4 KiB pieces). Rights are decided per arch when an entry is filled.
//
// Every u8 access byte has a row in the slot table; an invalid one (access.ts) points at
// FAST_NEVER_OFFSET, whose tags are all ones, so its lookup misses and the miss path
// reports it: the hit path needs no test of its own.
import { ACC_IMPLICIT, ACC_KIND_MASK, ACC_SLOT_ENTRIES, ACC_USER, ACC_WRITE } from "../constants/access";
import {
  ACC_SLOT_OFFSET, CNT_EVICTIONS, FAST_ENTRY_ADDEND, FAST_ENTRY_SIZE, FAST_LIST_CAPACITY, FAST_LIST_OFFSET,
  FAST_NEVER_OFFSET, FAST_OFFSET, FAST_SLOTS, TLB_FAST, TOT_INVALIDATIONS,
} from "../constants/layout";
import { isAccess } from "../access";
import { eflagsAc } from "../arch/x86/state";
import { rightsCheck } from "../arch/x86/rights";
import { ATTR_DIRTY, ATTR_RW, ATTR_US, ATTR_XD, attrKey, attrShift, walkAttrs, walkPa } from "../arch/x86/walk";
import { count, countTotal } from "../counters";

export let fastEntries: u32 = 4096;
export let fastMask: u32 = 4095;
let listLength: u32 = 0;
let listOverflow: bool = false;
let largeInstalled: bool = false;

const EMPTY: u64 = 0xffffffffffffffff;

export function fastConfigure(entries: u32): void {
  fastEntries = entries;
  fastMask = entries - 1;
  memory.fill(FAST_NEVER_OFFSET, 0xff, <usize>entries * FAST_ENTRY_SIZE);   // the rows a lookup can reach
  rebuildSlotTable();
  listOverflow = true;
  fastFlushAll();
}

/** The access byte → base of its tag array (depends on EFLAGS.AC); the never-hit array for an invalid byte. */
export function rebuildSlotTable(): void {
  for (let acc: u32 = 0; acc < ACC_SLOT_ENTRIES; acc++) {
    const ctx: u32 = (acc & ACC_USER) != 0 ? 0 : ((acc & ACC_IMPLICIT) != 0 || !eflagsAc ? 1 : 2);
    const slot = ctx * 3 + (acc & ACC_KIND_MASK);
    store<u32>(ACC_SLOT_OFFSET + (acc << 2), <u32>(isAccess(acc) ? FAST_OFFSET + <usize>(slot * fastEntries) * FAST_ENTRY_SIZE : FAST_NEVER_OFFSET));
  }
}

/** The entry for `va` and an access byte the host stored as a u8 (a batch): every value has a row. */
@inline export function fastEntryAddrByte(va: u64, acc: u32): usize {
  return <usize>load<u32>(ACC_SLOT_OFFSET + (acc << 2)) + <usize>(<u32>(va >> 12) & fastMask) * FAST_ENTRY_SIZE;
}

/** The entry for `va` and any u32 access value: one above 255 reads the row of 255, which is invalid too. */
@inline export function fastEntryAddr(va: u64, acc: u32): usize {
  const row = acc < ACC_SLOT_ENTRIES ? acc : ACC_SLOT_ENTRIES - 1;
  return fastEntryAddrByte(va, row);
}

/** After a successful walk for `acc`: install the 4 KiB piece in every kind of the same context that its rights allow. */
export function fastFill(va: u64, acc: u32): void {
  const a = walkAttrs;
  if (attrShift(a) > 12) largeInstalled = true;
  const rw = (a & ATTR_RW) != 0, us = (a & ATTR_US) != 0, xd = (a & ATTR_XD) != 0, dirty = (a & ATTR_DIRTY) != 0;
  const key = attrKey(a);
  const page = va & ~(<u64>0xfff);
  const addend = (walkPa & ~(<u64>0xfff)) - page;
  for (let kind: u32 = 0; kind < 3; kind++) {
    const ak = (acc & ~ACC_KIND_MASK) | kind;
    if (kind == ACC_WRITE && !dirty) continue;
    if (rightsCheck(ak, rw, us, xd, key) != 0) continue;
    const e = fastEntryAddr(va, ak);
    const old = load<u64>(e);
    if (old == EMPTY) {
      if (listLength < FAST_LIST_CAPACITY) store<u32>(FAST_LIST_OFFSET + (listLength++ << 2), <u32>e);
      else listOverflow = true;
    } else if (old != page && kind == (acc & ACC_KIND_MASK)) {
      count(TLB_FAST, CNT_EVICTIONS);               // counted for the kind accessed, not the speculative fills
    }
    store<u64>(e, page);
    store<u64>(e + FAST_ENTRY_ADDEND, addend);
  }
}

export function fastFlushAll(): void {
  countTotal(TOT_INVALIDATIONS);
  if (listOverflow) {
    memory.fill(FAST_OFFSET, 0xff, <usize>(FAST_SLOTS * fastEntries) * FAST_ENTRY_SIZE);
  } else {
    for (let i: u32 = 0; i < listLength; i++) store<u64>(load<u32>(FAST_LIST_OFFSET + (i << 2)), EMPTY);
  }
  listLength = 0;
  listOverflow = false;
  largeInstalled = false;
}

/** Drop every context's entries for the page of `va` (INVLPG, #PF delivery). */
export function fastFlushPage(va: u64): void {
  if (largeInstalled) { fastFlushAll(); return; }
  countTotal(TOT_INVALIDATIONS);
  const idx = <u32>(va >> 12) & fastMask;
  for (let slot: u32 = 0; slot < FAST_SLOTS; slot++) {
    store<u64>(FAST_OFFSET + <usize>(slot * fastEntries + idx) * FAST_ENTRY_SIZE, EMPTY);
  }
}

/**
 * Install one 4 KiB piece at entry `e` for another arch's fill (arch/riscv/translate.ts:
 * its own rights decide which kinds get the page); `accessed`: the kind the walk was for,
 * whose replaced entry counts as an eviction. x86 keeps its own fill loop (fastFill).
 */
export function fastInstall(e: usize, page: u64, addend: u64, accessed: bool): void {
  const old = load<u64>(e);
  if (old == EMPTY) {
    if (listLength < FAST_LIST_CAPACITY) store<u32>(FAST_LIST_OFFSET + (listLength++ << 2), <u32>e);
    else listOverflow = true;
  } else if (old != page && accessed) {
    count(TLB_FAST, CNT_EVICTIONS);
  }
  store<u64>(e, page);
  store<u64>(e + FAST_ENTRY_ADDEND, addend);
}
/** A piece of a page larger than 4 KiB was installed: a page flush then flushes everything. */
export function fastMarkLarge(): void { largeInstalled = true; }
