// PCIDs for address spaces. x86 tags TLB entries with the 12-bit PCID of CR3, so 4095
// address spaces (PCID 0 aside) keep their entries across switches. They are handed out
// from a free set and come back at exit, flushed (INVPCID single-context) before reuse.
// When all are taken, further address spaces share PCID 0 and every CR3 load of one of
// them flushes PCID 0's entries (no no-flush bit): like Linux reusing one of its few
// dynamic ASIDs, a PCID is never used by two address spaces without a flush in between.
export class PcidPool {
  private readonly free: number[] = [];

  /** `count` PCIDs (CR3_PCID_MASK + 1); 0 is never handed out as a process's own. */
  constructor(readonly count: number) {
    for (let p = count - 1; p >= 1; p--) this.free.push(p);
  }

  /** A PCID of its own for a new address space (1, 2, … at first, then the latest freed), or 0 when none is free. */
  take(): number { return this.free.pop() ?? 0; }

  /** An exited address space's PCID, already flushed. */
  release(pcid: number): void { if (pcid !== 0) this.free.push(pcid); }

  get available(): number { return this.free.length; }
}
