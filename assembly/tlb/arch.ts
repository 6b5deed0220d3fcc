// Architectural TLB model (tlb.md §5.1, trace-replay.md §5): L1 iTLB, L1 dTLB and a
// shared STLB, each `entries/ways` set-associative (sets need not be a power of two;
// set = vpn mod sets) with true LRU. Entries hold raw translation data — frame,
// page-size class, accumulated R/W, U/S, XD, key, D, G and the PCID — and rights are
// evaluated at access time (rights.ts), so control-register changes need no flush.
//
//  meta (u32):
//   31  23 22  21 20   17  16   15   14  13  12  11      0
//  ┌──────┬──────┬───────┬────┬────┬───┬───┬───┬─────────┐
//  │  0   │class │  key  │ G  │ D  │XD │U/S│R/W│  PCID   │
//  └──────┴──────┴───────┴────┴────┴───┴───┴───┴─────────┘
//  tag (u64): vpn << 2 | class, where vpn = va >> shift(class); −1 = empty.
import {
  ARCH_FRAMES, ARCH_LEVEL_BYTES, ARCH_MAX_ENTRIES, ARCH_META, ARCH_OFFSET, ARCH_STAMPS, ARCH_TAGS, CNT_EVICTIONS,
  TLB_GEOMETRY_OFFSET, TOT_INVALIDATIONS,
} from "../constants/layout";
import { count, countTotal } from "../counters";

export const ARCH_ITLB: u32 = 0;
export const ARCH_DTLB: u32 = 1;
export const ARCH_STLB: u32 = 2;
export const ARCH_LEVEL_COUNT: u32 = 3;

import {
  META_PCID_MASK, META_RW, META_US, META_XD, META_DIRTY, META_GLOBAL, META_KEY_SHIFT, META_CLASS_SHIFT,
} from "../constants/tlb";
export { META_PCID_MASK, META_RW, META_US, META_XD, META_DIRTY, META_GLOBAL, META_KEY_SHIFT, META_CLASS_SHIFT };

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
// Geometry record per level (16 B): sets, ways, mask (sets−1 when a power of two, else 0),
// classes present (a bitmask, so lookups probe only the sizes ever inserted).
@inline function geo(l: u32): usize { return TLB_GEOMETRY_OFFSET + (l << 4); }
@inline function base(l: u32): usize { return ARCH_OFFSET + <usize>l * ARCH_LEVEL_BYTES; }
@inline export function tagAddr(l: u32, i: u32): usize { return base(l) + ARCH_TAGS + (<usize>i << 3); }
@inline export function frameAddr(l: u32, i: u32): usize { return base(l) + ARCH_FRAMES + (<usize>i << 3); }
@inline function stampAddr(l: u32, i: u32): usize { return base(l) + ARCH_STAMPS + (<usize>i << 3); }
@inline export function metaAddr(l: u32, i: u32): usize { return base(l) + ARCH_META + (<usize>i << 2); }

let lruClock: u64 = 0;

/** A geometry the arrays can hold: whole sets, 1 to ARCH_MAX_ENTRIES entries. */
export function archGeometryOk(entries: u32, ways: u32): bool {
  return ways != 0 && entries != 0 && entries <= ARCH_MAX_ENTRIES && entries % ways == 0;
}

/** Set level `l` to `entries/ways` and empty it; false (nothing changed) for a geometry archGeometryOk refuses. */
export function archConfigure(l: u32, entries: u32, ways: u32): bool {
  if (!archGeometryOk(entries, ways)) return false;
  const sets = entries / ways;
  store<u32>(geo(l), sets);
  store<u32>(geo(l) + 4, ways);
  store<u32>(geo(l) + 8, (sets & (sets - 1)) == 0 ? sets - 1 : 0);
  archFlushLevel(l);
  return true;
}

@inline function setOf(l: u32, vpn: u64): u32 {
  const mask = load<u32>(geo(l) + 8);
  const sets = load<u32>(geo(l));
  return mask != 0 || sets == 1 ? <u32>vpn & mask : <u32>(vpn % <u64>sets);
}

/** A wide set is compared in chunks of this many ways: one u64 bit per way. */
const CHUNK: u32 = 64;
/** Sets up to this many ways (every real L1/L2 TLB but fully associative ones) take the u32 path. */
const NARROW: u32 = 32;

/**
 * matchWays for a set of at most NARROW ways, with a u32 mask: the hit path of every
 * common geometry, kept as lean as it was before wide sets existed (the u64 mask and
 * chunk logic measured +0.4 ns a hit).
 */
@inline function matchNarrow(l: u32, first: u32, ways: u32, tag: u64): u32 {
  const key = i64x2.splat(<i64>tag);
  let p = tagAddr(l, first);
  let mask: u32 = 0;
  for (let k: u32 = 0; k < ways; k += 2) {
    mask |= <u32>i64x2.bitmask(i64x2.eq(v128.load(p), key)) << k;
    p += 16;
  }
  return mask & (<u32>(<u64>1 << ways) - 1);   // ways ≤ 32: the shift is in range
}

/** pickWay for a u32 mask. */
@inline function pickNarrow(l: u32, first: u32, hits: u32, pcid: u32): i32 {
  while (hits != 0) {
    const i = first + ctz(hits);
    hits &= hits - 1;
    const meta = load<u32>(metaAddr(l, i));
    if ((meta & META_GLOBAL) != 0 || (meta & META_PCID_MASK) == pcid) return <i32>i;
  }
  return -1;
}

/**
 * Bitmask of the `n` (1..64) ways from entry `first` whose tag equals `tag`.
 * Branch-free: two tags per SIMD compare, so a hit in a random way costs no
 * misprediction (the early-exit scalar loop mispredicted on most random hits). A chunk of
 * odd size reads one tag past its end; that bit is masked off (the arrays are padded).
 */
@inline function matchWays(l: u32, first: u32, n: u32, tag: u64): u64 {
  const key = i64x2.splat(<i64>tag);
  let p = tagAddr(l, first);
  let mask: u64 = 0;
  for (let k: u32 = 0; k < n; k += 2) {
    mask |= <u64>i64x2.bitmask(i64x2.eq(v128.load(p), key)) << <u64>k;
    p += 16;
  }
  // 1 << 64 would wrap to 1 << 0: a full chunk keeps every bit.
  return n >= CHUNK ? mask : mask & ((<u64>1 << <u64>n) - 1);
}

/** The first way of the PCID `pcid` (or global) among the matching ways `hits` of the chunk at `first`, or −1. */
@inline function pickWay(l: u32, first: u32, hits: u64, pcid: u32): i32 {
  while (hits != 0) {
    const i = first + <u32>ctz(hits);
    hits &= hits - 1;
    const meta = load<u32>(metaAddr(l, i));
    if ((meta & META_GLOBAL) != 0 || (meta & META_PCID_MASK) == pcid) return <i32>i;
  }
  return -1;
}

/** Index of the entry of size class `cls` for page number `vpn` (PCID `pcid`, or global), or −1. */
@inline export function archFind(l: u32, vpn: u64, cls: u32, pcid: u32): i32 {
  const ways = load<u32>(geo(l) + 4);
  const first = setOf(l, vpn) * ways;
  const tag = (vpn << 2) | <u64>cls;
  if (ways <= NARROW) return pickNarrow(l, first, matchNarrow(l, first, ways, tag), pcid);
  return findWide(l, first, ways, tag, pcid);
}

/** archFind for sets wider than NARROW (up to fully associative): chunks of 64 ways. Kept out of line. */
function findWide(l: u32, first: u32, ways: u32, tag: u64, pcid: u32): i32 {
  for (let c: u32 = 0; c < ways; c += CHUNK) {
    const n = ways - c < CHUNK ? ways - c : CHUNK;
    const i = pickWay(l, first + c, matchWays(l, first + c, n, tag), pcid);
    if (i >= 0) return i;
  }
  return -1;
}

/** The first empty way of the set at `first`, or −1. */
@inline function firstEmpty(l: u32, first: u32, ways: u32): i32 {
  for (let c: u32 = 0; c < ways; c += CHUNK) {
    const n = ways - c < CHUNK ? ways - c : CHUNK;
    const empty = matchWays(l, first + c, n, EMPTY);
    if (empty != 0) return <i32>(first + c + <u32>ctz(empty));
  }
  return -1;
}

/** Index of the entry that translates `va` for `pcid` (global entries match any PCID), or −1. */
export function archLookup(l: u32, va: u64, pcid: u32): i32 {
  let classes = load<u32>(geo(l) + 12);
  while (classes != 0) {
    const cls = ctz(classes);
    classes &= classes - 1;
    const i = archFind(l, va >> classShift(cls), cls, pcid);
    if (i >= 0) return i;
  }
  return -1;
}

/** Make entry `i` the most recently used of its set. */
@inline export function archTouch(l: u32, i: u32): void { store<u64>(stampAddr(l, i), ++lruClock); }

/**
 * Insert a translation (the caller knows it is absent): an empty way if the set has
 * one, else the least recently used way is evicted. Branch-free over the ways (SIMD for
 * the empty test, `select` for the minimum): which way wins is data, and a branch on it
 * mispredicted on most inserts.
 */
export function archInsert(l: u32, va: u64, cls: u32, frame: u64, meta: u32): u32 {
  const ways = load<u32>(geo(l) + 4);
  const vpn = va >> classShift(cls);
  const first = setOf(l, vpn) * ways;
  const empty = firstEmpty(l, first, ways);
  let victim: u32;
  if (empty >= 0) {
    victim = <u32>empty;
  } else {
    victim = first;
    let oldest = load<u64>(stampAddr(l, first));
    for (let i = first + 1; i < first + ways; i++) {
      const s = load<u64>(stampAddr(l, i));
      const older = s < oldest;
      victim = select<u32>(i, victim, older);
      oldest = select<u64>(s, oldest, older);
    }
    count(1 + l, CNT_EVICTIONS);
  }
  store<u64>(tagAddr(l, victim), (vpn << 2) | <u64>cls);
  store<u64>(frameAddr(l, victim), frame);
  store<u32>(metaAddr(l, victim), meta | (cls << META_CLASS_SHIFT));
  store<u64>(stampAddr(l, victim), ++lruClock);
  store<u32>(geo(l) + 12, load<u32>(geo(l) + 12) | (1 << cls));
  return victim;
}

export function archFlushLevel(l: u32): void {
  const entries = load<u32>(geo(l)) * load<u32>(geo(l) + 4);
  memory.fill(tagAddr(l, 0), 0xff, <usize>entries << 3);
  store<u32>(geo(l) + 12, 0);
}

export function archFlushAll(): void {
  countTotal(TOT_INVALIDATIONS);
  for (let l: u32 = 0; l < ARCH_LEVEL_COUNT; l++) archFlushLevel(l);
}

// Selective flush rules (x86.md §11).
export const KEEP_GLOBALS: u32 = 1;     // global entries survive
export const ONLY_PCID: u32 = 2;        // only entries tagged with `pcid` (and, unless KEEP_GLOBALS, globals)

/** Flush every entry of every level that the rule selects. */
export function archFlushWhere(rule: u32, pcid: u32): void {
  countTotal(TOT_INVALIDATIONS);
  for (let l: u32 = 0; l < ARCH_LEVEL_COUNT; l++) {
    const entries = load<u32>(geo(l)) * load<u32>(geo(l) + 4);
    for (let i: u32 = 0; i < entries; i++) {
      if (load<u64>(tagAddr(l, i)) == EMPTY) continue;
      if (selected(load<u32>(metaAddr(l, i)), rule, pcid)) store<u64>(tagAddr(l, i), EMPTY);
    }
  }
}

@inline function selected(meta: u32, rule: u32, pcid: u32): bool {
  if ((meta & META_GLOBAL) != 0) return (rule & KEEP_GLOBALS) == 0;
  return (rule & ONLY_PCID) == 0 || (meta & META_PCID_MASK) == pcid;
}

/** Flush the entries (every size class) that translate the page of `va`, chosen by `rule`. */
export function archFlushPage(va: u64, rule: u32, pcid: u32): void {
  countTotal(TOT_INVALIDATIONS);
  for (let l: u32 = 0; l < ARCH_LEVEL_COUNT; l++) {
    const classes = load<u32>(geo(l) + 12);
    const ways = load<u32>(geo(l) + 4);
    for (let cls: u32 = 0; cls < 4; cls++) {
      if ((classes & (1 << cls)) == 0) continue;
      const vpn = va >> classShift(cls);
      const tag = (vpn << 2) | <u64>cls;
      const first = setOf(l, vpn) * ways;
      for (let i = first; i < first + ways; i++) {
        if (load<u64>(tagAddr(l, i)) == tag && selected(load<u32>(metaAddr(l, i)), rule, pcid)) {
          store<u64>(tagAddr(l, i), EMPTY);
        }
      }
    }
  }
}
