// TLB counters, read straight from the core's counter block, and the TLBs' contents
// (`entries(level)`), read straight from the core's arrays: hosts that draw or inspect a
// TLB (the demo page, tests) never decode the layout themselves.
import type { CoreExports } from "./core/wasm.js";
import type { CoreConstants } from "./core/constants.js";
import { ConfigError, type ResolvedTlb } from "./config.js";

export interface LevelStats { hits: number; misses: number; walks: number; faults: number; evictions: number }
export interface TotalStats {
  translations: number; walks: number; faults: number;
  /** Paging-structure entries read by walks. */
  entryReads: number;
  /** A/D bit write-backs. */
  adWrites: number;
  invalidations: number;
}
export interface TlbStats {
  kind: ResolvedTlb["kind"];
  fast?: LevelStats;
  itlb?: LevelStats;
  dtlb?: LevelStats;
  stlb?: LevelStats;
  totals: TotalStats;
}

export type ArchTlbLevel = "itlb" | "dtlb" | "stlb";
export type TlbLevel = ArchTlbLevel | "fast";

/** One valid entry of the architectural TLB (`tlb.kind: "arch"`). */
export interface ArchTlbEntry {
  level: ArchTlbLevel;
  /** Set = page number mod sets; way within the set. */
  set: number;
  way: number;
  /** First virtual address of the page (64-bit, canonical). */
  va: bigint;
  /** Page number: va / pageSize (what the set is computed from). */
  vpn: bigint;
  /** 4096, 2 MiB, 4 MiB (PSE) or 1 GiB. */
  pageSize: number;
  /** First physical address of the frame. */
  pa: number;
  /** The PCID the entry was filled under (global entries match every PCID). */
  pcid: number;
  global: boolean;
  /** Rights accumulated over the walk: R/W and U/S at every level, XD at any. */
  rw: boolean;
  user: boolean;
  nx: boolean;
  dirty: boolean;
  /** Protection key (IA-32e with CR4.PKE, else 0). */
  key: number;
  /** LRU stamp of a core-wide clock: the larger, the more recently used. */
  stamp: bigint;
  /** 0 for the most recently used valid way of its set, 1 for the next, … */
  age: number;
}

/**
 * One valid entry of the fast TLB (`tlb.kind: "fast"`): direct-mapped, one array per
 * (context, access kind), 4 KiB pieces. It keeps no rights bits: being in an array is
 * the right (an entry of a `write` array is writable and dirty for its context).
 */
export interface FastTlbEntry {
  level: "fast";
  /** Index in its array: page number mod entries. */
  set: number;
  /** Which array: context × 3 + access kind (read 0, write 1, fetch 2). */
  way: number;
  context: "user" | "supervisor" | "supervisor-ac";
  access: "read" | "write" | "fetch";
  va: bigint;
  vpn: bigint;
  pageSize: 4096;
  pa: number;
}

export type TlbEntry = ArchTlbEntry | FastTlbEntry;

/** An empty slot's tag (assembly/tlb/*.ts: `EMPTY`, not exported by the core): all ones. */
const EMPTY_TAG = 0xffff_ffff_ffff_ffffn;
/** log2 of the page size of each size class of an arch entry (assembly/tlb/arch.ts `classShift`, not exported). */
const CLASS_PAGE_SHIFT = [12, 21, 22, 30] as const;
/** The fast TLB's contexts, in array order (assembly/tlb/fast.ts `rebuildSlotTable`). */
const FAST_CONTEXTS = ["user", "supervisor", "supervisor-ac"] as const;

export class TlbStatsReader {
  constructor(private readonly core: CoreExports, private readonly memory: WebAssembly.Memory,
              private readonly k: CoreConstants, private readonly config: ResolvedTlb,
              private readonly perCall: { hitCount(): number; resetHits(): void }) {}

  private field(block: number, field: number): number {
    const n = this.k.num;
    const view = new DataView(this.memory.buffer);
    return Number(view.getBigUint64(n.COUNTERS_OFFSET + (block * n.COUNTER_FIELDS + field) * 8, true));
  }

  private level(block: number): LevelStats {
    const n = this.k.num;
    return {
      hits: this.field(block, n.CNT_HITS), misses: this.field(block, n.CNT_MISSES), walks: this.field(block, n.CNT_WALKS),
      faults: this.field(block, n.CNT_FAULTS), evictions: this.field(block, n.CNT_EVICTIONS),
    };
  }

  stats(): TlbStats {
    const n = this.k.num;
    this.core.syncCounters();
    const t = n.TOTALS_BLOCK;
    const totals: TotalStats = {
      translations: this.field(t, n.TOT_TRANSLATIONS), walks: this.field(t, n.TOT_WALKS), faults: this.field(t, n.TOT_FAULTS),
      entryReads: this.field(t, n.TOT_ENTRY_READS), adWrites: this.field(t, n.TOT_AD_WRITES),
      invalidations: this.field(t, n.TOT_INVALIDATIONS),
    };
    const kind = this.config.kind;
    if (kind === "fast") {
      const fast = this.level(n.TLB_FAST);
      fast.hits += this.perCall.hitCount();                  // hits decided by the JS-side probe (perCall.ts)
      totals.translations = fast.hits + fast.misses;
      return { kind, fast, totals };
    }
    if (kind === "arch") return { kind, itlb: this.level(n.TLB_ITLB), dtlb: this.level(n.TLB_DTLB), stlb: this.level(n.TLB_STLB), totals };
    return { kind, totals };
  }

  reset(): void { this.core.resetAllCounters(); this.perCall.resetHits(); }

  /**
   * The valid entries of one TLB level, in array order (set by set, way by way): for a
   * machine with `tlb.kind: "arch"` the level is "itlb", "dtlb" or "stlb"; with "fast",
   * "fast". A copy: later translations do not change the returned objects.
   */
  entries(level: ArchTlbLevel): ArchTlbEntry[];
  entries(level: "fast"): FastTlbEntry[];
  entries(level: TlbLevel): TlbEntry[];
  entries(level: TlbLevel): TlbEntry[] {
    const kind = this.config.kind;
    if (level === "fast") {
      if (kind !== "fast") throw new ConfigError(`tlb.entries: level "fast" needs tlb.kind "fast" (this machine's is "${kind}")`);
      return this.fastEntries();
    }
    if (level === "itlb" || level === "dtlb" || level === "stlb") {
      if (kind !== "arch") throw new ConfigError(`tlb.entries: level "${level}" needs tlb.kind "arch" (this machine's is "${kind}")`);
      return this.archEntries(level);
    }
    throw new ConfigError(`tlb.entries: ${JSON.stringify(level)} is not "itlb", "dtlb", "stlb" or "fast"`);
  }

  private archEntries(level: ArchTlbLevel): ArchTlbEntry[] {
    const n = this.k.num;
    // The arch arrays are in counter-block order: level l counts in block TLB_ITLB + l (assembly/tlb/arch.ts).
    const block = level === "itlb" ? n.TLB_ITLB : level === "dtlb" ? n.TLB_DTLB : n.TLB_STLB;
    const base = n.ARCH_OFFSET + (block - n.TLB_ITLB) * n.ARCH_LEVEL_BYTES;
    const { entries, ways } = this.config[level];
    const view = new DataView(this.memory.buffer);
    const out: ArchTlbEntry[] = [];
    for (let i = 0; i < entries; i++) {
      const tag = view.getBigUint64(base + n.ARCH_TAGS + i * 8, true);
      if (tag === EMPTY_TAG) continue;
      const meta = view.getUint32(base + n.ARCH_META + i * 4, true);
      const shift = CLASS_PAGE_SHIFT[meta >>> n.META_CLASS_SHIFT & 3]!;
      const vpn = tag >> 2n;
      out.push({
        level, set: Math.floor(i / ways), way: i % ways,
        va: BigInt.asUintN(64, vpn << BigInt(shift)), vpn, pageSize: 2 ** shift,
        pa: Number(view.getBigUint64(base + n.ARCH_FRAMES + i * 8, true)),
        pcid: meta & n.META_ASID_MASK, global: (meta & n.META_GLOBAL) !== 0,
        rw: (meta & n.META_RW) !== 0, user: (meta & n.META_US) !== 0, nx: (meta & n.META_XD) !== 0,
        dirty: (meta & n.META_DIRTY) !== 0, key: (meta >>> n.META_KEY_SHIFT) & 15,
        stamp: view.getBigUint64(base + n.ARCH_STAMPS + i * 8, true), age: 0,
      });
    }
    // Age: how many valid ways of the same set were used more recently (a set's entries are adjacent in `out`).
    for (let a = 0; a < out.length;) {
      let b = a;
      while (b < out.length && out[b]!.set === out[a]!.set) b++;
      for (let i = a; i < b; i++) for (let j = a; j < b; j++) if (out[j]!.stamp > out[i]!.stamp) out[i]!.age++;
      a = b;
    }
    return out;
  }

  private fastEntries(): FastTlbEntry[] {
    const n = this.k.num;
    const perArray = this.config.entries;
    const kinds = [[n.ACC_READ, "read"], [n.ACC_WRITE, "write"], [n.ACC_FETCH, "fetch"]] as const;
    const view = new DataView(this.memory.buffer);
    const out: FastTlbEntry[] = [];
    const arrays = Math.min(n.FAST_SLOTS, FAST_CONTEXTS.length * kinds.length);
    for (let slot = 0; slot < arrays; slot++) {
      const context = FAST_CONTEXTS[Math.floor(slot / kinds.length)]!;
      const access = kinds.find(([code]) => code === slot % kinds.length)![1];
      for (let i = 0; i < perArray; i++) {
        const at = n.FAST_OFFSET + (slot * perArray + i) * n.FAST_ENTRY_SIZE;
        const tag = view.getBigUint64(at + n.FAST_ENTRY_TAG, true);
        if (tag === EMPTY_TAG) continue;
        const addend = view.getBigUint64(at + n.FAST_ENTRY_ADDEND, true);
        out.push({
          level: "fast", set: i, way: slot, context, access,
          va: tag, vpn: tag >> 12n, pageSize: 4096, pa: Number(BigInt.asUintN(64, tag + addend)),
        });
      }
    }
    return out.sort((a, b) => a.set - b.set || a.way - b.way);
  }
}
