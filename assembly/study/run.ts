// The study's replay of decoded translations (assembly/replay.ts's decode mode wrote them):
// the model of trace-replay.md §4 — L1 iTLB or dTLB, then the STLB, then a walk — over
// one configuration's TLBs, counting what replay counts and hashing the outcome. The page
// table, the frames and the faults do not depend on the TLBs, so the decode did them
// once for every configuration; a record tells this loop its physical address and
// whether it is the page's first touch (the walk that takes the fault). With the THP-like
// page-size policy a record may go through a 2 MiB page (REC_HUGE) or be a promotion
// marker (REC_PROMOTE): the region's 4 KiB entries leave every TLB and the PDE cache.
import {
  CFG_BYTES, CFG_DTLB, CFG_ITLB, CFG_LAST_D, CFG_LAST_I, CFG_RECORDS_SEEN, CFG_STATS, CFG_STLB, CFG_STOP_AT, REC_FIRST_TOUCH, REC_INSTR,
  REC_RECORD_START, REC_VPN_SHIFT, SS_DTLB_HITS, SS_DTLB_MISSES, SS_FAULTS, SS_FETCH_RECORDS, SS_FIELDS, SS_ITLB_HITS,
  SS_ITLB_MISSES, SS_OUTCOME_HASH, SS_WALK_REFS, SS_PML4C_HITS, SS_PDPTC_HITS, SS_PDEC_HITS, CFG_PML4C, CFG_PDPTC,
  CFG_PDEC, CFG_HUGE, CFG_LEVELS, LV_STATS_AT, LV_STATS_COUNT, SS_RECORDS, SS_STLB_HITS, SS_STLB_MISSES, SS_TRANSLATIONS, STUDY_RECORD_BYTES,
  REC_HUGE, REC_PROMOTE, SS_PROMOTIONS, STUDY_KEY_2M,
} from "../constants/study";
import { FNV_OFFSET, FNV_PRIME, OUTCOME_FAULT, OUTCOME_L1, OUTCOME_STLB, OUTCOME_WALK } from "../constants/replay";
import { studyAlloc } from "./heap";
import { tlbInsert, tlbLookup, tlbRemove } from "./tlb";

/** CFG_LAST_I / CFG_LAST_D when no page was asked for (no key equals it). */
const NO_PAGE: u64 = 0xffffffffffffffff;

/** A configuration: its three TLBs (studyTlbCreate), statistics zeroed. 0 when memory runs out. */
export function studyConfigCreate(itlb: usize, dtlb: usize, stlb: usize): usize {
  if (itlb == 0 || dtlb == 0 || stlb == 0) return 0;
  const c = studyAlloc(CFG_BYTES);
  if (c == 0) return 0;
  store<u32>(c + CFG_ITLB, <u32>itlb);
  store<u32>(c + CFG_DTLB, <u32>dtlb);
  store<u32>(c + CFG_STLB, <u32>stlb);
  store<u64>(c + CFG_STOP_AT, 0xffffffffffffffff);
  store<u64>(c + CFG_LAST_I, NO_PAGE);
  store<u64>(c + CFG_LAST_D, NO_PAGE);
  studyResetStats(c);
  return c;
}

/**
 * Give configuration `c` paging-structure caches (descriptors from studyTlbCreate, 0 for
 * none) and its page size (`huge`: 2 MiB pages, a 3-level walk, no PDE cache).
 */
export function studyConfigWalk(c: usize, pml4: usize, pdpt: usize, pde: usize, huge: bool): void {
  store<u32>(c + CFG_PML4C, <u32>pml4);
  store<u32>(c + CFG_PDPTC, <u32>pdpt);
  store<u32>(c + CFG_PDEC, <u32>pde);
  store<u32>(c + CFG_HUGE, huge ? 1 : 0);
}

/**
 * A walk's memory references after the paging-structure caches (SDM §4.10.3.3): the
 * walk starts from the lowest cache that holds its entry — PDE cache (the PTE is the
 * only read), else PDPTE cache, else PML4E cache, else CR3 (every level read) — and the
 * non-leaf entries it read are cached. Keys are the address's upper bits: the PML4E's
 * 47:39, the PDPTE's 47:30, the PDE's 47:21. A 2 MiB page (a configuration of 2 MiB
 * pages, or a REC_HUGE record) has the PDE as its leaf: 3 levels, the PDE cache unused.
 * `vpn` is the record's page number (2 MiB pages in a CFG_HUGE configuration, else 4 KiB).
 */
@inline export function walkRefs(c: usize, vpn: u64, hugeRecord: bool): void {
  const c4 = <usize>load<u32>(c + CFG_PML4C), c3 = <usize>load<u32>(c + CFG_PDPTC), c2 = <usize>load<u32>(c + CFG_PDEC);
  const hugeConfig = load<u32>(c + CFG_HUGE) != 0;
  const huge = hugeConfig || hugeRecord;
  // Keys from the 4 KiB page number: PDE = v4 >> 9, PDPTE >> 18, PML4E >> 27.
  const v4 = hugeConfig ? vpn << 9 : vpn;
  const k2 = v4 >> 9, k3 = v4 >> 18, k4 = v4 >> 27;
  const levels: u64 = huge ? 3 : 4;
  let refs = levels;
  if (!huge && c2 != 0 && tlbLookup(c2, k2)) { refs = 1; bump(c, SS_PDEC_HITS); }
  else if (c3 != 0 && tlbLookup(c3, k3)) { refs = levels - 2; bump(c, SS_PDPTC_HITS); }
  else if (c4 != 0 && tlbLookup(c4, k4)) { refs = levels - 1; bump(c, SS_PML4C_HITS); }
  // Cache the non-leaf entries this walk read.
  if (refs == levels && c4 != 0) tlbInsert(c4, k4);
  if (refs >= levels - 1 && c3 != 0) tlbInsert(c3, k3);
  if (!huge && refs >= 2 && c2 != 0) tlbInsert(c2, k2);
  const a = statAt(c, SS_WALK_REFS);
  store<u64>(a, load<u64>(a) + refs);
}

/**
 * A REC_PROMOTE marker: the 2 MiB region holding 4 KiB page `vpn` became one huge page.
 * As collapse_huge_page's flush of the range, its 512 pages leave the iTLB, dTLB and STLB,
 * and its PDE (which pointed to the freed page table) leaves the PDE cache; the PDPTE and
 * PML4E did not change. The repeat fast path forgets its pages (one may have gone).
 */
function promote(c: usize, vpn: u64): void {
  const i = <usize>load<u32>(c + CFG_ITLB), d = <usize>load<u32>(c + CFG_DTLB), s = <usize>load<u32>(c + CFG_STLB);
  const first = vpn & ~(<u64>511);
  for (let p = first; p < first + 512; p++) { tlbRemove(i, p); tlbRemove(d, p); tlbRemove(s, p); }
  const c2 = <usize>load<u32>(c + CFG_PDEC);
  if (c2 != 0) tlbRemove(c2, vpn >> 9);
  store<u64>(c + CFG_LAST_I, NO_PAGE);
  store<u64>(c + CFG_LAST_D, NO_PAGE);
  bump(c, SS_PROMOTIONS);
}

/** Zero the statistics (the end of a warm-up, the start of an interval); the TLBs keep their contents. */
export function studyResetStats(c: usize): void {
  memory.fill(c + CFG_STATS, 0, <usize>SS_FIELDS << 3);
  store<u64>(c + CFG_STATS + (<usize>SS_OUTCOME_HASH << 3), FNV_OFFSET);
  const lv = <usize>load<u32>(c + CFG_LEVELS);
  if (lv != 0) memory.fill(<usize>load<u32>(lv + LV_STATS_AT), 0, <usize>load<u32>(lv + LV_STATS_COUNT) << 3);
}

@inline export function fnvByte(h: u64, b: u64): u64 { return (h ^ b) * FNV_PRIME; }
@inline export function fnv8(h: u64, v: u64): u64 {
  h = fnvByte(h, v & 0xff); h = fnvByte(h, (v >> 8) & 0xff);
  h = fnvByte(h, (v >> 16) & 0xff); h = fnvByte(h, (v >> 24) & 0xff);
  h = fnvByte(h, (v >> 32) & 0xff); h = fnvByte(h, (v >> 40) & 0xff);
  h = fnvByte(h, (v >> 48) & 0xff); return fnvByte(h, v >> 56);
}

@inline export function statAt(c: usize, f: u32): usize { return c + CFG_STATS + (<usize>f << 3); }
@inline export function bump(c: usize, f: u32): void { const a = statAt(c, f); store<u64>(a, load<u64>(a) + 1); }

/** studyRunMany's list for studyRun: one configuration. */
const ONE: usize = memory.data(4);

/**
 * Run configuration `c` over `count` records at `recs`, stopping early before the record
 * whose number (from 0) is the block's CFG_STOP_AT. Returns the translations consumed.
 */
export function studyRun(c: usize, recs: usize, count: u32): u32 {
  store<u32>(ONE, <u32>c);
  return studyRunMany(ONE, 1, recs, count);
}


/**
 * One translation of configuration `c` (studyRun's body, its counters in memory). A
 * REC_HUGE record is looked up and inserted by its 2 MiB page (key STUDY_KEY_2M | vpn >> 9).
 */
@inline function simulate(c: usize, meta: u64, pa: u64): void {
  const instr = (meta & REC_INSTR) != 0;
  const hugeRecord = (meta & REC_HUGE) != 0;
  const page = meta >> REC_VPN_SHIFT;
  const vpn = hugeRecord ? STUDY_KEY_2M | (page >> 9) : page;
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
      walkRefs(c, page, hugeRecord);
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
    if ((meta & REC_PROMOTE) != 0) {     // a marker, not a translation (never a record's first)
      for (let j: u32 = 0; j < n; j++) promote(<usize>load<u32>(list + (<usize>j << 2)), meta >> REC_VPN_SHIFT);
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
      simulate(c, meta, pa);
    }
  }
  for (let j: u32 = 0; j < n; j++) store<u64>(<usize>load<u32>(list + (<usize>j << 2)) + CFG_RECORDS_SEEN, seen);
  return i;
}
