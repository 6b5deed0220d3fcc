// Linear-memory map of the core. Every region sits at a fixed offset so hot loops
// address it with constants; guest RAM comes last, at `ramOffset` (a runtime value so
// an embedder can place it inside a memory it already owns).
//
//  0x0000_0000 ┌──────────────────────────────┐
//              │ AssemblyScript static data    │  (checked < CORE_BASE at start-up)
//  CORE_BASE   ├──────────────────────────────┤
//              │ fault record       32 B       │
//              │ walk steps        256 B       │
//              │ counters          512 B       │
//              │ access→slot table  1 KiB      │
//              │ TLB geometry       64 B       │
//              │ rights table      128 B       │
//              ├──────────────────────────────┤
//              │ batch: VA   u64 × BATCH_CAP   │
//              │ batch: acc  u8  × BATCH_CAP   │
//              │ batch: out  i64 × BATCH_CAP   │
//              ├──────────────────────────────┤
//              │ fast TLB: 9 slots × N × 16 B  │  (tag u64, addend u64)
//              │ fast TLB fill list            │
//              │ fast TLB never-hit array      │  (for invalid access bytes)
//              ├──────────────────────────────┤
//              │ arch TLBs: 3 levels × SoA     │  (tags, frames, stamps u64; meta u32)
//              ├──────────────────────────────┤
//              │ replay: stats, hex table,     │
//              │   input 1 MiB, log 4 MiB      │
//  CORE_END    ├──────────────────────────────┤
//              │ guest RAM (default offset)    │
//              └──────────────────────────────┘

export const CORE_BASE: usize = 0x10000;

export const FAULT_OFFSET: usize = CORE_BASE;
export const WALK_OFFSET: usize = FAULT_OFFSET + 64;
export const COUNTERS_OFFSET: usize = WALK_OFFSET + 256;
export const ACC_SLOT_OFFSET: usize = COUNTERS_OFFSET + 512;
export const TLB_GEOMETRY_OFFSET: usize = ACC_SLOT_OFFSET + 1024;   // 256 access bytes × u32
/** The rights decision per (access byte, R/W, U/S, XD): see assembly/arch/x86/rights.ts. */
export const RIGHTS_TABLE_OFFSET: usize = TLB_GEOMETRY_OFFSET + 64;

// Walk steps: a count, then one record per level visited (root first).
//  step record: level u32 @0, flags u32 @4 (WALK_STEP_*), entry address u64 @8,
//               value before u64 @16, value after u64 @24.
export const WALK_COUNT: usize = 0;
export const WALK_STEPS: usize = 8;
export const WALK_STEP_SIZE: usize = 32;
export const WALK_STEP_LEVEL: usize = 0;
export const WALK_STEP_FLAGS: usize = 4;
export const WALK_STEP_ADDR: usize = 8;
export const WALK_STEP_BEFORE: usize = 16;
export const WALK_STEP_AFTER: usize = 24;
export const WALK_MAX_STEPS: u32 = 6;
/** The step read a PAE PDPTE register, not memory. */
export const WALK_STEP_REGISTER: u32 = 1;
/** The step's entry was 4 bytes (32-bit paging). */
export const WALK_STEP_NARROW: u32 = 2;

// Counters: one block of COUNTER_FIELDS u64 per TLB level, then the totals block.
export const TLB_FAST: u32 = 0;
export const TLB_ITLB: u32 = 1;
export const TLB_DTLB: u32 = 2;
export const TLB_STLB: u32 = 3;
export const TLB_LEVELS: u32 = 4;
export const CNT_HITS: u32 = 0;
export const CNT_MISSES: u32 = 1;
export const CNT_WALKS: u32 = 2;
export const CNT_FAULTS: u32 = 3;
export const CNT_EVICTIONS: u32 = 4;
export const COUNTER_FIELDS: u32 = 8;
export const TOTALS_BLOCK: u32 = TLB_LEVELS;
export const TOT_TRANSLATIONS: u32 = 0;
export const TOT_WALKS: u32 = 1;
export const TOT_FAULTS: u32 = 2;
export const TOT_ENTRY_READS: u32 = 3;
export const TOT_AD_WRITES: u32 = 4;
export const TOT_INVALIDATIONS: u32 = 5;

// Batches cross the boundary once per call; 4096+ items amortise the call to noise.
export const BATCH_CAPACITY: u32 = 65536;
/** translateBatch's answer to a count or start that would run past the buffers. */
export const BATCH_REFUSED: u32 = 0xffffffff;
export const BATCH_VA_OFFSET: usize = CORE_BASE + 0x10000;
export const BATCH_ACC_OFFSET: usize = BATCH_VA_OFFSET + <usize>BATCH_CAPACITY * 8;
export const BATCH_OUT_OFFSET: usize = BATCH_ACC_OFFSET + <usize>BATCH_CAPACITY;

// Fast TLB: 3 contexts (user, supervisor, supervisor with EFLAGS.AC=1) × 3 access kinds.
export const FAST_SLOTS: u32 = 9;
export const FAST_ENTRY_SIZE: usize = 16;
/** Byte offsets in a fast-TLB entry: the page VA (tag, all ones when empty), then PA page − VA page. */
export const FAST_ENTRY_TAG: usize = 0;
export const FAST_ENTRY_ADDEND: usize = 8;
export const FAST_MAX_ENTRIES: u32 = 1 << 16;
export const FAST_OFFSET: usize = BATCH_OUT_OFFSET + <usize>BATCH_CAPACITY * 8;
export const FAST_LIST_CAPACITY: u32 = 16384;
export const FAST_LIST_OFFSET: usize = FAST_OFFSET + <usize>(FAST_SLOTS * FAST_MAX_ENTRIES) * FAST_ENTRY_SIZE;
/**
 * A tag array that is all ones and never written: the slot of every invalid access byte,
 * so the hit test (one load, one compare) fails for it without a separate check and the
 * miss path reports FAULT_BAD_ACCESS.
 */
export const FAST_NEVER_OFFSET: usize = FAST_LIST_OFFSET + <usize>FAST_LIST_CAPACITY * 4;

// Architectural TLBs (L1 iTLB, L1 dTLB, STLB), structure of arrays per level so a
// set's tags share cache lines. Each array starts ARCH_SKEW bytes further into a 4 KiB
// page than the one before: arrays a power of two apart make entry i of every array
// share address bits 11:0, and a store to one (the LRU stamp) then stalls the next
// load from another (4K aliasing) — measured at ~3× the cost of an L1 hit.
export const ARCH_MAX_ENTRIES: u32 = 1 << 16;
export const ARCH_SKEW: usize = 0x340;
export const ARCH_TAGS: usize = 0;
export const ARCH_FRAMES: usize = <usize>ARCH_MAX_ENTRIES * 8 + ARCH_SKEW;
export const ARCH_STAMPS: usize = <usize>ARCH_MAX_ENTRIES * 16 + 2 * ARCH_SKEW;
export const ARCH_META: usize = <usize>ARCH_MAX_ENTRIES * 24 + 3 * ARCH_SKEW;
export const ARCH_LEVEL_BYTES: usize = <usize>ARCH_MAX_ENTRIES * 28 + 5 * ARCH_SKEW;
export const ARCH_OFFSET: usize = FAST_NEVER_OFFSET + <usize>FAST_MAX_ENTRIES * FAST_ENTRY_SIZE;

// Trace replay (assembly/replay.ts): whole lines of lackey text in, counters, hashes
// and (optionally) a per-translation log out.
export const REPLAY_STATS_OFFSET: usize = ARCH_OFFSET + 3 * ARCH_LEVEL_BYTES;
export const REPLAY_STATS_SIZE: usize = 256;
export const REPLAY_HEX_OFFSET: usize = REPLAY_STATS_OFFSET + REPLAY_STATS_SIZE;   // 256 B: hex digit value, or 0xff
export const REPLAY_IN_OFFSET: usize = (REPLAY_HEX_OFFSET + 256 + 0xffff) & ~0xffff;
export const REPLAY_IN_CAPACITY: u32 = 1 << 20;
export const REPLAY_LOG_OFFSET: usize = REPLAY_IN_OFFSET + <usize>REPLAY_IN_CAPACITY;
export const REPLAY_LOG_RECORD: u32 = 32;
export const REPLAY_LOG_CAPACITY: u32 = 1 << 17;   // records; the host feeds at most LOG_INPUT bytes per call when logging
/** Input bytes per call when logging: a line is at least 6 bytes and makes at most 4 translations. */
export const REPLAY_LOG_INPUT: u32 = (REPLAY_LOG_CAPACITY / 4) * 6;
/**
 * The same for the study's THP-like decode: a line may also make a promotion marker for
 * each of its (at most 2) pages, so at most 6 records per line of at least 6 bytes.
 */
export const REPLAY_LOG_INPUT_THP: u32 = (REPLAY_LOG_CAPACITY / 6) * 6;

/** First byte after the core's regions, 1 MiB aligned: the default RAM base. */
export const CORE_END: usize = (REPLAY_LOG_OFFSET + <usize>REPLAY_LOG_CAPACITY * REPLAY_LOG_RECORD + 0xfffff) & ~0xfffff;
