// A swap device: page-sized slots with a use count each (a slot is shared by every
// PTE that pointed at the same anonymous page when it was swapped out).

export class SwapDevice {
  readonly data: Uint8Array;
  /** PTEs (and swap-cache references) pointing at each slot. */
  readonly count: Uint32Array;
  private readonly freeList: Int32Array;
  private freeTop = 0;
  swapIns = 0;
  swapOuts = 0;

  constructor(readonly slots: number) {
    this.data = new Uint8Array(slots * 4096);
    this.count = new Uint32Array(slots);
    this.freeList = new Int32Array(slots);
    // Slot 0 is never handed out: Linux keeps the swap header there.
    for (let s = slots - 1; s >= 1; s--) this.freeList[this.freeTop++] = s;
  }

  get free(): number { return this.freeTop; }
  get used(): number { return this.slots - 1 - this.freeTop; }

  /** A slot holding a copy of `page` with `refs` users, or -1 when the device is full. */
  store(page: Uint8Array, refs: number): number {
    if (this.freeTop === 0) return -1;
    const s = this.freeList[--this.freeTop]!;
    this.data.set(page, s * 4096);
    this.count[s] = refs;
    this.swapOuts++;
    return s;
  }

  read(slot: number, into: Uint8Array): void {
    into.set(this.data.subarray(slot * 4096, slot * 4096 + 4096));
    this.swapIns++;
  }

  /** One user fewer; the slot is free at zero. */
  put(slot: number): void {
    if (--this.count[slot]! === 0) this.freeList[this.freeTop++] = slot;
  }

  dup(slot: number): void { this.count[slot]!++; }
}
