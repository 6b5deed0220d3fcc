// Configurations that differ only below L1 (the STLB, the paging-structure caches) run as
// a group: the L1 iTLB/dTLB is simulated once, by the group's first configuration, and
// only its misses go down to each configuration's STLB and walk caches.
//
// Exact because L1 state does not depend on anything below it in the model of
// trace-replay.md §4-5: an L1 hit touches nothing else; an L1 miss inserts the page into
// L1 whatever the STLB answered (hit, walk or fault); the STLB is neither inclusive nor
// exclusive (an STLB eviction leaves L1 alone). So every configuration whose iTLB and dTLB
// are identical (geometry, policy, seed) sees the same L1 hits and misses, and
// studyRunShared gives each the statistics and outcome hash studyRunMany would.
//
// The others' own L1 TLBs stay untouched (the host only ever runs a configuration in one
// group for a whole pass). The counts the group shares (records, fetch records,
// translations, L1 hits and misses) are kept in locals and added to every configuration
// when the call returns.
import {
  CFG_DTLB, CFG_ITLB, CFG_LAST_D, CFG_LAST_I, CFG_RECORDS_SEEN, CFG_STLB, CFG_STOP_AT, REC_FIRST_TOUCH, REC_INSTR,
  REC_RECORD_START, REC_VPN_SHIFT, SS_DTLB_HITS, SS_DTLB_MISSES, SS_FAULTS, SS_FETCH_RECORDS, SS_ITLB_HITS,
  SS_ITLB_MISSES, SS_OUTCOME_HASH, SS_RECORDS, SS_STLB_HITS, SS_STLB_MISSES, SS_TRANSLATIONS, STUDY_RECORD_BYTES,
} from "../constants/study";
import { FNV_PRIME, OUTCOME_FAULT, OUTCOME_L1, OUTCOME_STLB, OUTCOME_WALK } from "../constants/replay";
import { bump, fnv8, fnvByte, statAt, walkRefs } from "./run";
import { studyAlloc } from "./heap";
import { zonesAccess } from "./lruZones";
import { tlbInsert, tlbLookup } from "./tlb";

/**
 * FNV-1a over four zero bytes is a multiply by FNV_PRIME^4 ((h ^ 0) * P four times), and
 * with the L1 outcome byte (0) after them, by FNV_PRIME^5: a physical address below 2^32
 * (every study's, but checked per translation) costs 5 multiplies instead of 9.
 */
const P4: u64 = FNV_PRIME * FNV_PRIME * FNV_PRIME * FNV_PRIME;
const P5: u64 = P4 * FNV_PRIME;

/** The outcome hash of one translation (9 bytes: pa little-endian, then the outcome), the short form when it applies. */
@inline function hashStep(h: u64, pa: u64, outcome: u64): u64 {
  if ((pa >> 32) != 0) return fnvByte(fnv8(h, pa), outcome);
  h = fnvByte(h, pa & 0xff); h = fnvByte(h, (pa >> 8) & 0xff);
  h = fnvByte(h, (pa >> 16) & 0xff); h = fnvByte(h, (pa >> 24) & 0xff);
  return outcome == OUTCOME_L1 ? h * P5 : fnvByte(h * P4, outcome);
}

/** An L1 miss of configuration `c` (already counted): its STLB, a walk (and the walk caches), the fault. */
@inline function belowL1(c: usize, meta: u64, vpn: u64, pa: u64): void {
  const stlb = <usize>load<u32>(c + CFG_STLB);
  let outcome = OUTCOME_STLB;
  // A page's first touch is in no TLB yet: no lookup (it could only miss).
  if ((meta & REC_FIRST_TOUCH) == 0 && tlbLookup(stlb, vpn)) {
    bump(c, SS_STLB_HITS);
  } else {
    bump(c, SS_STLB_MISSES);
    walkRefs(c, vpn, false);   // never a REC_HUGE record: THP configurations are not grouped
    if ((meta & REC_FIRST_TOUCH) != 0) { bump(c, SS_FAULTS); outcome = OUTCOME_FAULT; } else outcome = OUTCOME_WALK;
    tlbInsert(stlb, vpn);
  }
  const h = statAt(c, SS_OUTCOME_HASH);
  store<u64>(h, hashStep(load<u64>(h), pa, <u64>outcome));
}

@inline function add(c: usize, f: u32, v: u64): void { const a = statAt(c, f); store<u64>(a, load<u64>(a) + v); }

// ── LRU stacks: one search for every same-set-count LRU STLB of a group ─────────────
//
// True LRU has the inclusion property (Mattson et al., 1970): with the same set mapping,
// a set of W ways holds the W most recently used distinct pages of that set, so one
// recency stack per set, `maxWays` deep, answers every such STLB at once: a page found
// at depth p hits in each STLB of more than p ways and misses in the others. A stack
// replaces the STLBs' own lookups and inserts (their descriptors stay unused); the
// counters, walk caches and hashes stay per configuration.

const K_SETS: usize = 0;
const K_WAYS: usize = 4;
const K_TAGS: usize = 8;
const K_MASK: usize = 12;
const K_BYTES: usize = 16;
const NOT_FOUND: u32 = 0xffffffff;

/** A stack for STLBs of `sets` sets, up to `maxWays` ways (tags vpn + 1, 0 empty). 0 when memory runs out. */
export function studyStackCreate(sets: u32, maxWays: u32): usize {
  if (sets == 0 || maxWays == 0) return 0;
  const s = studyAlloc(K_BYTES);
  const tags = studyAlloc(<usize>sets * <usize>maxWays << 3);
  if (s == 0 || tags == 0) return 0;
  store<u32>(s + K_SETS, sets);
  store<u32>(s + K_WAYS, maxWays);
  store<u32>(s + K_TAGS, <u32>tags);
  store<u32>(s + K_MASK, (sets & (sets - 1)) == 0 ? sets - 1 : NOT_FOUND);
  return s;
}

/** Look `vpn` up and make it the most recent of its set: its depth before the access, or NOT_FOUND. */
function stackAccess(s: usize, vpn: u64): u32 {
  const mask = load<u32>(s + K_MASK), ways = load<u32>(s + K_WAYS);
  const set = mask != NOT_FOUND ? <u32>vpn & mask : <u32>(vpn % <u64>load<u32>(s + K_SETS));
  const t = <usize>load<u32>(s + K_TAGS) + ((<usize>set * <usize>ways) << 3);
  const key = vpn + 1;
  let depth = NOT_FOUND, end = ways - 1;        // the entry the shift overwrites: the found one, the first empty or the last
  for (let i: u32 = 0; i < ways; i++) {
    const tag = load<u64>(t + (<usize>i << 3));
    if (tag == key) { depth = i; end = i; break; }
    if (tag == 0) { end = i; break; }
  }
  for (let i = end; i > 0; i--) store<u64>(t + (<usize>i << 3), load<u64>(t + (<usize>(i - 1) << 3)));
  store<u64>(t, key);
  return depth;
}

/** An L1 miss of configuration `c` whose STLB answer is known (`hit`): counters, walk, hash. */
@inline function belowL1Known(c: usize, hit: bool, meta: u64, vpn: u64, pa: u64): void {
  let outcome = OUTCOME_STLB;
  if (hit) {
    bump(c, SS_STLB_HITS);
  } else {
    bump(c, SS_STLB_MISSES);
    walkRefs(c, vpn, false);
    if ((meta & REC_FIRST_TOUCH) != 0) { bump(c, SS_FAULTS); outcome = OUTCOME_FAULT; } else outcome = OUTCOME_WALK;
  }
  const h = statAt(c, SS_OUTCOME_HASH);
  store<u64>(h, hashStep(load<u64>(h), pa, <u64>outcome));
}

/**
 * In `stacks`, per configuration: u32 stack (0: the configuration's own STLB), then a u32:
 * STACK_FIRST on the first configuration of its stack, STACK_ZONES for fully associative
 * zones (lruZones.ts) rather than a per-set stack, and below them the bound a hit lies
 * under: the ways (the depth found must be less), or the size's index + 1 (the zone).
 */
const STACK_FIRST: u32 = 0x80000000;
const STACK_ZONES: u32 = 0x40000000;
const STACK_BELOW: u32 = 0x3fffffff;

/**
 * studyRunMany for `n` configurations (u32 addresses at `list`) whose iTLB and dTLB are
 * identical: the first one's L1 TLBs stand for all. Same contract: stops before the record
 * numbered the first configuration's CFG_STOP_AT; returns the translations consumed.
 * `stacks` holds two u32 per configuration: its LRU stack (studyStackCreate or
 * studyZonesCreate; 0: its own STLB) and the word above, STACK_FIRST set on the first
 * configuration of each stack (the members of a stack are listed together).
 */
export function studyRunShared(list: usize, stacks: usize, n: u32, recs: usize, count: u32): u32 {
  if (n == 0) return count;
  const c0 = <usize>load<u32>(list);
  const itlb = <usize>load<u32>(c0 + CFG_ITLB), dtlb = <usize>load<u32>(c0 + CFG_DTLB);
  let lastI = load<u64>(c0 + CFG_LAST_I), lastD = load<u64>(c0 + CFG_LAST_D);
  let seen = load<u64>(c0 + CFG_RECORDS_SEEN);
  const stop = load<u64>(c0 + CFG_STOP_AT);
  let records: u64 = 0, fetches: u64 = 0, ih: u64 = 0, im: u64 = 0, dh: u64 = 0, dm: u64 = 0;
  let i: u32 = 0;
  for (; i < count; i++) {
    const r = recs + <usize>i * STUDY_RECORD_BYTES;
    const meta = load<u64>(r, 8);
    const pa = load<u64>(r);
    const instr = (meta & REC_INSTR) != 0;
    if ((meta & REC_RECORD_START) != 0) {
      if (seen == stop) break;
      seen++;
      records++;
      if (instr) fetches++;
    }
    const vpn = meta >> REC_VPN_SHIFT;
    let hit: bool;
    let l1: usize;
    if (instr) {
      l1 = itlb;
      hit = vpn == lastI || tlbLookup(itlb, vpn);
      lastI = vpn;
      if (hit) ih++; else im++;
    } else {
      l1 = dtlb;
      hit = vpn == lastD || tlbLookup(dtlb, vpn);
      lastD = vpn;
      if (hit) dh++; else dm++;
    }
    if (hit) {
      for (let j: u32 = 0; j < n; j++) {
        const h = statAt(<usize>load<u32>(list + (<usize>j << 2)), SS_OUTCOME_HASH);
        store<u64>(h, hashStep(load<u64>(h), pa, <u64>OUTCOME_L1));
      }
    } else {
      let depth = NOT_FOUND;
      for (let j: u32 = 0; j < n; j++) {
        const c = <usize>load<u32>(list + (<usize>j << 2));
        const s = <usize>load<u32>(stacks + (<usize>j << 3));
        if (s == 0) { belowL1(c, meta, vpn, pa); continue; }
        const w = load<u32>(stacks + (<usize>j << 3) + 4);
        if ((w & STACK_FIRST) != 0) depth = (w & STACK_ZONES) != 0 ? zonesAccess(s, vpn) : stackAccess(s, vpn);
        belowL1Known(c, depth < (w & STACK_BELOW), meta, vpn, pa);
      }
      tlbInsert(l1, vpn);
    }
  }
  for (let j: u32 = 0; j < n; j++) {
    const c = <usize>load<u32>(list + (<usize>j << 2));
    add(c, SS_RECORDS, records); add(c, SS_FETCH_RECORDS, fetches); add(c, SS_TRANSLATIONS, <u64>i);
    add(c, SS_ITLB_HITS, ih); add(c, SS_ITLB_MISSES, im); add(c, SS_DTLB_HITS, dh); add(c, SS_DTLB_MISSES, dm);
    store<u64>(c + CFG_RECORDS_SEEN, seen);
    store<u64>(c + CFG_LAST_I, lastI);
    store<u64>(c + CFG_LAST_D, lastD);
  }
  return i;
}
