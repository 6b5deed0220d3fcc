// Two TLBs in plain TypeScript over the reference walk, as benchmark baselines.
// They use the same algorithms as the core's TLBs (tlb.md §4-5), written plainly.
//
// Virtual page numbers are JS numbers: vpn = va >> 12 < 2^52, exact in a double.

import { Acc, X86Model } from './x86Model.js';

const PAGE = 4096;
const TWO20 = 1048576;

function vpnOf(vaLo: number, vaHi: number): number {
  return (vaHi >>> 0) * TWO20 + (vaLo >>> 12);
}

/**
 * Direct-mapped, QEMU-style (tlb.md §4.1, §5.3). One tag array per (context, kind):
 * context = user ? 0 : (implicit || !AC) ? 1 : 2, slot = context * 3 + kind.
 * Rights are folded into *presence*: a page is in the write array of a context only
 * if that context may write it and the leaf is already dirty, so a hit needs no
 * check at all. Therefore flush() after any change of CR3 or of the control state
 * (except EFLAGS.AC, which selects a context) and after editing paging structures.
 */
export class TsFastTlb {
  hits = 0;
  misses = 0;
  private readonly model: X86Model;
  private readonly entries: number;
  private readonly tags: Float64Array;     // [slot * entries + i] = vpn, or -1 when empty
  private readonly addends: Float64Array;  // PA page number - vpn

  constructor(model: X86Model, entries: number) {
    if (!(entries >= 1 && entries <= TWO20 && (entries & (entries - 1)) === 0)) {
      throw new RangeError('entries must be a power of two up to 2^20');
    }
    this.model = model;
    this.entries = entries;
    this.tags = new Float64Array(9 * entries).fill(-1);
    this.addends = new Float64Array(9 * entries);
  }

  translate(vaLo: number, vaHi: number, acc: number): number {
    const vpn = vpnOf(vaLo, vaHi);
    const context = acc & Acc.User ? 0 : (acc & Acc.Implicit) || !this.model.control.ac ? 1 : 2;
    const row = context * 3 * this.entries + (vaLo >>> 12) % this.entries;
    const at = row + (acc & Acc.KindMask) * this.entries;
    if (this.tags[at] === vpn) {
      this.hits++;
      return (vpn + this.addends[at]!) * PAGE + (vaLo & 0xfff);
    }
    this.misses++;
    const pa = this.model.walk(vaLo, vaHi, acc, true);
    if (pa < 0) return -1;
    // Fill every kind this context may use now; the 4 KiB piece only, even of a large page.
    const addend = Math.floor(pa / PAGE) - vpn;
    for (let kind = Acc.Read; kind <= Acc.Fetch; kind++) {
      // A write entry needs D already set, else the first write would not set it.
      if (kind === Acc.Write && !this.model.dirty) continue;
      if (!this.model.allows((acc & ~Acc.KindMask) | kind)) continue;
      this.tags[row + kind * this.entries] = vpn;
      this.addends[row + kind * this.entries] = addend;
    }
    return pa;
  }

  flush(): void {
    this.tags.fill(-1);
  }
}

// Raw bits a study-TLB entry keeps; rights are evaluated on every hit (x86.md §11).
const E_RW = 1, E_US = 2, E_XD = 4, E_DIRTY = 8, E_KEY_SHIFT = 4;

/** One set-associative array with true LRU (stamps from a clock shared by all levels). */
class SetAssoc {
  readonly sets: number;
  readonly ways: number;
  readonly vpn: Float64Array;    // -1 when the way is empty
  readonly stamp: Float64Array;  // last use; the smallest is the LRU way
  readonly page: Float64Array;   // physical page number
  readonly bits: Uint8Array;     // E_* and the key

  constructor(entries: number, ways: number) {
    if (!(ways >= 1 && entries >= ways && entries % ways === 0)) {
      throw new RangeError(`bad TLB geometry: ${entries} entries, ${ways} ways`);
    }
    this.sets = entries / ways;
    this.ways = ways;
    this.vpn = new Float64Array(entries).fill(-1);
    this.stamp = new Float64Array(entries);
    this.page = new Float64Array(entries);
    this.bits = new Uint8Array(entries);
  }

  /** Index of the way holding vpn, or -1. */
  find(vpn: number): number {
    const first = (vpn % this.sets) * this.ways;
    for (let i = first; i < first + this.ways; i++) if (this.vpn[i] === vpn) return i;
    return -1;
  }

  /** Put vpn in its set: over itself if present, else in an empty way, else over the LRU way. */
  insert(vpn: number, page: number, bits: number, stamp: number): void {
    const first = (vpn % this.sets) * this.ways;
    let victim = this.find(vpn);
    if (victim < 0) {
      victim = first;
      for (let i = first; i < first + this.ways; i++) {
        if (this.vpn[i] === -1) { victim = i; break; }
        if (this.stamp[i]! < this.stamp[victim]!) victim = i;
      }
    }
    this.vpn[victim] = vpn;
    this.page[victim] = page;
    this.bits[victim] = bits;
    this.stamp[victim] = stamp;
  }

  remove(vpn: number): void {
    const i = this.find(vpn);
    if (i >= 0) this.vpn[i] = -1;
  }

  clear(): void {
    this.vpn.fill(-1);
  }
}

/**
 * Architectural study TLB: L1 iTLB (fetches), L1 dTLB (reads, writes), shared STLB.
 * Each level is [entries, ways]; set = vpn mod (entries / ways); true LRU.
 * Entries hold 4 KiB translations with the raw accumulated bits; the rights are
 * checked on every hit against the current control state, as hardware does.
 */
export class TsArchTlb {
  itlbHits = 0; itlbMisses = 0;
  dtlbHits = 0; dtlbMisses = 0;
  stlbHits = 0; stlbMisses = 0;
  walks = 0;
  private readonly model: X86Model;
  private readonly itlb: SetAssoc;
  private readonly dtlb: SetAssoc;
  private readonly stlb: SetAssoc;
  private clock = 0;

  constructor(model: X86Model, cfg: { itlb: [number, number]; dtlb: [number, number]; stlb: [number, number] }) {
    this.model = model;
    this.itlb = new SetAssoc(cfg.itlb[0], cfg.itlb[1]);
    this.dtlb = new SetAssoc(cfg.dtlb[0], cfg.dtlb[1]);
    this.stlb = new SetAssoc(cfg.stlb[0], cfg.stlb[1]);
  }

  translate(vaLo: number, vaHi: number, acc: number): number {
    const vpn = vpnOf(vaLo, vaHi);
    const offset = vaLo & 0xfff;
    const fetch = (acc & Acc.KindMask) === Acc.Fetch;
    const l1 = fetch ? this.itlb : this.dtlb;

    let i = l1.find(vpn);
    if (i >= 0 && this.usable(l1, i, acc)) {
      if (fetch) this.itlbHits++; else this.dtlbHits++;
      l1.stamp[i] = ++this.clock;
      return l1.page[i]! * PAGE + offset;
    }
    if (fetch) this.itlbMisses++; else this.dtlbMisses++;

    i = this.stlb.find(vpn);
    if (i >= 0 && this.usable(this.stlb, i, acc)) {
      this.stlbHits++;
      this.stlb.stamp[i] = ++this.clock;
      l1.insert(vpn, this.stlb.page[i]!, this.stlb.bits[i]!, ++this.clock);
      return this.stlb.page[i]! * PAGE + offset;
    }
    this.stlbMisses++;

    this.walks++;
    const m = this.model;
    const pa = m.walk(vaLo, vaHi, acc, true);
    if (pa < 0) {
      // Delivering a #PF invalidates the faulting page's translations (x86.md §11).
      this.itlb.remove(vpn); this.dtlb.remove(vpn); this.stlb.remove(vpn);
      return -1;
    }
    const bits = (m.rw ? E_RW : 0) | (m.us ? E_US : 0) | (m.xd ? E_XD : 0) |
      (m.dirty ? E_DIRTY : 0) | (m.key << E_KEY_SHIFT);
    const page = Math.floor(pa / PAGE);
    this.stlb.insert(vpn, page, bits, ++this.clock);
    l1.insert(vpn, page, bits, ++this.clock);
    return pa;
  }

  flush(): void {
    this.itlb.clear(); this.dtlb.clear(); this.stlb.clear();
  }

  /** A cached entry serves this access if the rights allow it now, and a write only
   *  if D is already set (else the walk must set D). Otherwise the access re-walks,
   *  which also settles whether the fault is real (no spurious #PF in this model). */
  private usable(t: SetAssoc, i: number, acc: number): boolean {
    const b = t.bits[i]!;
    if ((acc & Acc.KindMask) === Acc.Write && !(b & E_DIRTY)) return false;
    return this.model.rightsCheck(acc, (b & E_RW) !== 0, (b & E_US) !== 0, (b & E_XD) !== 0,
      b >>> E_KEY_SHIFT) === 0;
  }
}
