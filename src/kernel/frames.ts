// Physical frames of the guest RAM: who uses each one, how many mappings it has, and
// where it is mapped (the reverse map reclaim needs to find and clear its PTEs). The
// page cache (file and shared-anonymous pages) is keyed by (object, page index).

export const enum FrameUse { Free = 0, Kernel = 1, Table = 2, Anon = 3, File = 4, Shmem = 5, Zero = 6 }

/** One mapping of a frame: an address space (by id) and a virtual page number. */
export interface RmapEntry { mmId: number; vpn: number }

export class Frames {
  readonly use: Uint8Array;
  /** Page-table mappings of each frame (mapcount). */
  readonly mapcount: Uint32Array;
  /** Page-cache key of a File/Shmem frame. */
  readonly cacheKey: (string | undefined)[];
  readonly rmap: (RmapEntry[] | undefined)[];
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
    this.rmap = new Array(count);
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
    this.rmap[f] = undefined;
    this.use[f] = FrameUse.Free;
    this.mapcount[f] = 0;
    this.freeList[this.freeTop++] = f;
  }

  addMapping(f: number, mmId: number, vpn: number): void {
    this.mapcount[f]!++;
    (this.rmap[f] ??= []).push({ mmId, vpn });
  }

  /** Drop one mapping; returns the mappings left. Anonymous frames are freed at zero, cached ones stay in the cache. */
  removeMapping(f: number, mmId: number, vpn: number): number {
    const r = this.rmap[f];
    if (r) {
      const i = r.findIndex((e) => e.mmId === mmId && e.vpn === vpn);
      if (i >= 0) r.splice(i, 1);
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
