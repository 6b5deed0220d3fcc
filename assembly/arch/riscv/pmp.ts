// Physical memory protection for S- and U-mode accesses (privileged spec, "Physical Memory
// Protection"): up to PMP_ENTRIES entries, each a pmpcfg byte (R, W, X, A, L) and a
// pmpaddr (address bits 55:2 on RV64, 33:2 on RV32). The lowest-numbered entry that
// matches any byte of an access decides: it must match every byte and grant the kind.
// No entry matching an S/U access fails when at least one entry is implemented; with none
// implemented (the host gave no table) every access passes. Checked on PTE reads, on A/D
// writes and on the final physical address (walk.ts).
import { PMP_A_SHIFT, PMP_ENTRIES, PMP_NA4, PMP_NAPOT, PMP_OFF, PMP_R, PMP_TOR, PMP_W, PMP_X } from "./constants";
import { ACC_FETCH, ACC_WRITE } from "../../constants/access";
import { quirksQemu, xlen32 } from "./state";

const cfgs = memory.data(PMP_ENTRIES);
const addrs = memory.data(PMP_ENTRIES * 8, 8);
/** Entries implemented (0: no PMP, every access passes). */
export let pmpCount: u32 = 0;

/**
 * Every access below 2^56 passes (sv39.ts's common walk reads this instead of matching per
 * read: an Sv39 walk's entries and addresses all lie below 2^56). True with no entry
 * implemented, or on RV64 when the first active entry is a NAPOT range from 0 over at
 * least 2^56 bytes granting R, W and X: the catch-all a firmware gives S-mode. Recomputed
 * at every PMP write.
 */
export let pmpOpenBelow56: bool = true;

/** Set entry `i` (< PMP_ENTRIES); the host validated the values. */
export function setPmpEntry(i: u32, cfg: u32, addr: u64): void {
  store<u8>(cfgs + i, <u8>cfg);
  store<u64>(addrs + (<usize>i << 3), addr);
  pmpOpenBelow56 = openBelow56();
}
export function setPmpCount(n: u32): void {
  pmpCount = n;
  pmpOpenBelow56 = openBelow56();
}

function openBelow56(): bool {
  if (pmpCount == 0) return true;
  if (xlen32) return false;
  for (let i: u32 = 0; i < pmpCount; i++) {
    const cfg = <u32>load<u8>(cfgs + i);
    const a = (cfg >> PMP_A_SHIFT) & 3;
    if (a == PMP_OFF) continue;
    // The first active entry decides every access it matches wholly (pmpMatch).
    if (a != PMP_NAPOT || (cfg & (PMP_R | PMP_W | PMP_X)) != (PMP_R | PMP_W | PMP_X)) return false;
    const addr = load<u64>(addrs + (<usize>i << 3));
    const ones = <u64>ctz(~addr);
    if (ones >= 60) return true;
    const lo = (addr & ~((<u64>1 << ones) - 1)) << 2;
    return lo == 0 && ones + 3 >= 56;
  }
  return false;   // entries, none active: no access matches, every one fails
}

/** The PMP permission bit an access kind needs. */
@inline export function pmpPerm(kind: u32): u32 { return kind == ACC_WRITE ? PMP_W : kind == ACC_FETCH ? PMP_X : PMP_R; }

/** The `size` bytes at physical address `pa` may be accessed with permission `perm` (PMP_R/W/X). */
@inline export function pmpAllows(pa: u64, size: u64, perm: u32): bool {
  return pmpCount == 0 || pmpMatch(pa, size, perm);
}

function pmpMatch(pa: u64, size: u64, perm: u32): bool {
  // QEMU 7.2 on RV32 takes the address as a 32-bit value (pmp_hart_has_privs(env,
  // target_ulong addr, ...), hwaddr only since QEMU 9.0): an Sv32 page-table address at or
  // above 4 GiB is checked at its address mod 4 GiB (and then read at its full address).
  if (quirksQemu && xlen32) pa &= 0xffffffff;
  const end = pa + size;
  for (let i: u32 = 0; i < pmpCount; i++) {
    const cfg = <u32>load<u8>(cfgs + i);
    const a = (cfg >> PMP_A_SHIFT) & 3;
    if (a == PMP_OFF) continue;
    const addr = load<u64>(addrs + (<usize>i << 3));
    let lo: u64, hi: u64;
    if (a == PMP_TOR) {
      lo = i == 0 ? 0 : load<u64>(addrs + (<usize>(i - 1) << 3)) << 2;
      hi = addr << 2;
    } else if (a == PMP_NA4) {
      lo = addr << 2;
      hi = lo + 4;
    } else {   // NAPOT: the trailing ones of pmpaddr give the size, 2^(ones + 3) bytes
      const ones = <u64>ctz(~addr);
      if (ones >= 60) return (cfg & perm) != 0;    // pmpaddr all ones: the whole address space
      lo = (addr & ~((<u64>1 << ones) - 1)) << 2;
      hi = lo + (<u64>1 << (ones + 3));
    }
    if (lo >= hi || end <= lo || pa >= hi) continue;   // no byte matches (TOR with top ≤ bottom matches nothing)
    if (pa < lo || end > hi) return false;             // some bytes only: the access fails
    return (cfg & perm) != 0;
  }
  return false;
}
