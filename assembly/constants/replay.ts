// Trace replay: the statistics block (u64 fields at REPLAY_STATS_OFFSET, in the order
// of trace-replay.md §8 after the configuration), status codes and the log record.
//
//  log record (REPLAY_LOG_RECORD = 32 B):
//   0  u64 line · 8  u64 va · 16 u64 pa · 24 u8 kind letter (I/L/S) · 25 u8 outcome

export const RS_LINES: u32 = 0;
export const RS_RECORDS: u32 = 1;
export const RS_RECORDS_I: u32 = 2;
export const RS_RECORDS_L: u32 = 3;
export const RS_RECORDS_S: u32 = 4;
export const RS_RECORDS_M: u32 = 5;
export const RS_TRANSLATIONS: u32 = 6;
export const RS_ITLB_HITS: u32 = 7;
export const RS_ITLB_MISSES: u32 = 8;
export const RS_DTLB_HITS: u32 = 9;
export const RS_DTLB_MISSES: u32 = 10;
export const RS_STLB_HITS: u32 = 11;
export const RS_STLB_MISSES: u32 = 12;
export const RS_WALKS: u32 = 13;
export const RS_PAGE_FAULTS: u32 = 14;
export const RS_PAGE_TABLE_PAGES: u32 = 15;
export const RS_PHYS_HASH: u32 = 16;
export const RS_OUTCOME_HASH: u32 = 17;
export const RS_ERROR_LINE: u32 = 18;
export const RS_LOG_COUNT: u32 = 19;
export const RS_FRAMES: u32 = 20;
/** Where the line RS_ERROR_LINE starts: its byte offset in the chunk that failed. */
export const RS_ERROR_OFFSET: u32 = 21;
export const RS_FIELDS: u32 = 22;

// replayChunk results.
export const REPLAY_OK: i32 = 0;
export const REPLAY_MALFORMED: i32 = 1;
export const REPLAY_BAD_SIZE: i32 = 2;
export const REPLAY_BAD_ADDRESS: i32 = 3;
/** The frames the trace needs do not fit the largest WebAssembly memory. */
export const REPLAY_OUT_OF_MEMORY: i32 = 4;
/**
 * The host's fault, nothing replayed: `replayChunk(len)` with len beyond the input region
 * (beyond REPLAY_LOG_INPUT when logging, so the log cannot overflow), or a chunk whose
 * last byte is not '\n' (the parser stops only at one).
 */
export const REPLAY_BAD_LENGTH: i32 = 5;
/** The walk after a demand fault faulted: the control state was changed under the replay. */
export const REPLAY_WALK_FAULT: i32 = 6;
/** `replayConfigure` with a page shift other than 12 or 21 (nothing configured), or `replayChunk` before any. */
export const REPLAY_BAD_CONFIG: i32 = 7;

/** Replay runs a level with more ways than this on a study TLB (replayWide), not the arch TLB's scan. */
export const REPLAY_WIDE_WAYS: u32 = 32;

// replayConfigure's log modes.
export const REPLAY_LOG_NONE: u32 = 0;
/** The per-translation log (REPLAY_LOG_RECORD records; the host prints them as text). */
export const REPLAY_LOG_TEXT: u32 = 1;
/** The study's decode: STUDY_RECORD_BYTES translation records (constants/study.ts). */
export const REPLAY_LOG_DECODE: u32 = 2;

// Outcomes (trace-replay.md §7).
export const OUTCOME_L1: u32 = 0;
export const OUTCOME_STLB: u32 = 1;
export const OUTCOME_WALK: u32 = 2;
export const OUTCOME_FAULT: u32 = 3;

export const FNV_OFFSET: u64 = 0xcbf29ce484222325;
export const FNV_PRIME: u64 = 0x100000001b3;
