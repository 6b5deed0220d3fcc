// Fully associative LRU TLBs of several sizes W_0 < W_1 < ... < W_{K-1} answered by one
// recency list (group.ts): a W-entry LRU TLB holds the W most recently used distinct
// pages, so a page at depth d hits in every TLB larger than d. The list keeps each page's
// zone (the smallest i with d < W_i) and a pointer to the deepest page of each zone, so
// an access costs a hash lookup, a move to the front and O(K) zone updates, whatever the
// sizes: when a page moves to the front, the deepest page of every zone above it slides
// one zone down.
import { studyAlloc } from "./heap";

const Z_K: usize = 0;          // u32: sizes
const Z_SIZES: usize = 4;      // u32 ptr: W_i ascending
const Z_TAILS: usize = 8;      // u32 ptr: deepest node of zone i, or NIL
const Z_LEN: usize = 12;       // u32: pages listed
const Z_HEAD: usize = 16;      // u32: most recent node
const Z_END: usize = 20;       // u32: least recent node
const Z_PREV: usize = 24;      // u32 ptr per node
const Z_NEXT: usize = 28;
const Z_ZONE: usize = 32;
const Z_KEY: usize = 36;       // u64 per node: vpn + 1
const Z_HASH: usize = 40;      // u32 per bucket: node + 1, 0 empty
const Z_HBITS: usize = 44;
const Z_BYTES: usize = 48;
const NIL: u32 = 0xffffffff;
const GOLDEN: u64 = 0x9e3779b97f4a7c15;

@inline function u32At(base: usize, i: u32): usize { return base + (<usize>i << 2); }
@inline function field(z: usize, f: usize): usize { return <usize>load<u32>(z + f); }

/** Zones for the `k` sizes at `sizes` (u32, strictly ascending). 0 when memory runs out or the sizes are bad. */
export function studyZonesCreate(sizes: usize, k: u32): usize {
  if (k == 0) return 0;
  for (let i: u32 = 1; i < k; i++) if (load<u32>(u32At(sizes, i)) <= load<u32>(u32At(sizes, i - 1))) return 0;
  const cap = load<u32>(u32At(sizes, k - 1));
  if (load<u32>(sizes) == 0 || cap > (1 << 22)) return 0;
  const hbits: u32 = 32 - clz<u32>(cap) + 1;
  const z = studyAlloc(Z_BYTES);
  const own = studyAlloc(<usize>k << 2), tails = studyAlloc(<usize>k << 2);
  const prev = studyAlloc(<usize>cap << 2), next = studyAlloc(<usize>cap << 2), zone = studyAlloc(<usize>cap << 2);
  const keys = studyAlloc(<usize>cap << 3), hash = studyAlloc(<usize>4 << hbits);
  if (z == 0 || own == 0 || tails == 0 || prev == 0 || next == 0 || zone == 0 || keys == 0 || hash == 0) return 0;
  memory.copy(own, sizes, <usize>k << 2);
  memory.fill(tails, 0xff, <usize>k << 2);
  store<u32>(z + Z_K, k);
  store<u32>(z + Z_SIZES, <u32>own);
  store<u32>(z + Z_TAILS, <u32>tails);
  store<u32>(z + Z_HEAD, NIL);
  store<u32>(z + Z_END, NIL);
  store<u32>(z + Z_PREV, <u32>prev);
  store<u32>(z + Z_NEXT, <u32>next);
  store<u32>(z + Z_ZONE, <u32>zone);
  store<u32>(z + Z_KEY, <u32>keys);
  store<u32>(z + Z_HASH, <u32>hash);
  store<u32>(z + Z_HBITS, hbits);
  return z;
}

@inline function home(key: u64, hbits: u32): u32 { return <u32>((key * GOLDEN) >> (64 - <u64>hbits)); }
@inline function keyOf(z: usize, node: u32): u64 { return load<u64>(field(z, Z_KEY) + (<usize>node << 3)); }

function find(z: usize, key: u64): u32 {
  const hbits = load<u32>(z + Z_HBITS), mask: u32 = (1 << hbits) - 1, table = field(z, Z_HASH);
  let i = home(key, hbits);
  let s = load<u32>(u32At(table, i));
  while (s != 0) {
    if (keyOf(z, s - 1) == key) return s - 1;
    i = (i + 1) & mask;
    s = load<u32>(u32At(table, i));
  }
  return NIL;
}

function hashAdd(z: usize, key: u64, node: u32): void {
  const hbits = load<u32>(z + Z_HBITS), mask: u32 = (1 << hbits) - 1, table = field(z, Z_HASH);
  let i = home(key, hbits);
  while (load<u32>(u32At(table, i)) != 0) i = (i + 1) & mask;
  store<u32>(u32At(table, i), node + 1);
}

/** Remove `key` (present): backward-shift deletion keeps every probe run unbroken. */
function hashRemove(z: usize, key: u64): void {
  const hbits = load<u32>(z + Z_HBITS), mask: u32 = (1 << hbits) - 1, table = field(z, Z_HASH);
  let i = home(key, hbits);
  while (keyOf(z, load<u32>(u32At(table, i)) - 1) != key) i = (i + 1) & mask;
  let j = i;
  for (;;) {
    j = (j + 1) & mask;
    const s = load<u32>(u32At(table, j));
    if (s == 0) break;
    const h = home(keyOf(z, s - 1), hbits);
    if (((j - h) & mask) >= ((j - i) & mask)) { store<u32>(u32At(table, i), s); i = j; }
  }
  store<u32>(u32At(table, i), 0);
}

function unlink(z: usize, x: u32): void {
  const prev = field(z, Z_PREV), next = field(z, Z_NEXT);
  const p = load<u32>(u32At(prev, x)), n = load<u32>(u32At(next, x));
  if (p != NIL) store<u32>(u32At(next, p), n); else store<u32>(z + Z_HEAD, n);
  if (n != NIL) store<u32>(u32At(prev, n), p); else store<u32>(z + Z_END, p);
}

function pushFront(z: usize, x: u32): void {
  const prev = field(z, Z_PREV), next = field(z, Z_NEXT), h = load<u32>(z + Z_HEAD);
  store<u32>(u32At(prev, x), NIL);
  store<u32>(u32At(next, x), h);
  if (h != NIL) store<u32>(u32At(prev, h), x); else store<u32>(z + Z_END, x);
  store<u32>(z + Z_HEAD, x);
}

/** Access `vpn`: its zone before the access (it hits in TLBs i >= zone), or NIL; it becomes the most recent. */
export function zonesAccess(z: usize, vpn: u64): u32 {
  const key = vpn + 1, k = load<u32>(z + Z_K);
  const prev = field(z, Z_PREV), zone = field(z, Z_ZONE), tails = field(z, Z_TAILS);
  const x = find(z, key);
  if (x != NIL) {
    const zx = load<u32>(u32At(zone, x));
    if (load<u32>(z + Z_HEAD) == x) return zx;            // depth 0: nothing moves
    const before = load<u32>(u32At(prev, x));
    unlink(z, x);
    pushFront(z, x);
    // Pages shallower than x slide one deeper: each zone below zx hands its deepest page on.
    for (let i: u32 = 0; i < zx; i++) {
      const t = load<u32>(u32At(tails, i));
      store<u32>(u32At(zone, t), i + 1);
      store<u32>(u32At(tails, i), load<u32>(u32At(prev, t)));
    }
    if (load<u32>(u32At(tails, zx)) == x) store<u32>(u32At(tails, zx), before);
    store<u32>(u32At(zone, x), 0);
    return zx;
  }
  // A miss: every page slides one deeper; the deepest of the largest zone leaves.
  const sizes = field(z, Z_SIZES), cap = load<u32>(u32At(sizes, k - 1));
  let len = load<u32>(z + Z_LEN);
  let node = len;
  let evicted = false;
  if (len == cap) {
    node = load<u32>(z + Z_END);
    hashRemove(z, keyOf(z, node));
    unlink(z, node);
    len--;
    evicted = true;
  }
  store<u64>(field(z, Z_KEY) + (<usize>node << 3), key);
  hashAdd(z, key, node);
  pushFront(z, node);
  store<u32>(u32At(zone, node), 0);
  len++;
  store<u32>(z + Z_LEN, len);
  for (let i: u32 = 0; i < k; i++) {
    const t = load<u32>(u32At(tails, i));
    if (i == k - 1 && evicted) store<u32>(u32At(tails, i), load<u32>(z + Z_END));
    else if (t != NIL) {
      store<u32>(u32At(zone, t), i + 1);
      store<u32>(u32At(tails, i), load<u32>(u32At(prev, t)));
    } else if (len == load<u32>(u32At(sizes, i))) store<u32>(u32At(tails, i), load<u32>(z + Z_END));
  }
  return NIL;
}
