// Architectural TLB model (tlb.md §5.1, trace-replay.md §5): L1 iTLB, L1 dTLB and a
// shared STLB, each `entries/ways` set-associative (sets need not be a power of two;
// set = vpn mod sets) with true LRU. Arch-neutral: an entry holds its address-space tag
// (`asid`: x86's PCID today; 16 bits, wide enough for a RISC-V or Arm ASID), the global
// bit (matches every address space, survives the flushes that keep globals), the page
// size class (in the tag, so each size is its own probe), the frame, and the walk's raw
// rights bits, which are evaluated per arch at access time (arch/x86/rights.ts for x86),
// so control-state changes that relax or tighten rights need no flush.
//
//  meta (u32):
//   31  27 26  25 24   21  20   19   18  17  16  15            0
//  ┌──────┬──────┬───────┬────┬────┬───┬───┬───┬───────────────┐
//  │  0   │class │  key  │ G  │ D  │XD │U/S│R/W│  ASID (PCID)  │
//  └──────┴──────┴───────┴────┴────┴───┴───┴───┴───────────────┘
//  tag (u64): vpn << 2 | class, where vpn = va >> shift(class); −1 = empty.
import {
  ARCH_FRAMES, ARCH_LEVEL_BYTES, ARCH_MAX_ENTRIES, ARCH_META, ARCH_OFFSET, ARCH_STAMPS, ARCH_TAGS, CNT_EVICTIONS,
  TOT_INVALIDATIONS,
} from "../constants/layout";
import { count, countTotal } from "../counters";
import {
  PROBE_1, PROBE_2, PROBE_4, PROBE_8, PROBE_12, PROBE_16, PROBE_NARROW, find1, findWide, matchConst, matchNarrow,
  pickFirst, pickWay, probeFor, victimAny, victimConst,
} from "./archProbe";

export const ARCH_ITLB: u32 = 0;
export const ARCH_DTLB: u32 = 1;
export const ARCH_STLB: u32 = 2;
export const ARCH_LEVEL_COUNT: u32 = 3;

import {
  META_ASID_MASK, META_RW, META_US, META_XD, META_DIRTY, META_GLOBAL, META_KEY_SHIFT, META_CLASS_SHIFT,
} from "../constants/tlb";
export { META_ASID_MASK, META_RW, META_US, META_XD, META_DIRTY, META_GLOBAL, META_KEY_SHIFT, META_CLASS_SHIFT };

// Page-size classes.
export const CLASS_4K: u32 = 0;
export const CLASS_2M: u32 = 1;
export const CLASS_4M: u32 = 2;
export const CLASS_1G: u32 = 3;
/** log2 of the page size of each class, packed one per byte: 12, 21, 22, 30. */
@inline export function classShift(cls: u32): u64 {
  return <u64>((0x1e16150c >> (cls << 3)) & 0xff);
}
export function classOfShift(shift: u32): u32 {
  return shift == 12 ? CLASS_4K : shift == 21 ? CLASS_2M : shift == 22 ? CLASS_4M : CLASS_1G;
}

const EMPTY: u64 = 0xffffffffffffffff;
/** A level's set mask when its sets are not a power of two: set = vpn mod sets. */
const NOT_POW2: u32 = 0xffffffff;

// Geometry per level, fixed at configure (wasm globals, not memory): the probe kind, so a
// lookup runs the probe with its ways count built in (archProbe.ts); the set mask; the
// page-size classes ever inserted (a bitmask: lookups probe only those).
let ways0: u32 = 1, ways1: u32 = 1, ways2: u32 = 1;
let sets0: u32 = 1, sets1: u32 = 1, sets2: u32 = 1;
let mask0: u32 = 0, mask1: u32 = 0, mask2: u32 = 0;
let probe0: u32 = PROBE_1, probe1: u32 = PROBE_1, probe2: u32 = PROBE_1;
let classes0: u32 = 0, classes1: u32 = 0, classes2: u32 = 0;
@inline function waysOf(l: u32): u32 { return l == 0 ? ways0 : l == 1 ? ways1 : ways2; }
@inline function setsOf(l: u32): u32 { return l == 0 ? sets0 : l == 1 ? sets1 : sets2; }
@inline function maskOf(l: u32): u32 { return l == 0 ? mask0 : l == 1 ? mask1 : mask2; }
@inline function probeOf(l: u32): u32 { return l == 0 ? probe0 : l == 1 ? probe1 : probe2; }
/** The page-size classes present in level `l` (bit `cls`). */
@inline export function archClasses(l: u32): u32 { return l == 0 ? classes0 : l == 1 ? classes1 : classes2; }
function setClasses(l: u32, c: u32): void {
  if (l == 0) classes0 = c; else if (l == 1) classes1 = c; else classes2 = c;
}

@inline export function levelBase(l: u32): usize { return ARCH_OFFSET + <usize>l * ARCH_LEVEL_BYTES; }
@inline export function tagAddr(l: u32, i: u32): usize { return levelBase(l) + ARCH_TAGS + (<usize>i << 3); }
@inline export function frameAddr(l: u32, i: u32): usize { return levelBase(l) + ARCH_FRAMES + (<usize>i << 3); }
@inline export function stampAddr(l: u32, i: u32): usize { return levelBase(l) + ARCH_STAMPS + (<usize>i << 3); }
@inline export function metaAddr(l: u32, i: u32): usize { return levelBase(l) + ARCH_META + (<usize>i << 2); }

/** The LRU clock: every use stamps its entry with the next value, so the smallest stamp of a set is its LRU way. */
export let lruClock: u64 = 0;
/** Set the clock (the batch loop's inline hit stamps with it); returns `c`. */
@inline export function setLruClock(c: u64): u64 { lruClock = c; return c; }

/** A geometry the arrays can hold: whole sets, 1 to ARCH_MAX_ENTRIES entries. */
export function archGeometryOk(entries: u32, ways: u32): bool {
  return ways != 0 && entries != 0 && entries <= ARCH_MAX_ENTRIES && entries % ways == 0;
}

/** Set level `l` to `entries/ways` and empty it; false (nothing changed) for a geometry archGeometryOk refuses. */
export function archConfigure(l: u32, entries: u32, ways: u32): bool {
  if (!archGeometryOk(entries, ways)) return false;
  const sets = entries / ways;
  const mask = (sets & (sets - 1)) == 0 ? sets - 1 : NOT_POW2;
  const probe = probeFor(ways);
  if (l == 0) { ways0 = ways; sets0 = sets; mask0 = mask; probe0 = probe; }
  else if (l == 1) { ways1 = ways; sets1 = sets; mask1 = mask; probe1 = probe; }
  else { ways2 = ways; sets2 = sets; mask2 = mask; probe2 = probe; }
  archFlushLevel(l);
  return true;
}

@inline function setOf(l: u32, vpn: u64): u32 {
  const mask = maskOf(l);
  return mask != NOT_POW2 ? <u32>vpn & mask : <u32>(vpn % <u64>setsOf(l));
}

/**
 * Index of the entry of size class `cls` for page number `vpn` (address space `asid`, or global),
 * or −1: the level's own probe, its ways count a constant for the common geometries.
 */
@inline export function archFind(l: u32, vpn: u64, cls: u32, asid: u32): i32 {
  const lb = levelBase(l);
  const tag = (vpn << 2) | <u64>cls;
  const set = setOf(l, vpn);
  const tags = lb + ARCH_TAGS;
  switch (probeOf(l)) {
    case PROBE_1: return find1(lb, set, tag, asid);
    case PROBE_2: return pickWay(lb, set << 1, matchConst(tags + (<usize>set << 4), tag, 2), asid);
    case PROBE_4: return pickWay(lb, set << 2, matchConst(tags + (<usize>set << 5), tag, 4), asid);
    case PROBE_8: return pickWay(lb, set << 3, matchConst(tags + (<usize>set << 6), tag, 8), asid);
    case PROBE_12: return pickWay(lb, set * 12, matchConst(tags + <usize>set * 96, tag, 12), asid);
    case PROBE_16: return pickWay(lb, set << 4, matchConst(tags + (<usize>set << 7), tag, 16), asid);
    case PROBE_NARROW: {
      const ways = waysOf(l), first = set * ways;
      return pickWay(lb, first, matchNarrow(tags + (<usize>first << 3), tag, ways), asid);
    }
    default: return findWide(lb, set * waysOf(l), waysOf(l), tag, asid);
  }
}

/**
 * archFind of a 4 KiB page for the batch loop's inline hit, with no call in it (a call in
 * that loop made V8 spill its values on every item): −1 for a miss, and also for what it
 * leaves to archFind — sets that are not a power of two or wider than NARROW, a first
 * matching way of another address space.
 */
@inline export function archFindHit(l: u32, vpn: u64, asid: u32): i32 {
  const lb = levelBase(l);
  const tag = vpn << 2;   // | CLASS_4K
  const mask = maskOf(l);
  if (mask == NOT_POW2) return -1;   // vpn mod sets: a 64-bit division, left to archFind
  const set = <u32>vpn & mask;
  const tags = lb + ARCH_TAGS;
  switch (probeOf(l)) {
    case PROBE_1: return find1(lb, set, tag, asid);
    case PROBE_2: return pickFirst(lb, set << 1, matchConst(tags + (<usize>set << 4), tag, 2), asid);
    case PROBE_4: return pickFirst(lb, set << 2, matchConst(tags + (<usize>set << 5), tag, 4), asid);
    case PROBE_8: return pickFirst(lb, set << 3, matchConst(tags + (<usize>set << 6), tag, 8), asid);
    case PROBE_12: return pickFirst(lb, set * 12, matchConst(tags + <usize>set * 96, tag, 12), asid);
    case PROBE_16: return pickFirst(lb, set << 4, matchConst(tags + (<usize>set << 7), tag, 16), asid);
    case PROBE_NARROW: {
      const ways = waysOf(l), first = set * ways;
      return pickFirst(lb, first, matchNarrow(tags + (<usize>first << 3), tag, ways), asid);
    }
    default: return -1;
  }
}

/**
 * Index of the entry that translates `va` for `asid` (global entries match any), or −1.
 * The 4 KiB probe is inline; the large classes (2M, 4M, 1G: only those ever inserted) are
 * probed out of line, after it, in that order.
 */
@inline export function archLookup(l: u32, va: u64, asid: u32): i32 {
  const classes = archClasses(l);
  let i: i32 = -1;
  if ((classes & 1) != 0) i = archFind(l, va >> 12, CLASS_4K, asid);
  if (i < 0 && classes > 1) i = archLookupLarge(l, va, asid, classes);
  return i;
}

/** The large-page probes of archLookup, one per class present. */
export function archLookupLarge(l: u32, va: u64, asid: u32, classes: u32): i32 {
  if ((classes & (1 << CLASS_2M)) != 0) {
    const i = archFind(l, va >> 21, CLASS_2M, asid);
    if (i >= 0) return i;
  }
  if ((classes & (1 << CLASS_4M)) != 0) {
    const i = archFind(l, va >> 22, CLASS_4M, asid);
    if (i >= 0) return i;
  }
  if ((classes & (1 << CLASS_1G)) != 0) return archFind(l, va >> 30, CLASS_1G, asid);
  return -1;
}

/** Make entry `i` the most recently used of its set. */
@inline export function archTouch(l: u32, i: u32): void { store<u64>(stampAddr(l, i), ++lruClock); }

/**
 * Insert a translation (the caller knows it is absent): the first empty way of the set, else
 * the least recently used way is evicted (archProbe.ts: a SIMD minimum for the common ways counts).
 */
export function archInsert(l: u32, va: u64, cls: u32, frame: u64, meta: u32): u32 {
  const vpn = va >> classShift(cls);
  const set = setOf(l, vpn);
  const lb = levelBase(l);
  let victim: u32;
  switch (probeOf(l)) {
    case PROBE_1: { victim = set; break; }
    case PROBE_2: { victim = victimConst(lb, set << 1, 2); break; }
    case PROBE_4: { victim = victimConst(lb, set << 2, 4); break; }
    case PROBE_8: { victim = victimConst(lb, set << 3, 8); break; }
    case PROBE_12: { victim = victimConst(lb, set * 12, 12); break; }
    case PROBE_16: { victim = victimConst(lb, set << 4, 16); break; }
    default: { const ways = waysOf(l); victim = victimAny(lb, set * ways, ways); }
  }
  if (load<u64>(tagAddr(l, victim)) != EMPTY) count(1 + l, CNT_EVICTIONS);
  store<u64>(tagAddr(l, victim), (vpn << 2) | <u64>cls);
  store<u64>(frameAddr(l, victim), frame);
  store<u32>(metaAddr(l, victim), meta | (cls << META_CLASS_SHIFT));
  store<u64>(stampAddr(l, victim), ++lruClock);
  setClasses(l, archClasses(l) | (1 << cls));
  return victim;
}

export function archFlushLevel(l: u32): void {
  memory.fill(tagAddr(l, 0), 0xff, <usize>(setsOf(l) * waysOf(l)) << 3);
  setClasses(l, 0);
}

export function archFlushAll(): void {
  countTotal(TOT_INVALIDATIONS);
  for (let l: u32 = 0; l < ARCH_LEVEL_COUNT; l++) archFlushLevel(l);
}

// Selective flush rules (x86.md §11).
export const KEEP_GLOBALS: u32 = 1;     // global entries survive
export const ONLY_ASID: u32 = 2;        // only entries tagged with `asid` (and, unless KEEP_GLOBALS, globals)

/** Flush every entry of every level that the rule selects. */
export function archFlushWhere(rule: u32, asid: u32): void {
  countTotal(TOT_INVALIDATIONS);
  for (let l: u32 = 0; l < ARCH_LEVEL_COUNT; l++) {
    const entries = setsOf(l) * waysOf(l);
    for (let i: u32 = 0; i < entries; i++) {
      if (load<u64>(tagAddr(l, i)) == EMPTY) continue;
      if (selected(load<u32>(metaAddr(l, i)), rule, asid)) store<u64>(tagAddr(l, i), EMPTY);
    }
  }
}

@inline function selected(meta: u32, rule: u32, asid: u32): bool {
  if ((meta & META_GLOBAL) != 0) return (rule & KEEP_GLOBALS) == 0;
  return (rule & ONLY_ASID) == 0 || (meta & META_ASID_MASK) == asid;
}

/** Flush the entries (every size class) that translate the page of `va`, chosen by `rule`. */
export function archFlushPage(va: u64, rule: u32, asid: u32): void {
  countTotal(TOT_INVALIDATIONS);
  for (let l: u32 = 0; l < ARCH_LEVEL_COUNT; l++) {
    const classes = archClasses(l);
    const ways = waysOf(l);
    for (let cls: u32 = 0; cls < 4; cls++) {
      if ((classes & (1 << cls)) == 0) continue;
      const vpn = va >> classShift(cls);
      const tag = (vpn << 2) | <u64>cls;
      const first = setOf(l, vpn) * ways;
      for (let i = first; i < first + ways; i++) {
        if (load<u64>(tagAddr(l, i)) == tag && selected(load<u32>(metaAddr(l, i)), rule, asid)) {
          store<u64>(tagAddr(l, i), EMPTY);
        }
      }
    }
  }
}
