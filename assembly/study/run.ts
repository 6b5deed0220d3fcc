// The study's replay of decoded translations (assembly/replay.ts's decode mode wrote them):
// the model of trace-replay.md §4 — L1 iTLB or dTLB, then the STLB, then a walk — over
// one configuration's TLBs, counting what replay counts and hashing the outcome. The page
// table, the frames and the faults do not depend on the TLBs, so the decode did them
// once for every configuration; a record tells this loop its physical address and
// whether it is the page's first touch (the walk that takes the fault).
import {
  CFG_BYTES, CFG_DTLB, CFG_ITLB, CFG_LAST_D, CFG_LAST_I, CFG_RECORDS_SEEN, CFG_STATS, CFG_STLB, CFG_STOP_AT, REC_FIRST_TOUCH, REC_INSTR,
  REC_RECORD_START, REC_VPN_SHIFT, SS_DTLB_HITS, SS_DTLB_MISSES, SS_FAULTS, SS_FETCH_RECORDS, SS_FIELDS, SS_ITLB_HITS,
  SS_ITLB_MISSES, SS_OUTCOME_HASH, SS_RECORDS, SS_STLB_HITS, SS_STLB_MISSES, SS_TRANSLATIONS, STUDY_RECORD_BYTES,
} from "../constants/study";
import { FNV_OFFSET, FNV_PRIME, OUTCOME_FAULT, OUTCOME_L1, OUTCOME_STLB, OUTCOME_WALK } from "../constants/replay";
import { studyAlloc } from "./heap";
import { tlbInsert, tlbLookup } from "./tlb";

/** A configuration: its three TLBs (studyTlbCreate), statistics zeroed. 0 when memory runs out. */
export function studyConfigCreate(itlb: usize, dtlb: usize, stlb: usize): usize {
  if (itlb == 0 || dtlb == 0 || stlb == 0) return 0;
  const c = studyAlloc(CFG_BYTES);
  if (c == 0) return 0;
  store<u32>(c + CFG_ITLB, <u32>itlb);
  store<u32>(c + CFG_DTLB, <u32>dtlb);
  store<u32>(c + CFG_STLB, <u32>stlb);
  store<u64>(c + CFG_STOP_AT, 0xffffffffffffffff);
  store<u64>(c + CFG_LAST_I, 0xffffffffffffffff);
  store<u64>(c + CFG_LAST_D, 0xffffffffffffffff);
  studyResetStats(c);
  return c;
}

/** Zero the statistics (the end of a warm-up, the start of an interval); the TLBs keep their contents. */
export function studyResetStats(c: usize): void {
  memory.fill(c + CFG_STATS, 0, <usize>SS_FIELDS << 3);
  store<u64>(c + CFG_STATS + (<usize>SS_OUTCOME_HASH << 3), FNV_OFFSET);
}

@inline function fnvByte(h: u64, b: u64): u64 { return (h ^ b) * FNV_PRIME; }
@inline function fnv8(h: u64, v: u64): u64 {
  h = fnvByte(h, v & 0xff); h = fnvByte(h, (v >> 8) & 0xff);
  h = fnvByte(h, (v >> 16) & 0xff); h = fnvByte(h, (v >> 24) & 0xff);
  h = fnvByte(h, (v >> 32) & 0xff); h = fnvByte(h, (v >> 40) & 0xff);
  h = fnvByte(h, (v >> 48) & 0xff); return fnvByte(h, v >> 56);
}

@inline function statAt(c: usize, f: u32): usize { return c + CFG_STATS + (<usize>f << 3); }

/**
 * Run configuration `c` over `count` records at `recs`, stopping early before the record
 * whose number (from 0) is the block's CFG_STOP_AT. Returns the translations consumed.
 */
export function studyRun(c: usize, recs: usize, count: u32): u32 {
  const itlb = <usize>load<u32>(c + CFG_ITLB), dtlb = <usize>load<u32>(c + CFG_DTLB), stlb = <usize>load<u32>(c + CFG_STLB);
  let seen = load<u64>(c + CFG_RECORDS_SEEN);
  const stop = load<u64>(c + CFG_STOP_AT);
  let records = load<u64>(statAt(c, SS_RECORDS)), fetches = load<u64>(statAt(c, SS_FETCH_RECORDS));
  let translations = load<u64>(statAt(c, SS_TRANSLATIONS));
  let iHits = load<u64>(statAt(c, SS_ITLB_HITS)), iMisses = load<u64>(statAt(c, SS_ITLB_MISSES));
  let dHits = load<u64>(statAt(c, SS_DTLB_HITS)), dMisses = load<u64>(statAt(c, SS_DTLB_MISSES));
  let sHits = load<u64>(statAt(c, SS_STLB_HITS)), sMisses = load<u64>(statAt(c, SS_STLB_MISSES));
  let faults = load<u64>(statAt(c, SS_FAULTS)), hash = load<u64>(statAt(c, SS_OUTCOME_HASH));
  // The page each L1 was last asked for: it is in that L1 and is its set's most recent
  // entry (a hit made it so, or the miss inserted it), so asking again is a hit that
  // changes no policy state (LRU order, PLRU bits, FIFO and random order) and is counted
  // without a lookup. Only this path's translations touch an L1, so it stays true until
  // the next translation on the same path.
  let lastI: u64 = 0xffffffffffffffff, lastD: u64 = 0xffffffffffffffff;
  let i: u32 = 0;
  for (; i < count; i++) {
    const r = recs + <usize>i * STUDY_RECORD_BYTES;
    const meta = load<u64>(r, 8);
    const instr = (meta & REC_INSTR) != 0;
    if ((meta & REC_RECORD_START) != 0) {
      if (seen == stop) break;
      seen++; records++;
      if (instr) fetches++;
    }
    translations++;
    const vpn = meta >> REC_VPN_SHIFT;
    const l1 = instr ? itlb : dtlb;
    let outcome = OUTCOME_L1;
    const last = instr ? lastI : lastD;
    if (instr) lastI = vpn; else lastD = vpn;
    if (vpn == last || tlbLookup(l1, vpn)) {
      if (instr) iHits++; else dHits++;
    } else {
      if (instr) iMisses++; else dMisses++;
      if (tlbLookup(stlb, vpn)) {
        sHits++;
        outcome = OUTCOME_STLB;
      } else {
        sMisses++;
        if ((meta & REC_FIRST_TOUCH) != 0) { faults++; outcome = OUTCOME_FAULT; } else outcome = OUTCOME_WALK;
        tlbInsert(stlb, vpn);
      }
      tlbInsert(l1, vpn);
    }
    hash = fnvByte(fnv8(hash, load<u64>(r)), <u64>outcome);
  }
  store<u64>(c + CFG_RECORDS_SEEN, seen);
  store<u64>(statAt(c, SS_RECORDS), records); store<u64>(statAt(c, SS_FETCH_RECORDS), fetches);
  store<u64>(statAt(c, SS_TRANSLATIONS), translations);
  store<u64>(statAt(c, SS_ITLB_HITS), iHits); store<u64>(statAt(c, SS_ITLB_MISSES), iMisses);
  store<u64>(statAt(c, SS_DTLB_HITS), dHits); store<u64>(statAt(c, SS_DTLB_MISSES), dMisses);
  store<u64>(statAt(c, SS_STLB_HITS), sHits); store<u64>(statAt(c, SS_STLB_MISSES), sMisses);
  store<u64>(statAt(c, SS_FAULTS), faults); store<u64>(statAt(c, SS_OUTCOME_HASH), hash);
  return i;
}

@inline function bump(c: usize, f: u32): void { const a = statAt(c, f); store<u64>(a, load<u64>(a) + 1); }

/** One translation of configuration `c` (studyRun's body, its counters in memory). */
@inline function simulate(c: usize, meta: u64, pa: u64): void {
  const instr = (meta & REC_INSTR) != 0;
  const vpn = meta >> REC_VPN_SHIFT;
  const lastAt = c + (instr ? CFG_LAST_I : CFG_LAST_D);
  const last = load<u64>(lastAt);
  store<u64>(lastAt, vpn);
  let outcome = OUTCOME_L1;
  const l1 = <usize>load<u32>(c + (instr ? CFG_ITLB : CFG_DTLB));
  if (vpn == last || tlbLookup(l1, vpn)) {
    bump(c, instr ? SS_ITLB_HITS : SS_DTLB_HITS);
  } else {
    bump(c, instr ? SS_ITLB_MISSES : SS_DTLB_MISSES);
    const stlb = <usize>load<u32>(c + CFG_STLB);
    if (tlbLookup(stlb, vpn)) {
      bump(c, SS_STLB_HITS);
      outcome = OUTCOME_STLB;
    } else {
      bump(c, SS_STLB_MISSES);
      if ((meta & REC_FIRST_TOUCH) != 0) { bump(c, SS_FAULTS); outcome = OUTCOME_FAULT; } else outcome = OUTCOME_WALK;
      tlbInsert(stlb, vpn);
    }
    tlbInsert(l1, vpn);
  }
  const h = statAt(c, SS_OUTCOME_HASH);
  store<u64>(h, fnvByte(fnv8(load<u64>(h), pa), <u64>outcome));
}

/**
 * studyRun for the `n` configurations listed (u32 addresses) at `list`, every one over each
 * record before the next: their outcome hashes are independent chains of multiplies, which
 * the processor overlaps (one configuration at a time waits on its own chain). They share
 * the position and the stop (the first one's): warm-up and intervals are the same for all.
 */
export function studyRunMany(list: usize, n: u32, recs: usize, count: u32): u32 {
  if (n == 0) return count;
  const c0 = <usize>load<u32>(list);
  let seen = load<u64>(c0 + CFG_RECORDS_SEEN);
  const stop = load<u64>(c0 + CFG_STOP_AT);
  let i: u32 = 0;
  for (; i < count; i++) {
    const r = recs + <usize>i * STUDY_RECORD_BYTES;
    const meta = load<u64>(r, 8);
    const pa = load<u64>(r);
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
      simulate(c, meta, pa);
    }
  }
  for (let j: u32 = 0; j < n; j++) store<u64>(<usize>load<u32>(list + (<usize>j << 2)) + CFG_RECORDS_SEEN, seen);
  return i;
}
