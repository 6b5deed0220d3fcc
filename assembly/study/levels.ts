// The levels form of a study configuration: an ordered list of levels (innermost first),
// each serving some access kinds (fetch, load, store), each with one array shared by
// both page sizes or one array per page size, and each with its inclusion towards the
// levels before it:
//  - non-inclusive: filled on a miss together with them; evicting touches nothing else;
//  - inclusive: also filled with them, and an entry it evicts is removed from every
//    level before it that serves one of its kinds (back-invalidation), so it always
//    holds what they hold;
//  - exclusive (a victim level): never filled by a walk; it takes the entries the level
//    just before it on the path evicts, and a hit there moves the entry up (removed here,
//    filled into the levels before it, whose victims come back here).
// A translation looks its kind's levels up in order; the first hit ends the search
// (OUTCOME_L1 if it was the path's first level, OUTCOME_STLB for a later one, as replay
// counts them), no hit is a walk. The levels before the hit (all of them after a walk)
// are filled outermost first, as trace replay fills the STLB before the L1.
// This loop is separate from run.ts's fixed iTLB/dTLB/STLB loop, which stays the fast path.
import {
  CFG_BYTES, CFG_HUGE, CFG_LAST_D, CFG_LAST_I, CFG_LEVELS, CFG_RECORDS_SEEN, CFG_STOP_AT, INCL_EXCLUSIVE, INCL_INCLUSIVE,
  LS_BACK_INVALIDATIONS, LS_FIELDS, LS_HITS_2M, LS_HITS_4K, LS_LEVEL0, LS_VICTIM_FILLS, LS_WALKS, LS_WALKS_2M, LV_BYTES, LV_COUNT,
  LV_FIRST, LV_HUGE_TAG, LV_INCLUSION, LV_KINDS, LV_STATS_AT, LV_STATS_COUNT, LV_TLB, LV_TLB_2M, REC_FIRST_TOUCH, REC_HUGE,
  REC_INSTR, REC_KIND_SHIFT, REC_PROMOTE, SS_PROMOTIONS, REC_RECORD_START, CFG_PDEC, REC_VPN_SHIFT, SS_FAULTS, SS_FETCH_RECORDS, SS_OUTCOME_HASH, SS_RECORDS,
  SS_TRANSLATIONS, STUDY_RECORD_BYTES, INCL_NON,
} from "../constants/study";
import { OUTCOME_FAULT, OUTCOME_L1, OUTCOME_STLB, OUTCOME_WALK } from "../constants/replay";
import { studyAlloc } from "./heap";
import { bump, fnv8, fnvByte, statAt, studyResetStats, walkRefs } from "./run";
import { tlbInsert, tlbLookup, tlbRemove } from "./tlb";

/**
 * A configuration of `n` levels (1 to 64), each to be set with studyLevelSet before it
 * runs; give it walk caches and its page size with studyConfigWalk. 0 when `n` is out of
 * range or memory runs out.
 */
export function studyLevelsCreate(n: u32): usize {
  if (n == 0 || n > 64) return 0;
  const c = studyAlloc(CFG_BYTES);
  if (c == 0) return 0;
  const count = LS_LEVEL0 + n * LS_FIELDS;
  const lv = studyAlloc(<usize>LV_FIRST + <usize>n * LV_BYTES);
  const st = studyAlloc(<usize>count << 3);
  if (lv == 0 || st == 0) return 0;
  store<u32>(lv + LV_COUNT, n);
  store<u32>(lv + LV_STATS_AT, <u32>st);
  store<u32>(lv + LV_STATS_COUNT, count);
  store<u32>(c + CFG_LEVELS, <u32>lv);
  store<u64>(c + CFG_STOP_AT, 0xffffffffffffffff);
  store<u64>(c + CFG_LAST_I, 0xffffffffffffffff);
  store<u64>(c + CFG_LAST_D, 0xffffffffffffffff);
  studyResetStats(c);
  return c;
}

/**
 * Level `i` of levels configuration `c`: the kinds it serves (bits 1 << REC_KIND_*), its
 * inclusion (INCL_*), its array (studyTlbCreate) and a separate 2 MiB array (0: the first
 * array holds both sizes, a 2 MiB page's number tagged with LV_HUGE_TAG). False (nothing
 * set) for a bad argument.
 */
export function studyLevelSet(c: usize, i: u32, kinds: u32, inclusion: u32, tlb: usize, tlb2m: usize): bool {
  const lv = <usize>load<u32>(c + CFG_LEVELS);
  if (lv == 0 || i >= load<u32>(lv + LV_COUNT) || kinds == 0 || kinds > 7 || inclusion > INCL_EXCLUSIVE || tlb == 0) return false;
  const L = levelAt(lv, i);
  store<u32>(L + LV_KINDS, kinds);
  store<u32>(L + LV_INCLUSION, inclusion);
  store<u32>(L + LV_TLB, <u32>tlb);
  store<u32>(L + LV_TLB_2M, <u32>tlb2m);
  return true;
}

/** The address of the levels statistics (u64 each: LS_WALKS, LS_WALKS_2M, then LS_FIELDS per level), 0 for a fixed-form configuration. */
export function studyLevelStats(c: usize): usize {
  const lv = <usize>load<u32>(c + CFG_LEVELS);
  return lv == 0 ? 0 : <usize>load<u32>(lv + LV_STATS_AT);
}

/** How many u64 statistics studyLevelStats holds. */
export function studyLevelStatsCount(c: usize): u32 {
  const lv = <usize>load<u32>(c + CFG_LEVELS);
  return lv == 0 ? 0 : load<u32>(lv + LV_STATS_COUNT);
}

@inline function levelAt(lv: usize, i: u32): usize { return lv + LV_FIRST + <usize>i * LV_BYTES; }
@inline function inc(a: usize): void { store<u64>(a, load<u64>(a) + 1); }
@inline function levelStat(lv: usize, i: u32, f: u32): usize {
  return <usize>load<u32>(lv + LV_STATS_AT) + (<usize>(LS_LEVEL0 + i * LS_FIELDS + f) << 3);
}
/** The array level L keeps a page of this size in. */
@inline function arrayOf(L: usize, huge: bool): usize {
  const d2 = <usize>load<u32>(L + LV_TLB_2M);
  return huge && d2 != 0 ? d2 : <usize>load<u32>(L + LV_TLB);
}
/** The key level L keeps the page under: a shared array tags 2 MiB pages. */
@inline function keyIn(L: usize, key: u64, huge: bool): u64 {
  return huge && load<u32>(L + LV_TLB_2M) == 0 ? key | LV_HUGE_TAG : key;
}

/**
 * Level `i`'s array `d` evicted `tag` (a key as keyIn made it) on the path of `kindBit`:
 * an inclusive level removes it from every level before it that serves one of its kinds;
 * the next level of the path, if exclusive, takes it.
 */
function evicted(lv: usize, i: u32, d: usize, kindBit: u32, tag: u64): void {
  const L = levelAt(lv, i);
  const split = load<u32>(L + LV_TLB_2M) != 0;
  const huge = split ? d == <usize>load<u32>(L + LV_TLB_2M) : (tag & LV_HUGE_TAG) != 0;
  const key = split ? tag : tag & ~LV_HUGE_TAG;
  if (load<u32>(L + LV_INCLUSION) == INCL_INCLUSIVE) {
    const kinds = load<u32>(L + LV_KINDS);
    for (let j: u32 = 0; j < i; j++) {
      const Lj = levelAt(lv, j);
      // Only the levels it includes: those before it serving a kind it serves.
      if ((load<u32>(Lj + LV_KINDS) & kinds) != 0 && tlbRemove(arrayOf(Lj, huge), keyIn(Lj, key, huge))) inc(levelStat(lv, i, LS_BACK_INVALIDATIONS));
    }
  }
  const n = load<u32>(lv + LV_COUNT);
  for (let j = i + 1; j < n; j++) {
    const Lj = levelAt(lv, j);
    if ((load<u32>(Lj + LV_KINDS) & kindBit) == 0) continue;
    if (load<u32>(Lj + LV_INCLUSION) == INCL_EXCLUSIVE) {
      inc(levelStat(lv, j, LS_VICTIM_FILLS));
      const dj = arrayOf(Lj, huge), kj = keyIn(Lj, key, huge);
      // Already there (another inner level's victim): refreshed, not doubled.
      if (!tlbLookup(dj, kj)) {
        const old = tlbInsert(dj, kj);
        if (old != 0) evicted(lv, j, dj, kindBit, old - 1);
      }
    }
    break;
  }
}

/** One translation of levels configuration `c`. */
@inline function simulateLevels(c: usize, meta: u64, pa: u64): void {
  const lv = <usize>load<u32>(c + CFG_LEVELS);
  const n = load<u32>(lv + LV_COUNT);
  const kindBit: u32 = 1 << <u32>((meta >> REC_KIND_SHIFT) & 3);
  const vpn = meta >> REC_VPN_SHIFT;
  // Every page 2 MiB: the decode's vpn is the 2 MiB page's number; mixed sizes: the 4 KiB one.
  const allHuge = load<u32>(c + CFG_HUGE) != 0;
  const huge = allHuge || (meta & REC_HUGE) != 0;
  const key = huge && !allHuge ? vpn >> 9 : vpn;
  const size: u32 = huge ? LS_HITS_2M : LS_HITS_4K;     // its misses follow it
  let hit: i32 = -1, first: i32 = -1;
  for (let i: u32 = 0; i < n; i++) {
    const L = levelAt(lv, i);
    if ((load<u32>(L + LV_KINDS) & kindBit) == 0) continue;
    if (first < 0) first = <i32>i;
    const f = levelStat(lv, i, size);
    if (tlbLookup(arrayOf(L, huge), keyIn(L, key, huge))) { inc(f); hit = <i32>i; break; }
    inc(f + 8);
  }
  let outcome = OUTCOME_WALK;
  let from: i32;
  if (hit < 0) {
    const st = <usize>load<u32>(lv + LV_STATS_AT);
    inc(st + (<usize>LS_WALKS << 3));
    if (huge) inc(st + (<usize>LS_WALKS_2M << 3));
    walkRefs(c, vpn, (meta & REC_HUGE) != 0);
    if ((meta & REC_FIRST_TOUCH) != 0) { bump(c, SS_FAULTS); outcome = OUTCOME_FAULT; }
    from = <i32>n - 1;
  } else {
    outcome = hit == first ? OUTCOME_L1 : OUTCOME_STLB;
    const L = levelAt(lv, <u32>hit);
    if (load<u32>(L + LV_INCLUSION) == INCL_EXCLUSIVE) tlbRemove(arrayOf(L, huge), keyIn(L, key, huge));
    from = hit - 1;
  }
  for (let i = from; i >= 0; i--) {
    const L = levelAt(lv, <u32>i);
    const incl = load<u32>(L + LV_INCLUSION);
    if ((load<u32>(L + LV_KINDS) & kindBit) == 0 || incl == INCL_EXCLUSIVE) continue;
    const d = arrayOf(L, huge);
    const old = tlbInsert(d, keyIn(L, key, huge));
    if (old != 0) evicted(lv, <u32>i, d, kindBit, old - 1);
  }
  const h = statAt(c, SS_OUTCOME_HASH);
  store<u64>(h, fnvByte(fnv8(load<u64>(h), pa), <u64>outcome));
}

/**
 * A REC_PROMOTE marker: the 2 MiB region holding 4 KiB page `vpn` became one huge page.
 * As collapse_huge_page's flush of the range (and run.ts's fixed loop), its 512 pages
 * leave every level's 4 KiB (or shared) array, and its PDE leaves the PDE cache.
 */
function promoteLevels(c: usize, vpn: u64): void {
  const lv = <usize>load<u32>(c + CFG_LEVELS);
  const n = load<u32>(lv + LV_COUNT);
  const first = vpn & ~(<u64>511);
  for (let i: u32 = 0; i < n; i++) {
    const d = <usize>load<u32>(levelAt(lv, i) + LV_TLB);
    if (d != 0) for (let p = first; p < first + 512; p++) tlbRemove(d, p);
  }
  const c2 = <usize>load<u32>(c + CFG_PDEC);
  if (c2 != 0) tlbRemove(c2, vpn >> 9);
  bump(c, SS_PROMOTIONS);
}

/**
 * studyRunMany (run.ts) for levels-form configurations: the same position, stop and
 * counts. Returns 0 (nothing run) when a configuration of the list is not of the levels
 * form (its TLBs would be read as levels).
 */
export function studyLevelsRunMany(list: usize, n: u32, recs: usize, count: u32): u32 {
  if (n == 0) return count;
  for (let j: u32 = 0; j < n; j++) if (load<u32>(<usize>load<u32>(list + (<usize>j << 2)) + CFG_LEVELS) == 0) return 0;
  const c0 = <usize>load<u32>(list);
  let seen = load<u64>(c0 + CFG_RECORDS_SEEN);
  const stop = load<u64>(c0 + CFG_STOP_AT);
  let i: u32 = 0;
  for (; i < count; i++) {
    const r = recs + <usize>i * STUDY_RECORD_BYTES;
    const meta = load<u64>(r, 8);
    const pa = load<u64>(r);
    if ((meta & REC_PROMOTE) != 0) {     // a marker, not a translation
      for (let j: u32 = 0; j < n; j++) promoteLevels(<usize>load<u32>(list + (<usize>j << 2)), meta >> REC_VPN_SHIFT);
      continue;
    }
    if ((meta & REC_RECORD_START) != 0) {
      if (seen == stop) break;
      seen++;
      for (let j: u32 = 0; j < n; j++) {
        const c = <usize>load<u32>(list + (<usize>j << 2));
        bump(c, SS_RECORDS);
        if ((meta & REC_INSTR) != 0) bump(c, SS_FETCH_RECORDS);
      }
    }
    for (let j: u32 = 0; j < n; j++) {
      const c = <usize>load<u32>(list + (<usize>j << 2));
      bump(c, SS_TRANSLATIONS);
      simulateLevels(c, meta, pa);
    }
  }
  for (let j: u32 = 0; j < n; j++) store<u64>(<usize>load<u32>(list + (<usize>j << 2)) + CFG_RECORDS_SEEN, seen);
  return i;
}
