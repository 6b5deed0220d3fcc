// Physical frames of the guest RAM: who uses each one, how many mappings it has, and
// where it is mapped (the reverse map reclaim needs to find and clear its PTEs). The
// page cache (file and shared-anonymous pages) is keyed by (object, page index).

export const enum FrameUse { Free = 0, Kernel = 1, Table = 2, Anon = 3, File = 4, Shmem = 5, Zero = 6 }

/** One mapping of a frame: an address space (by id) and a virtual page number. */
export interface RmapEntry { mmId: number; vpn: number }

/**
 * The reverse map keeps a frame's first mapping in two typed arrays (no allocation on the
 * fault path: most frames are mapped once) and any further ones in a list.
 */

export class Frames {
  readonly use: Uint8Array;
  /** Page-table mappings of each frame (mapcount). */
  readonly mapcount: Uint32Array;
  /** Page-cache key of a File/Shmem frame. */
  readonly cacheKey: (string | undefined)[];
  private readonly firstMm: Int32Array;
  private readonly firstVpn: Float64Array;
  private readonly moreMaps: (RmapEntry[] | undefined)[];
  /** Dirty page-cache frames (written through a shared mapping). */
  readonly dirty: Uint8Array;
  private readonly freeList: Int32Array;
  private freeTop = 0;
  readonly pageCache = new Map<string, number>();
  /** Clock hand for reclaim (reclaim.ts). */
  hand = 0;

  constructor(readonly count: number, reservedLow: number) {
    this.use = new Uint8Array(count);
    this.mapcount = new Uint32Array(count);
    this.dirty = new Uint8Array(count);
    this.cacheKey = new Array(count);
    this.firstMm = new Int32Array(count);
    this.firstVpn = new Float64Array(count);
    this.moreMaps = new Array(count);
    this.freeList = new Int32Array(count);
    this.use.fill(FrameUse.Kernel, 0, reservedLow);
    for (let f = count - 1; f >= reservedLow; f--) this.freeList[this.freeTop++] = f;
  }

  get free(): number { return this.freeTop; }

  /** A free frame for `use`, or -1 (the caller reclaims and retries). */
  take(use: FrameUse): number {
    if (this.freeTop === 0) return -1;
    const f = this.freeList[--this.freeTop]!;
    this.use[f] = use;
    this.mapcount[f] = 0;
    this.dirty[f] = 0;
    return f;
  }

  release(f: number): void {
    const key = this.cacheKey[f];
    if (key !== undefined) { this.pageCache.delete(key); this.cacheKey[f] = undefined; }
    this.firstMm[f] = 0;
    this.moreMaps[f] = undefined;
    this.use[f] = FrameUse.Free;
    this.mapcount[f] = 0;
    this.freeList[this.freeTop++] = f;
  }

  addMapping(f: number, mmId: number, vpn: number): void {
    this.mapcount[f]!++;
    if (this.firstMm[f] === 0) { this.firstMm[f] = mmId; this.firstVpn[f] = vpn; }
    else (this.moreMaps[f] ??= []).push({ mmId, vpn });
  }

  /** Every mapping of frame `f`. */
  mappings(f: number): RmapEntry[] {
    const out: RmapEntry[] = this.firstMm[f] ? [{ mmId: this.firstMm[f]!, vpn: this.firstVpn[f]! }] : [];
    return this.moreMaps[f] ? out.concat(this.moreMaps[f]!) : out;
  }

  /** Record that the mapping (mmId, vpn) of `f` moved to `newVpn` (mremap). */
  moveMapping(f: number, mmId: number, vpn: number, newVpn: number): void {
    if (this.firstMm[f] === mmId && this.firstVpn[f] === vpn) { this.firstVpn[f] = newVpn; return; }
    const e = this.moreMaps[f]?.find((m) => m.mmId === mmId && m.vpn === vpn);
    if (e) e.vpn = newVpn;
  }

  /** Drop one mapping; returns the mappings left. Anonymous frames are freed at zero, cached ones stay in the cache. */
  removeMapping(f: number, mmId: number, vpn: number): number {
    const more = this.moreMaps[f];
    if (this.firstMm[f] === mmId && this.firstVpn[f] === vpn) {
      const next = more?.shift();
      if (next) { this.firstMm[f] = next.mmId; this.firstVpn[f] = next.vpn; } else this.firstMm[f] = 0;
    } else if (more) {
      const i = more.findIndex((e) => e.mmId === mmId && e.vpn === vpn);
      if (i >= 0) more.splice(i, 1);
    }
    const left = --this.mapcount[f]!;
    if (left === 0 && this.use[f] === FrameUse.Anon) this.release(f);
    return left;
  }

  count_(use: FrameUse): number {
    let n = 0;
    for (let f = 0; f < this.count; f++) if (this.use[f] === use) n++;
    return n;
  }
}
