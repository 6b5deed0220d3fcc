// Physical frames of the guest RAM: who uses each one, how many mappings it has, and
// where it is mapped (the reverse map reclaim needs to find and clear its PTEs). The
// page cache (file and shared-anonymous pages) is keyed by (object, page index).

export const enum FrameUse { Free = 0, Kernel = 1, Table = 2, Anon = 3, File = 4, Shmem = 5, Zero = 6 }

/** One mapping of a frame: an address space (by id) and a virtual page number. */
export interface RmapEntry { mmId: number; vpn: number }

/** "No entry" in the reverse map's links. */
export const RMAP_NIL = -1;
const RMAP_INITIAL = 1024;

/**
 * The reverse map holds no object per mapping (fork adds one per PTE): each mapping is an
 * entry of a pool of typed arrays (address space, vpn, next), and a frame's mappings are
 * a singly linked list from `rmapHead[f]`, newest first. Newest first makes the common
 * removals O(1): a forked child's exit or COW fault drops the entry its fork just pushed.
 * Reclaim walks a frame's list with rmapFirst/rmapNext (rmap_walk).
 */
export class Frames {
  readonly use: Uint8Array;
  /** Page-table mappings of each frame (mapcount). */
  readonly mapcount: Uint32Array;
  /** Page-cache key of a File/Shmem frame. */
  readonly cacheKey: (string | undefined)[];
  /** First rmap entry of each frame, or RMAP_NIL. */
  readonly rmapHead: Int32Array;
  /** The entry pool: its mapping's address space id and vpn, and the next entry of the same frame (or of the free list). */
  rmapMm: Int32Array;
  rmapVpn: Float64Array;
  rmapNext: Int32Array;
  private rmapFree = RMAP_NIL;
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
    this.rmapHead = new Int32Array(count).fill(RMAP_NIL);
    this.rmapMm = new Int32Array(0);
    this.rmapVpn = new Float64Array(0);
    this.rmapNext = new Int32Array(0);
    this.growRmap(RMAP_INITIAL);
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
    for (let e = this.rmapHead[f]!; e !== RMAP_NIL;) { const n = this.rmapNext[e]!; this.freeEntry(e); e = n; }
    this.rmapHead[f] = RMAP_NIL;
    this.use[f] = FrameUse.Free;
    this.mapcount[f] = 0;
    this.freeList[this.freeTop++] = f;
  }

  /** Double the entry pool (amortised: fork of N PTEs grows it log N times, not N). */
  private growRmap(min: number): void {
    const old = this.rmapNext.length, size = Math.max(min, old * 2);
    const mm = new Int32Array(size), vpn = new Float64Array(size), next = new Int32Array(size);
    mm.set(this.rmapMm); vpn.set(this.rmapVpn); next.set(this.rmapNext);
    this.rmapMm = mm; this.rmapVpn = vpn; this.rmapNext = next;
    for (let e = size - 1; e >= old; e--) { next[e] = this.rmapFree; this.rmapFree = e; }
  }

  private freeEntry(e: number): void {
    this.rmapNext[e] = this.rmapFree;
    this.rmapFree = e;
  }

  /** Add the mapping (mmId, vpn) of `f` and count it. */
  addMapping(f: number, mmId: number, vpn: number): void {
    if (this.rmapFree === RMAP_NIL) this.growRmap(RMAP_INITIAL);
    const e = this.rmapFree, next = this.rmapNext;
    this.rmapFree = next[e]!;
    this.rmapMm[e] = mmId;
    this.rmapVpn[e] = vpn;
    next[e] = this.rmapHead[f]!;
    this.rmapHead[f] = e;
    this.mapcount[f]!++;
  }

  /** The first rmap entry of `f` (RMAP_NIL if none); then rmapNext[e]; read rmapMm[e] and rmapVpn[e]. */
  rmapFirst(f: number): number { return this.rmapHead[f]!; }

  /** Every mapping of frame `f`, newest first (an allocating convenience; reclaim walks the list itself). */
  mappings(f: number): RmapEntry[] {
    const out: RmapEntry[] = [];
    for (let e = this.rmapHead[f]!; e !== RMAP_NIL; e = this.rmapNext[e]!) out.push({ mmId: this.rmapMm[e]!, vpn: this.rmapVpn[e]! });
    return out;
  }

  /** The entry of mapping (mmId, vpn) of `f`, or RMAP_NIL. */
  private find(f: number, mmId: number, vpn: number): number {
    let e = this.rmapHead[f]!;
    while (e !== RMAP_NIL && (this.rmapMm[e] !== mmId || this.rmapVpn[e] !== vpn)) e = this.rmapNext[e]!;
    return e;
  }

  /** Record that the mapping (mmId, vpn) of `f` moved to `newVpn` (mremap). */
  moveMapping(f: number, mmId: number, vpn: number, newVpn: number): void {
    const e = this.find(f, mmId, vpn);
    if (e !== RMAP_NIL) this.rmapVpn[e] = newVpn;
  }

  /** Drop one mapping; returns the mappings left. Anonymous frames are freed at zero, cached ones stay in the cache. */
  removeMapping(f: number, mmId: number, vpn: number): number {
    const next = this.rmapNext, mms = this.rmapMm, vpns = this.rmapVpn;
    let prev = RMAP_NIL, e = this.rmapHead[f]!;
    while (e !== RMAP_NIL && (mms[e] !== mmId || vpns[e] !== vpn)) { prev = e; e = next[e]!; }
    if (e !== RMAP_NIL) {
      if (prev === RMAP_NIL) this.rmapHead[f] = next[e]!; else next[prev] = next[e]!;
      this.freeEntry(e);
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
