// The architectural TLB's set probes (tlb/arch.ts): which way of a set holds a tag, and
// which way an insert replaces. One copy per common ways count (PROBE_1 .. PROBE_16),
// chosen once when a level is configured, so the probe a lookup runs has a constant trip
// count, unrolled here: V8 then keeps every tag, stamp and mask in registers, where the
// loop over a ways count read from memory spilled and checked the stack. Any other ways
// count takes the generic narrow probe (up to 32 ways, a u32 mask) or the chunked wide one.
//
// Tags are compared two at a time (i64x2.eq + bitmask): a hit in a random way costs no
// misprediction. The victim search is a SIMD minimum too: an empty way counts as stamp 0
// (a filled way's stamp is at least 1), so "the first empty way, else the least recently
// used" is "the first way holding the minimum", found without a branch on the data.
import { ARCH_META, ARCH_STAMPS, ARCH_TAGS } from "../constants/layout";
import { META_GLOBAL, META_ASID_MASK } from "../constants/tlb";

export const PROBE_1: u32 = 0;
export const PROBE_2: u32 = 1;
export const PROBE_4: u32 = 2;
export const PROBE_8: u32 = 3;
export const PROBE_12: u32 = 4;
export const PROBE_16: u32 = 5;
/** Any other count up to NARROW ways: a loop over pairs of ways, a u32 mask. */
export const PROBE_NARROW: u32 = 6;
/** More than NARROW ways (up to fully associative): chunks of 64 ways, u64 masks. */
export const PROBE_WIDE: u32 = 7;
export const NARROW: u32 = 32;

/** The probe for a level of `ways` ways. */
export function probeFor(ways: u32): u32 {
  if (ways == 1) return PROBE_1;
  if (ways == 2) return PROBE_2;
  if (ways == 4) return PROBE_4;
  if (ways == 8) return PROBE_8;
  if (ways == 12) return PROBE_12;
  if (ways == 16) return PROBE_16;
  return ways <= NARROW ? PROBE_NARROW : PROBE_WIDE;
}

const EMPTY: u64 = 0xffffffffffffffff;

@inline function pair(p: usize, key: v128): u32 {
  return <u32>i64x2.bitmask(i64x2.eq(v128.load(p), key));
}

/** Bitmask of the `w` ways (a constant, even, ≤ 16) from tag address `p` equal to `tag`. */
@inline export function matchConst(p: usize, tag: u64, w: u32): u32 {
  const key = i64x2.splat(<i64>tag);
  let m = pair(p, key);
  if (w > 2) m |= pair(p + 16, key) << 2;
  if (w > 4) m |= pair(p + 32, key) << 4;
  if (w > 6) m |= pair(p + 48, key) << 6;
  if (w > 8) m |= pair(p + 64, key) << 8;
  if (w > 10) m |= pair(p + 80, key) << 10;
  if (w > 12) m |= pair(p + 96, key) << 12;
  if (w > 14) m |= pair(p + 112, key) << 14;
  return m;
}

/**
 * matchConst for any `ways` ≤ NARROW (a run-time value). An odd count reads one tag past
 * the set (the arrays are padded); that bit is masked off.
 */
@inline export function matchNarrow(p: usize, tag: u64, ways: u32): u32 {
  const key = i64x2.splat(<i64>tag);
  let mask: u32 = 0;
  for (let k: u32 = 0; k < ways; k += 2) {
    mask |= pair(p, key) << k;
    p += 16;
  }
  return mask & (<u32>(<u64>1 << ways) - 1);   // ways ≤ 32: the shift is in range
}

/** Bitmask of the `n` (1..64) ways from tag address `p` equal to `tag` (the wide path's chunk). */
@inline export function matchChunk(p: usize, tag: u64, n: u32): u64 {
  const key = i64x2.splat(<i64>tag);
  let mask: u64 = 0;
  for (let k: u32 = 0; k < n; k += 2) {
    mask |= <u64>pair(p, key) << <u64>k;
    p += 16;
  }
  return n >= 64 ? mask : mask & ((<u64>1 << <u64>n) - 1);   // 1 << 64 would wrap to 1
}

/**
 * The first of the matching ways `hits` (bit k = entry first + k of the level at `lb`)
 * whose address space is `asid` or that is global, or −1. Nearly every hit has one bit set and the
 * right address space: that case runs straight through; the rest loop out of line.
 */
@inline export function pickWay(lb: usize, first: u32, hits: u32, asid: u32): i32 {
  if (hits == 0) return -1;
  const i = first + ctz(hits);
  if (ownedBy(load<u32>(lb + ARCH_META + (<usize>i << 2)), asid)) return <i32>i;
  hits &= hits - 1;
  return hits == 0 ? -1 : pickWay64(lb, first, <u64>hits, asid);
}

/**
 * pickWay without its loop: the first matching way if it is `asid`'s or global, else −1
 * (also when a later way might be the one: the caller then asks archFind). No call.
 */
@inline export function pickFirst(lb: usize, first: u32, hits: u32, asid: u32): i32 {
  if (hits == 0) return -1;
  const i = first + ctz(hits);
  return ownedBy(load<u32>(lb + ARCH_META + (<usize>i << 2)), asid) ? <i32>i : -1;
}

@inline function ownedBy(meta: u32, asid: u32): bool {
  return ((meta & META_GLOBAL) != 0) | ((meta & META_ASID_MASK) == asid);
}

/** pickWay for any mask, as a loop (a chunk of the wide path, or the ways after an address-space mismatch). */
export function pickWay64(lb: usize, first: u32, hits: u64, asid: u32): i32 {
  while (hits != 0) {
    const i = first + <u32>ctz(hits);
    if (ownedBy(load<u32>(lb + ARCH_META + (<usize>i << 2)), asid)) return <i32>i;
    hits &= hits - 1;
  }
  return -1;
}

/** archFind for sets wider than NARROW (up to fully associative): chunks of 64 ways. Kept out of line. */
export function findWide(lb: usize, first: u32, ways: u32, tag: u64, asid: u32): i32 {
  for (let c: u32 = 0; c < ways; c += 64) {
    const n = ways - c < 64 ? ways - c : 64;
    const i = pickWay64(lb, first + c, matchChunk(lb + ARCH_TAGS + (<usize>(first + c) << 3), tag, n), asid);
    if (i >= 0) return i;
  }
  return -1;
}

/** The entry of the direct-mapped set `first` if it holds `tag` for `asid` (or global), else −1. */
@inline export function find1(lb: usize, first: u32, tag: u64, asid: u32): i32 {
  if (load<u64>(lb + ARCH_TAGS + (<usize>first << 3)) != tag) return -1;
  return ownedBy(load<u32>(lb + ARCH_META + (<usize>first << 2)), asid) ? <i32>first : -1;
}

/** The stamps of a pair of ways, 0 where the way is empty. */
@inline function stampPair(lb: usize, first: u32, k: u32): v128 {
  const t = v128.load(lb + ARCH_TAGS + (<usize>(first + k) << 3));
  const s = v128.load(lb + ARCH_STAMPS + (<usize>(first + k) << 3));
  return v128.andnot(s, i64x2.eq(t, i64x2.splat(-1)));
}

/** Lane-wise minimum of two stamp pairs (stamps are below 2^63: a signed compare orders them). */
@inline function min2(a: v128, b: v128): v128 { return v128.bitselect(a, b, i64x2.lt_s(a, b)); }

@inline function eqMask(v: v128, key: v128, k: u32): u32 { return <u32>i64x2.bitmask(i64x2.eq(v, key)) << k; }

/**
 * The way an insert into the set at `first` (`w` ways, a constant, even, ≤ 16) replaces:
 * the first empty way, else the least recently used. SIMD, no branch on the data.
 */
@inline export function victimConst(lb: usize, first: u32, w: u32): u32 {
  const s0 = stampPair(lb, first, 0);
  const s1 = w > 2 ? stampPair(lb, first, 2) : s0;
  const s2 = w > 4 ? stampPair(lb, first, 4) : s0;
  const s3 = w > 6 ? stampPair(lb, first, 6) : s0;
  const s4 = w > 8 ? stampPair(lb, first, 8) : s0;
  const s5 = w > 10 ? stampPair(lb, first, 10) : s0;
  const s6 = w > 12 ? stampPair(lb, first, 12) : s0;
  const s7 = w > 14 ? stampPair(lb, first, 14) : s0;
  let m = s0;
  if (w > 2) m = min2(m, s1);
  if (w > 4) m = min2(m, s2);
  if (w > 6) m = min2(m, s3);
  if (w > 8) m = min2(m, s4);
  if (w > 10) m = min2(m, s5);
  if (w > 12) m = min2(m, s6);
  if (w > 14) m = min2(m, s7);
  const a = i64x2.extract_lane(m, 0), b = i64x2.extract_lane(m, 1);
  const key = i64x2.splat(a < b ? a : b);
  let bits = eqMask(s0, key, 0);
  if (w > 2) bits |= eqMask(s1, key, 2);
  if (w > 4) bits |= eqMask(s2, key, 4);
  if (w > 6) bits |= eqMask(s3, key, 6);
  if (w > 8) bits |= eqMask(s4, key, 8);
  if (w > 10) bits |= eqMask(s5, key, 10);
  if (w > 12) bits |= eqMask(s6, key, 12);
  if (w > 14) bits |= eqMask(s7, key, 14);
  return first + ctz(bits);
}

/** victimConst for any ways count: a scalar pass with selects (an empty way as stamp 0). */
export function victimAny(lb: usize, first: u32, ways: u32): u32 {
  let victim = first;
  let oldest: u64 = 0xffffffffffffffff;
  for (let i = first; i < first + ways; i++) {
    const t = load<u64>(lb + ARCH_TAGS + (<usize>i << 3));
    const s = select<u64>(0, load<u64>(lb + ARCH_STAMPS + (<usize>i << 3)), t == EMPTY);
    const older = s < oldest;
    victim = select<u32>(i, victim, older);
    oldest = select<u64>(s, oldest, older);
  }
  return victim;
}
