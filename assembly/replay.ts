// Trace replay (trace-replay.md): parse lackey text in WASM, split page-straddling
// accesses, look each translation up in the architectural TLBs (L1 iTLB/dTLB, STLB:
// the same arrays, LRU and insert as the emulator's, tlb/arch.ts), walk the 4-level
// table in the RAM image with the same walker (arch/x86/walk.ts) on an STLB miss, and hash.
//
// The host hands over whole lines only (it keeps a partial last line for the next
// call and ends the final line with '\n'), so the parser never stops mid-line. The
// demand-paging fault of the model (§6: frames numbered from 0x100, tables first) is
// taken here, next to the loop: it is part of the replay model's definition, not OS
// policy, and a boundary crossing per first touch would cost more than the replay.
import {
  REPLAY_HEX_OFFSET, REPLAY_IN_CAPACITY, REPLAY_IN_OFFSET, REPLAY_LOG_INPUT, REPLAY_LOG_INPUT_THP, REPLAY_LOG_OFFSET,
  REPLAY_LOG_RECORD, REPLAY_STATS_OFFSET,
} from "./constants/layout";
import {
  FNV_OFFSET, FNV_PRIME, OUTCOME_FAULT, OUTCOME_L1, OUTCOME_STLB, OUTCOME_WALK, REPLAY_BAD_ADDRESS,
  REPLAY_BAD_CONFIG, REPLAY_BAD_LENGTH, REPLAY_BAD_SIZE, REPLAY_MALFORMED, REPLAY_OK, REPLAY_OUT_OF_MEMORY,
  REPLAY_WALK_FAULT, REPLAY_LOG_NONE, REPLAY_LOG_DECODE, RS_ERROR_LINE, RS_ERROR_OFFSET, RS_FRAMES,
  RS_ITLB_HITS, RS_ITLB_MISSES, RS_DTLB_HITS, RS_DTLB_MISSES, RS_LINES, RS_LOG_COUNT, RS_OUTCOME_HASH,
  RS_PAGE_FAULTS, RS_PAGE_TABLE_PAGES, RS_PHYS_HASH, RS_RECORDS, RS_RECORDS_I, RS_RECORDS_L, RS_RECORDS_M,
  RS_RECORDS_S, RS_STLB_HITS, RS_STLB_MISSES, RS_TRANSLATIONS, RS_WALKS,
} from "./constants/replay";
import { ACC_FETCH, ACC_READ, ACC_USER } from "./constants/access";
import {
  REC_FIRST_TOUCH, REC_HUGE, REC_INSTR, REC_KIND_FETCH, REC_KIND_LOAD, REC_KIND_SHIFT, REC_KIND_STORE, REC_PROMOTE,
  REC_RECORD_START, REC_VPN_SHIFT, STUDY_RECORD_BYTES, THP_MAX_THRESHOLD,
} from "./constants/study";
import {
  CR0_PG, CR0_WP, CR4_PAE, EFER_LMA, EFER_LME, PTE_PRESENT, PTE_PS, PTE_USER, PTE_WRITE,
} from "./arch/x86/constants";
import { ramOffset, ramSize, setRam, setRamSize } from "./ram";
import { setWalkBased, walk, walkPa } from "./arch/x86/walk";
import { ARCH_DTLB, ARCH_ITLB, ARCH_STLB, CLASS_2M, CLASS_4K, archConfigure, archFind, archInsert, archTouch, frameAddr } from "./tlb/arch";
import { loadState } from "./arch/x86/control";
import { tlbFrameAddr, tlbInsert, tlbLookup } from "./study/tlb";

// Configuration.
let shift: u64 = 12;
let pageMask: u64 = 0xfff;
let sizeClass: u32 = CLASS_4K;
let logging: bool = false;
/** The log holds the study's 16-byte translation records (constants/study.ts), not REPLAY_LOG_RECORD ones. */
let decoding: bool = false;
/** REC_RECORD_START until the current trace record's first translation is logged. */
let recordStart: u64 = 0;
/** replayConfigure ran: the hex table the parser's scans stop on is filled. */
let configured: bool = false;
/** The study's THP-like decode (replayThp): a region collapses at its Nth 4 KiB page; 0 = off. */
let thpThreshold: u32 = 0;

/**
 * Levels wider than the arch TLB's narrow probe use the study's TLB (study/tlb.ts: a hash
 * of tags and per-set LRU lists, O(1) whatever the ways) instead: 0, or its descriptor.
 * The same LRU order, so the same results; a fully associative 65536/65536 STLB then costs
 * what a 12-way one does instead of a scan of every way per lookup.
 */
let wideI: usize = 0, wideD: usize = 0, wideS: usize = 0;

// Model state.
let nextFrame: u64 = 0x100;
let pml4: u64 = 0;            // physical address of the root, 0 until the first fault

// Counters (written to the stats block at the end of each call).
let lines: u64 = 0; let records: u64 = 0;
let recI: u64 = 0; let recL: u64 = 0; let recS: u64 = 0; let recM: u64 = 0;
let translations: u64 = 0;
let itlbHits: u64 = 0; let itlbMisses: u64 = 0; let dtlbHits: u64 = 0; let dtlbMisses: u64 = 0;
let stlbHits: u64 = 0; let stlbMisses: u64 = 0; let pageFaults: u64 = 0; let tablePages: u64 = 0;
let physHash: u64 = FNV_OFFSET; let outcomeHash: u64 = FNV_OFFSET;
let logCount: u32 = 0;
let currentLine: u64 = 0;
/** Why the last translation failed: REPLAY_OUT_OF_MEMORY or REPLAY_WALK_FAULT. */
let failure: i32 = REPLAY_OK;

const NOT_HEX: u8 = 0xff;

/**
 * Start a replay: page size (12 or 21), TLB geometry (validated by the host), logging:
 * REPLAY_LOG_NONE, REPLAY_LOG_TEXT (the per-translation log) or REPLAY_LOG_DECODE (the
 * study's translation records: one decode feeds every configuration of a sweep).
 * Returns REPLAY_OK, or REPLAY_BAD_CONFIG (nothing changed) for another page shift or log.
 */
export function replayConfigure(pageShift: u32, itlbE: u32, itlbW: u32, dtlbE: u32, dtlbW: u32,
                                stlbE: u32, stlbW: u32, log: u32): i32 {
  if ((pageShift != 12 && pageShift != 21) || log > REPLAY_LOG_DECODE) return REPLAY_BAD_CONFIG;
  configured = true;
  shift = <u64>pageShift;
  pageMask = (<u64>1 << shift) - 1;
  sizeClass = pageShift == 21 ? CLASS_2M : CLASS_4K;
  logging = log != REPLAY_LOG_NONE;
  decoding = log == REPLAY_LOG_DECODE;
  setRam(ramOffset, 0, ramSize);   // the model's frames are numbered from physical address 0 (§6)
  setWalkBased(false);
  archConfigure(ARCH_ITLB, itlbE, itlbW);
  archConfigure(ARCH_DTLB, dtlbE, dtlbW);
  archConfigure(ARCH_STLB, stlbE, stlbW);
  wideI = 0; wideD = 0; wideS = 0; thpThreshold = 0;
  nextFrame = 0x100; pml4 = 0;
  lines = 0; records = 0; recI = 0; recL = 0; recS = 0; recM = 0; translations = 0;
  itlbHits = 0; itlbMisses = 0; dtlbHits = 0; dtlbMisses = 0; stlbHits = 0; stlbMisses = 0;
  pageFaults = 0; tablePages = 0; physHash = FNV_OFFSET; outcomeHash = FNV_OFFSET;
  for (let c: u32 = 0; c < 256; c++) {
    const v: u32 = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : NOT_HEX;
    store<u8>(REPLAY_HEX_OFFSET + c, <u8>v);
  }
  flushStats();
  return REPLAY_OK;
}

/**
 * After replayConfigure: run these levels on study TLBs (descriptors from studyTlbCreate
 * with frames, LRU, the level's geometry; 0 keeps the arch TLB). The host places RAM
 * above them. Returns REPLAY_BAD_CONFIG before replayConfigure.
 */
export function replayWide(itlb: usize, dtlb: usize, stlb: usize): i32 {
  if (!configured) return REPLAY_BAD_CONFIG;
  wideI = itlb; wideD = dtlb; wideS = stlb;
  return REPLAY_OK;
}

/**
 * After replayConfigure with 4 KiB pages and REPLAY_LOG_DECODE: decode with the THP-like
 * page-size policy (see translateThp), `threshold` in 1..THP_MAX_THRESHOLD. Returns
 * REPLAY_BAD_CONFIG (nothing changed) otherwise.
 */
export function replayThp(threshold: u32): i32 {
  if (!configured || !decoding || shift != 12 || threshold == 0 || threshold > THP_MAX_THRESHOLD) return REPLAY_BAD_CONFIG;
  thpThreshold = threshold;
  return REPLAY_OK;
}

/** Look `vpn` up in level `l` (its study TLB when `wide` is not 0); the frame on a hit, else -1. */
@inline function l1Find(l: u32, wide: usize, vpn: u64): i64 {
  if (wide != 0) return tlbLookup(wide, vpn) ? <i64>load<u64>(tlbFrameAddr(wide)) : -1;
  const i = archFind(l, vpn, sizeClass, 0);
  if (i < 0) return -1;
  archTouch(l, <u32>i);
  return <i64>load<u64>(frameAddr(l, <u32>i));
}

@inline function levelInsert(l: u32, wide: usize, va: u64, frame: u64): void {
  if (wide != 0) { tlbInsert(wide, va >> shift); store<u64>(tlbFrameAddr(wide), frame); }
  else archInsert(l, va, sizeClass, frame, 0);
}

@inline function stat(field: u32, v: u64): void { store<u64>(REPLAY_STATS_OFFSET + (<usize>field << 3), v); }

function flushStats(): void {
  stat(RS_LINES, lines); stat(RS_RECORDS, records);
  stat(RS_RECORDS_I, recI); stat(RS_RECORDS_L, recL); stat(RS_RECORDS_S, recS); stat(RS_RECORDS_M, recM);
  stat(RS_TRANSLATIONS, translations);
  stat(RS_ITLB_HITS, itlbHits); stat(RS_ITLB_MISSES, itlbMisses);
  stat(RS_DTLB_HITS, dtlbHits); stat(RS_DTLB_MISSES, dtlbMisses);
  stat(RS_STLB_HITS, stlbHits); stat(RS_STLB_MISSES, stlbMisses);
  stat(RS_WALKS, stlbMisses); stat(RS_PAGE_FAULTS, pageFaults); stat(RS_PAGE_TABLE_PAGES, tablePages);
  stat(RS_PHYS_HASH, physHash); stat(RS_OUTCOME_HASH, outcomeHash);
  stat(RS_LOG_COUNT, <u64>logCount); stat(RS_FRAMES, nextFrame - 0x100);
}

// ── frames and the demand-paging fault ───────────────────────────────────────────

/** Make RAM cover `bytes` (growing the WebAssembly memory); false when it cannot. */
function ensureRam(bytes: u64): bool {
  if (bytes <= ramSize) return true;
  const want = <u64>ramOffset + bytes;
  const have = <u64>memory.size() << 16;
  if (want > have) {
    // Grow by at least what there is (doubling): each growth costs the host a garbage
    // collection (V8 counts the memory as external) and rebuilt views, so keep them few.
    let pages = <i32>((want - have + 0xffff) >> 16);
    const double = <i32>(have >> 16);
    if (pages < double) pages = double;
    if (memory.grow(pages) < 0 && memory.grow(<i32>((want - have + 0xffff) >> 16)) < 0) return false;
  }
  setRamSize((<u64>memory.size() << 16) - <u64>ramOffset);
  return true;
}

/** The next frame's physical address; a table frame is zeroed (its first 4 KiB: 512 entries). */
function allocFrame(table: bool): u64 {
  const pa = nextFrame << shift;
  nextFrame++;
  if (!ensureRam(pa + (table ? 4096 : (<u64>1 << shift)))) return 0;
  if (table) {
    memory.fill(ramOffset + <usize>pa, 0, 4096);
    tablePages++;
  }
  return pa;
}

const TABLE_BITS: u64 = PTE_PRESENT | PTE_WRITE | PTE_USER;

/** §6: allocate the PML4, then each missing table on the way down, then the data frame. */
function demandFault(va: u64): bool {
  pageFaults++;
  if (pml4 == 0) {
    pml4 = allocFrame(true);
    if (pml4 == 0) return false;
    loadState(CR0_PG | CR0_WP | 1, pml4, CR4_PAE, EFER_LME | EFER_LMA);
  }
  const leafLevel: u64 = shift == 21 ? 2 : 1;
  let table = pml4;
  for (let level: u64 = 4; level > leafLevel; level--) {
    const ea = table + (((va >> (3 + 9 * level)) & 511) << 3);
    let e = load<u64>(ramOffset + <usize>ea);
    if ((e & PTE_PRESENT) == 0) {
      const t = allocFrame(true);
      if (t == 0) return false;
      e = t | TABLE_BITS;
      store<u64>(ramOffset + <usize>ea, e);
    }
    table = e & 0x000ffffffffff000;
  }
  const ea = table + (((va >> (3 + 9 * leafLevel)) & 511) << 3);
  const frame = allocFrame(false);
  if (frame == 0) return false;
  store<u64>(ramOffset + <usize>ea, frame | TABLE_BITS | (leafLevel == 2 ? PTE_PS : 0));
  return true;
}

// ── one translation ───────────────────────────────────────────────────────────────

@inline function fnvByte(h: u64, b: u64): u64 { return (h ^ b) * FNV_PRIME; }
@inline function fnv8(h: u64, v: u64): u64 {
  h = fnvByte(h, v & 0xff); h = fnvByte(h, (v >> 8) & 0xff);
  h = fnvByte(h, (v >> 16) & 0xff); h = fnvByte(h, (v >> 24) & 0xff);
  h = fnvByte(h, (v >> 32) & 0xff); h = fnvByte(h, (v >> 40) & 0xff);
  h = fnvByte(h, (v >> 48) & 0xff); return fnvByte(h, v >> 56);
}

@inline function recordKind(letter: u32): u64 {
  return <u64>(letter == 0x49 ? REC_KIND_FETCH : letter == 0x4c ? REC_KIND_LOAD : REC_KIND_STORE) << REC_KIND_SHIFT;
}

/** §4. Returns false (the reason in `failure`) when RAM for a new frame cannot be had or the walk fails. */
function translate(va: u64, instr: bool, letter: u32): bool {
  if (thpThreshold != 0) return translateThp(va, instr, letter);
  translations++;
  const l1 = instr ? ARCH_ITLB : ARCH_DTLB;
  const wide1 = instr ? wideI : wideD;
  let outcome = OUTCOME_L1;
  let frame: u64;
  const vpn = va >> shift;
  const f1 = l1Find(l1, wide1, vpn);
  if (f1 >= 0) {
    if (instr) itlbHits++; else dtlbHits++;
    frame = <u64>f1;
  } else {
    if (instr) itlbMisses++; else dtlbMisses++;
    const f2 = l1Find(ARCH_STLB, wideS, vpn);
    if (f2 >= 0) {
      stlbHits++;
      frame = <u64>f2;
      outcome = OUTCOME_STLB;
    } else {
      stlbMisses++;
      outcome = OUTCOME_WALK;
      const acc = (instr ? ACC_FETCH : ACC_READ) | ACC_USER;
      // The model's addresses are 48-bit (§2) and its tree indexes bits 47..39 with no
      // canonical rule; the x86 walker wants bits 63:48 copying bit 47. They never
      // reach an index or the page offset, so the walk sees the same page either way.
      const canon = <u64>((<i64>(va << 16)) >> 16);
      if (pml4 == 0 || walk(canon, acc, true) != 0) {
        outcome = OUTCOME_FAULT;
        if (!demandFault(va)) { failure = REPLAY_OUT_OF_MEMORY; return false; }
        // The tables now map the page; a fault means the control state is not the model's
        // (an embedder loaded another CR3 or mode): walkPa would be stale.
        if (walk(canon, acc, true) != 0) { failure = REPLAY_WALK_FAULT; return false; }
      }
      frame = walkPa & ~pageMask;
      levelInsert(ARCH_STLB, wideS, va, frame);
    }
    levelInsert(l1, wide1, va, frame);
  }
  const pa = frame | (va & pageMask);
  physHash = fnv8(physHash, pa);
  outcomeHash = fnvByte(fnv8(outcomeHash, pa), <u64>outcome);
  if (decoding) {
    const r = REPLAY_LOG_OFFSET + <usize>logCount * STUDY_RECORD_BYTES;
    store<u64>(r, pa);
    store<u64>(r + 8, (vpn << REC_VPN_SHIFT) | recordKind(letter) | recordStart
      | (instr ? REC_INSTR : 0) | (outcome == OUTCOME_FAULT ? REC_FIRST_TOUCH : 0));
    recordStart = 0;
    logCount++;
  } else if (logging) {
    const r = REPLAY_LOG_OFFSET + <usize>logCount * REPLAY_LOG_RECORD;
    store<u64>(r, currentLine);
    store<u64>(r + 8, va);
    store<u64>(r + 16, pa);
    store<u8>(r + 24, <u8>letter);
    store<u8>(r + 25, <u8>outcome);
    logCount++;
  }
  return true;
}

// ── the THP-like page-size policy (the study's decode only) ───────────────────────
// Demand paging maps 4 KiB pages as §6 does; when the Nth distinct 4 KiB page of a 2 MiB
// region faults in, the region collapses into one 2 MiB page as Linux's khugepaged
// (mm/khugepaged.c, collapse_huge_page) would: a new 2 MiB-aligned block, the PMD (PD
// entry) replaced by a huge PMD, the page table freed, the range's TLB entries flushed.
// khugepaged collapses a range whose empty PTEs are at most max_ptes_none, i.e. once
// 512 - max_ptes_none pages are present: N = 512 - max_ptes_none (Linux's default 511:
// N = 1). It runs later, from its own thread; here the collapse follows the Nth fault at
// once, the earliest moment khugepaged could. No TLB is simulated here: the records say
// what each configuration's loop (study/run.ts) needs.

/** Bits 61:52 of a PD entry that points to a page table (ignored by the MMU: SDM Table 4-19): its present PTEs. */
const PDE_TOUCHED_SHIFT: u64 = 52;
const PDE_TOUCHED: u64 = <u64>0x3ff << PDE_TOUCHED_SHIFT;
const ADDR_4K: u64 = 0x000ffffffffff000;
const ADDR_2M: u64 = 0x000fffffffe00000;

/** The physical address of the PD entry for `va`, or 0 when a table above it is missing. */
function pdeAt(va: u64): u64 {
  if (pml4 == 0) return 0;
  let table = pml4;
  for (let level: u64 = 4; level > 2; level--) {
    const e = load<u64>(ramOffset + <usize>(table + (((va >> (3 + 9 * level)) & 511) << 3)));
    if ((e & PTE_PRESENT) == 0) return 0;
    table = e & ADDR_4K;
  }
  return table + (((va >> 21) & 511) << 3);
}

/**
 * collapse_huge_page for the region whose PD entry is at `ea`: a 2 MiB-aligned block of
 * 512 frames (the allocator's next frame rounded up to a multiple of 512), into which
 * the region's pages are copied in place (page k at block + k·4 KiB; the model holds no
 * data to copy), the PD entry made a 2 MiB leaf (PS), the page table freed
 * (page_table_pages counts the tables in use). The model's allocator never reuses a
 * frame: the old 4 KiB frames, the table and the frames skipped to align stay unused.
 * Returns the block's physical address, 0 when RAM for it cannot be had.
 */
function collapse(ea: u64): u64 {
  const first = (nextFrame + 511) & ~(<u64>511);
  const base = first << 12;
  if (!ensureRam(base + (<u64>1 << 21))) return 0;
  nextFrame = first + 512;
  store<u64>(ramOffset + <usize>ea, base | TABLE_BITS | PTE_PS);
  tablePages--;
  return base;
}

/**
 * One translation of the THP-like decode: a 2 MiB leaf maps the page (REC_HUGE), else its
 * PTE, else a demand fault maps it (REC_FIRST_TOUCH) and counts it in its PD entry; the
 * Nth collapses the region and a REC_PROMOTE marker (the region's first page, the block's
 * address) follows the translation's record.
 */
function translateThp(va: u64, instr: bool, letter: u32): bool {
  translations++;
  const vpn = va >> 12;
  let ea = pdeAt(va);
  let pde: u64 = ea != 0 ? load<u64>(ramOffset + <usize>ea) : 0;
  let pa: u64;
  let flags: u64 = 0;
  let promote = false;
  if ((pde & (PTE_PRESENT | PTE_PS)) == (PTE_PRESENT | PTE_PS)) {
    pa = (pde & ADDR_2M) | (va & 0x1fffff);
    flags = REC_HUGE;
  } else {
    let pte: u64 = (pde & PTE_PRESENT) != 0 ? load<u64>(ramOffset + <usize>((pde & ADDR_4K) + ((vpn & 511) << 3))) : 0;
    if ((pte & PTE_PRESENT) == 0) {
      if (!demandFault(va)) { failure = REPLAY_OUT_OF_MEMORY; return false; }
      ea = pdeAt(va);
      pde = load<u64>(ramOffset + <usize>ea);
      pte = load<u64>(ramOffset + <usize>((pde & ADDR_4K) + ((vpn & 511) << 3)));
      const touched = ((pde & PDE_TOUCHED) >> PDE_TOUCHED_SHIFT) + 1;
      store<u64>(ramOffset + <usize>ea, (pde & ~PDE_TOUCHED) | (touched << PDE_TOUCHED_SHIFT));
      flags = REC_FIRST_TOUCH;
      promote = touched == <u64>thpThreshold;
    }
    pa = (pte & ADDR_4K) | (va & 0xfff);
  }
  physHash = fnv8(physHash, pa);
  let r = REPLAY_LOG_OFFSET + <usize>logCount * STUDY_RECORD_BYTES;
  store<u64>(r, pa);
  store<u64>(r + 8, (vpn << REC_VPN_SHIFT) | recordKind(letter) | recordStart | (instr ? REC_INSTR : 0) | flags);
  recordStart = 0;
  logCount++;
  if (promote) {
    const base = collapse(ea);
    if (base == 0) { failure = REPLAY_OUT_OF_MEMORY; return false; }
    r += STUDY_RECORD_BYTES;
    store<u64>(r, base);
    store<u64>(r + 8, ((vpn & ~(<u64>511)) << REC_VPN_SHIFT) | REC_PROMOTE);
    logCount++;
  }
  return true;
}

/** §3: one translation per page the bytes [a, a+s) touch, in increasing order. */
@inline function access(a: u64, s: u64, instr: bool, letter: u32): bool {
  const first = a >> shift;
  const last = (a + s - 1) >> shift;
  if (!translate(a, instr, letter)) return false;
  for (let page = first + 1; page <= last; page++) {
    if (!translate(page << shift, instr, letter)) return false;
  }
  return true;
}

// ── the chunk loop ────────────────────────────────────────────────────────────────

@inline function isBlank(c: u32): bool { return c == 0x20 || c == 0x09; }

/** Skip to just after the next '\n' (there always is one: the host ends every line). */
@inline function skipLine(p: usize): usize {
  while (load<u8>(p) != 0x0a) p++;
  return p + 1;
}

/** A fatal line: its number and where it starts in the chunk, for the host's message. */
function fail(code: i32, lineStart: usize): i32 {
  flushStats();
  stat(RS_ERROR_LINE, lines);
  stat(RS_ERROR_OFFSET, <u64>(lineStart - REPLAY_IN_OFFSET));
  return code;
}

/**
 * Replay `len` bytes of whole lines at REPLAY_IN_OFFSET. Returns REPLAY_OK, or an error
 * code with the 1-based line number in the RS_ERROR_LINE field and its offset in the
 * chunk in RS_ERROR_OFFSET (§2: fatal, no statistics). The length is checked, not
 * trusted: it must lie in the input region (in REPLAY_LOG_INPUT bytes when logging, which
 * bounds the log records a call writes by its capacity) and end with '\n', which stops
 * every scan of the parser inside the chunk; otherwise REPLAY_BAD_LENGTH, nothing read.
 */
export function replayChunk(len: u32): i32 {
  logCount = 0;
  if (!configured) return REPLAY_BAD_CONFIG;
  if (len > (logging ? (thpThreshold != 0 ? REPLAY_LOG_INPUT_THP : REPLAY_LOG_INPUT) : REPLAY_IN_CAPACITY)) return REPLAY_BAD_LENGTH;
  if (len > 0 && load<u8>(REPLAY_IN_OFFSET + <usize>len - 1) != 0x0a) return REPLAY_BAD_LENGTH;
  let p: usize = REPLAY_IN_OFFSET;
  const end = p + <usize>len;
  while (p < end) {
    lines++;
    const lineStart = p;
    let c = <u32>load<u8>(p);
    // §2 class 2, noise: "==", "--", "**" or "#" at column 1.
    if (c == 0x3d || c == 0x2d || c == 0x2a) {
      if (<u32>load<u8>(p + 1) != c) return fail(REPLAY_MALFORMED, lineStart);
      p = skipLine(p + 2);
      continue;
    }
    if (c == 0x23) { p = skipLine(p + 1); continue; }
    // Class 1 (blank) or 3 (record): both may start with spaces and tabs.
    while (isBlank(c)) c = <u32>load<u8>(++p);
    if (c == 0x0a) { p++; continue; }
    if (c == 0x0d) {
      do c = <u32>load<u8>(++p); while (isBlank(c) || c == 0x0d);
      if (c != 0x0a) return fail(REPLAY_MALFORMED, lineStart);
      p++;
      continue;
    }
    // Class 3: K [ \t]+ H , D [ \t\r]* '\n'
    const letter = c;
    if (c != 0x49 && c != 0x4c && c != 0x53 && c != 0x4d) return fail(REPLAY_MALFORMED, lineStart);
    c = <u32>load<u8>(++p);
    if (!isBlank(c)) return fail(REPLAY_MALFORMED, lineStart);
    do c = <u32>load<u8>(++p); while (isBlank(c));
    let addr: u64 = 0;
    let digits: u32 = 0;
    let v = <u32>load<u8>(REPLAY_HEX_OFFSET + c);
    while (v != NOT_HEX) {
      addr = (addr << 4) | <u64>v;
      digits++;
      c = <u32>load<u8>(++p);
      v = <u32>load<u8>(REPLAY_HEX_OFFSET + c);
    }
    if (digits == 0 || digits > 16 || c != 0x2c) return fail(REPLAY_MALFORMED, lineStart);
    c = <u32>load<u8>(++p);
    let size: u64 = 0;
    digits = 0;
    while (c - 48 < 10) {
      if (size < 0x100000000) size = size * 10 + <u64>(c - 48);   // saturates far above 4096
      digits++;
      c = <u32>load<u8>(++p);
    }
    if (digits == 0) return fail(REPLAY_MALFORMED, lineStart);
    while (isBlank(c) || c == 0x0d) c = <u32>load<u8>(++p);
    if (c != 0x0a) return fail(REPLAY_MALFORMED, lineStart);
    p++;
    if (size == 0 || size > 4096) return fail(REPLAY_BAD_SIZE, lineStart);
    const LIMIT: u64 = <u64>1 << 48;
    if (addr >= LIMIT || size > LIMIT - addr) return fail(REPLAY_BAD_ADDRESS, lineStart);
    // §3: translations.
    records++;
    currentLine = lines;
    recordStart = REC_RECORD_START;
    let ok = true;
    if (letter == 0x49) { recI++; ok = access(addr, size, true, 0x49); }
    else if (letter == 0x4c) { recL++; ok = access(addr, size, false, 0x4c); }
    else if (letter == 0x53) { recS++; ok = access(addr, size, false, 0x53); }
    else { recM++; ok = access(addr, size, false, 0x4c) && access(addr, size, false, 0x53); }
    if (!ok) return fail(failure, lineStart);
  }
  flushStats();
  return REPLAY_OK;
}
