// TLB counters, read straight from the core's counter block.
import type { CoreExports } from "./core/wasm.js";
import type { CoreConstants } from "./core/constants.js";
import type { ResolvedTlb } from "./config.js";

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
}
