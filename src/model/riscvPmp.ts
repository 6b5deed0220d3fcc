// Physical memory protection for the RISC-V reference model, from the privileged spec's
// machine chapter ("Physical Memory Protection"): entries are the raw CSR values, one
// pmpNcfg byte and one pmpaddrN each, so a test can state them as a guest writes them.
//
// - pmpNcfg: R bit 0, W bit 1, X bit 2, A bits 4:3 (0 OFF, 1 TOR, 2 NA4, 3 NAPOT), L bit 7.
// - pmpaddrN holds address bits XLEN 64: 55:2 (54 bits), XLEN 32: 33:2 (32 bits).
// - TOR: pmpaddr[N-1] <= a >> 2 < pmpaddr[N] (entry 0: from 0); the previous entry's
//   address is used whatever its own A field says. NA4: 4 bytes. NAPOT: k trailing ones
//   give 2^(k+3) bytes (all ones: 2^(XLEN+3), beyond the whole space).
// - The lowest-numbered entry that matches any byte of the access decides: it must
//   match every byte, and its R/W/X allow S- and U-mode accesses (M-mode only when L is
//   set). No match: M-mode is allowed, S and U fail as soon as one entry is implemented
//   (the list is not empty). Granularity is 4 bytes (G = 0).
// Implicit page-table reads and A/D writes are checked as S-mode accesses (the spec:
// "implicit accesses ... are treated as S-mode").

export const PMP_R = 1, PMP_W = 2, PMP_X = 4, PMP_L = 0x80;
export const PMP_OFF = 0, PMP_TOR = 1, PMP_NA4 = 2, PMP_NAPOT = 3;

/** One PMP entry as the CSRs hold it. */
export interface PmpEntry { cfg: number; addr: bigint }

export type PmpAccess = 'read' | 'write' | 'fetch';
export type PmpPriv = 'U' | 'S' | 'M';

/** pmpaddr for a NAPOT region of `size` bytes (a power of two >= 8) at `base` (aligned to it). */
export function napotAddr(base: bigint, size: bigint): bigint {
  if (size < 8n || (size & (size - 1n)) !== 0n || base % size !== 0n) {
    throw new RangeError(`NAPOT region 0x${base.toString(16)}+0x${size.toString(16)}: size a power of two >= 8, base aligned to it`);
  }
  return (base >> 2n) | ((size >> 3n) - 1n);
}

/** The byte range [lo, hi) an entry covers, or null (OFF, or an empty TOR range). */
export function pmpRange(entries: readonly PmpEntry[], i: number, xlen: 32 | 64): [bigint, bigint] | null {
  const e = entries[i]!;
  const width = xlen === 64 ? 54n : 32n;
  const addr = e.addr & ((1n << width) - 1n);
  switch ((e.cfg >> 3) & 3) {
    case PMP_TOR: {
      const lo = i === 0 ? 0n : (entries[i - 1]!.addr & ((1n << width) - 1n)) << 2n;
      const hi = addr << 2n;
      return lo < hi ? [lo, hi] : null;
    }
    case PMP_NA4: return [addr << 2n, (addr << 2n) + 4n];
    case PMP_NAPOT: {
      let k = 0n;
      while (k < width && ((addr >> k) & 1n) === 1n) k++;
      const size = 1n << (k + 3n);
      const lo = (addr << 2n) & ~(size - 1n);
      return [lo, lo + size];
    }
    default: return null;
  }
}

/** Whether PMP allows `bytes` bytes at `pa` for this access and effective privilege. */
export function pmpAllows(entries: readonly PmpEntry[], xlen: 32 | 64, pa: bigint, bytes: number,
  access: PmpAccess, priv: PmpPriv): boolean {
  const end = pa + BigInt(bytes);
  for (let i = 0; i < entries.length; i++) {
    const r = pmpRange(entries, i, xlen);
    if (!r || end <= r[0] || pa >= r[1]) continue;          // no byte matches
    if (pa < r[0] || end > r[1]) return false;              // some bytes only
    const cfg = entries[i]!.cfg;
    if (priv === 'M' && !(cfg & PMP_L)) return true;
    const bit = access === 'read' ? PMP_R : access === 'write' ? PMP_W : PMP_X;
    return (cfg & bit) !== 0;
  }
  return priv === 'M' || entries.length === 0;
}
