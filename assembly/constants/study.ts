// TLB studies (assembly/study/): the decoded-translation record, the replacement
// policies, the TLB descriptor and the per-configuration block the host reads.
//
//  translation record (STUDY_RECORD_BYTES = 16), written by the replay's decode mode:
//   0  u64 pa · 8 u64 meta = vpn << REC_VPN_SHIFT | REC_* flags | kind << REC_KIND_SHIFT

export const STUDY_RECORD_BYTES: u32 = 16;
/** The translation is on the instruction path (an I record). */
export const REC_INSTR: u32 = 1;
/** The first translation of this page in the trace: it takes the demand-paging fault. */
export const REC_FIRST_TOUCH: u32 = 2;
/** The first translation of its trace record (warm-up and intervals count records). */
export const REC_RECORD_START: u32 = 4;
/** Bits 5:4: the access kind, REC_KIND_FETCH / _LOAD / _STORE. */
export const REC_KIND_SHIFT: u32 = 4;
export const REC_KIND_FETCH: u32 = 0;
export const REC_KIND_LOAD: u32 = 1;
export const REC_KIND_STORE: u32 = 2;
export const REC_VPN_SHIFT: u32 = 8;
/**
 * The translation goes through a 2 MiB page (mixed page sizes: the THP-like page-size
 * policy); the vpn field stays the 4 KiB page number, a TLB keyed per 2 MiB drops its low 9 bits.
 */
export const REC_HUGE: u32 = 64;
/**
 * A promotion marker, not a translation: the 2 MiB region holding vpn became one huge page
 * (khugepaged's collapse); every TLB and walk cache drops the region's 4 KiB entries
 * (the flush of collapse_huge_page) before the next record.
 */
export const REC_PROMOTE: u32 = 128;
/**
 * A 2 MiB translation's TLB key: its 2 MiB page number with this bit set, so a 4 KiB and a
 * 2 MiB entry never alias; a TLB's set index ignores it (set = 2 MiB page number mod sets).
 */
export const STUDY_KEY_2M: u64 = <u64>1 << 62;
/** The THP-like policy's thresholds: a region collapses once N in 1..THP_MAX_THRESHOLD of its 4 KiB pages were touched. */
export const THP_MAX_THRESHOLD: u32 = 512;

// Replacement policies.
export const POLICY_LRU: u32 = 0;
export const POLICY_PLRU: u32 = 1;
export const POLICY_FIFO: u32 = 2;
export const POLICY_RANDOM: u32 = 3;
/** Ways up to this count are searched in their set; wider sets use a hash of tags. */
export const STUDY_SCAN_WAYS: u32 = 16;
/** The largest study TLB (entries). */
export const STUDY_MAX_ENTRIES: u32 = 1 << 22;

// Per-configuration block (studyConfigCreate): three TLB descriptors, the position in the
// record stream, where to stop, and the statistics (u64 fields from CFG_STATS).
export const CFG_ITLB: u32 = 0;
export const CFG_DTLB: u32 = 4;
export const CFG_STLB: u32 = 8;
/** u32 each: the paging-structure caches (Intel SDM §4.10.3), 0 for none; CFG_HUGE: 2 MiB pages (3-level walk). */
export const CFG_PML4C: u32 = 48;
export const CFG_PDPTC: u32 = 52;
export const CFG_PDEC: u32 = 56;
export const CFG_HUGE: u32 = 60;
/** u64: records started so far (never reset: the host's clock for warm-up and intervals). */
export const CFG_RECORDS_SEEN: u32 = 16;
/** u64: studyRun stops before the translation that would start record number CFG_STOP_AT. */
export const CFG_STOP_AT: u32 = 24;
/** u64 each: the page each L1 was last asked for (the repeat fast path), kept across calls. */
export const CFG_LAST_I: u32 = 32;
export const CFG_LAST_D: u32 = 40;
export const CFG_STATS: u32 = 64;
export const CFG_BYTES: u32 = 64 + 8 * 32;

// Statistics fields (u64 index from CFG_STATS).
export const SS_RECORDS: u32 = 0;
export const SS_FETCH_RECORDS: u32 = 1;
export const SS_TRANSLATIONS: u32 = 2;
export const SS_ITLB_HITS: u32 = 3;
export const SS_ITLB_MISSES: u32 = 4;
export const SS_DTLB_HITS: u32 = 5;
export const SS_DTLB_MISSES: u32 = 6;
export const SS_STLB_HITS: u32 = 7;
export const SS_STLB_MISSES: u32 = 8;
export const SS_FAULTS: u32 = 9;
export const SS_OUTCOME_HASH: u32 = 10;
/** Memory references of the walks: 4 (4 KiB pages) or 3 (2 MiB) less the levels a paging-structure cache gave. */
export const SS_WALK_REFS: u32 = 11;
export const SS_PML4C_HITS: u32 = 12;
export const SS_PDPTC_HITS: u32 = 13;
export const SS_PDEC_HITS: u32 = 14;
/** REC_PROMOTE markers met (THP-like policy): regions collapsed into 2 MiB pages. */
export const SS_PROMOTIONS: u32 = 15;
export const SS_FIELDS: u32 = 16;

// The levels form (assembly/study/levels.ts): a hierarchy of any number of levels, each
// serving some access kinds, with its inclusion and a shared or per-page-size array.
/** u32 in the configuration block: its levels block (studyLevelsCreate), 0 for the fixed iTLB/dTLB/STLB form. */
export const CFG_LEVELS: u32 = 12;
/** Levels block header: u32 level count, u32 address of the u64 statistics, u32 their count. */
export const LV_COUNT: u32 = 0;
export const LV_STATS_AT: u32 = 4;
export const LV_STATS_COUNT: u32 = 8;
export const LV_FIRST: u32 = 16;
/** Per level (LV_BYTES from LV_FIRST): u32 kinds served (bit 1 << REC_KIND_*), u32 inclusion, u32 4 KiB (or shared) array, u32 2 MiB array (0: shared). */
export const LV_KINDS: u32 = 0;
export const LV_INCLUSION: u32 = 4;
export const LV_TLB: u32 = 8;
export const LV_TLB_2M: u32 = 12;
export const LV_BYTES: u32 = 16;
/** A level's relation to the levels before it: fills with them (non-inclusive), holds all they hold (inclusive), holds their victims (exclusive). */
export const INCL_NON: u32 = 0;
export const INCL_INCLUSIVE: u32 = 1;
export const INCL_EXCLUSIVE: u32 = 2;
/** A shared array tags a 2 MiB page's number with this bit (4 KiB and 2 MiB numbers never collide). */
export const LV_HUGE_TAG: u64 = STUDY_KEY_2M;
/** Levels statistics (u64): LS_WALKS (all), LS_WALKS_2M (those of 2 MiB pages), then LS_FIELDS per level from LS_LEVEL0. */
export const LS_WALKS: u32 = 0;
export const LS_WALKS_2M: u32 = 1;
export const LS_LEVEL0: u32 = 2;
export const LS_HITS_4K: u32 = 0;
export const LS_MISSES_4K: u32 = 1;
export const LS_HITS_2M: u32 = 2;
export const LS_MISSES_2M: u32 = 3;
/** Entries removed from the levels before this one when an inclusive level evicted them. */
export const LS_BACK_INVALIDATIONS: u32 = 4;
/** Victims of the levels before this one taken in (an exclusive level's only fill). */
export const LS_VICTIM_FILLS: u32 = 5;
export const LS_FIELDS: u32 = 6;
