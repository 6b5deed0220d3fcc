// A TLB of any geometry for TLB studies: `entries/ways`, set = vpn mod sets, and one of
// four replacement policies (true LRU, tree-PLRU, FIFO, random with a seed). Lookups and
// inserts cost O(1) whatever the ways count (tree-PLRU: O(log ways)), so a fully
// associative 65536/65536 TLB costs what a 4-way one does:
//
// - narrow sets (ways <= STUDY_SCAN_WAYS): the set's tags are searched in place; LRU and
//   FIFO keep a stamp per way (the smallest stamp is the victim; an empty way has stamp 0,
//   so "the first empty way, else the oldest" is one minimum search).
// - wide sets: a hash table of tags (open addressing, linear probing, backward-shift
//   deletion) finds the way; LRU and FIFO keep each set's ways in a doubly linked list,
//   most recent (LRU) or newest (FIFO) first, so the victim is the list's tail; a set
//   fills its ways in order before it evicts.
//
// A TLB lives at a descriptor in linear memory (studyTlbCreate), so one instance holds
// every configuration a worker runs. Tags are vpn + 1 (0 = empty). Entries hold no
// frame unless asked (`frames`: trace replay's wide levels, which need it on a hit): the
// study's decoded records carry the physical address already.
import { POLICY_FIFO, POLICY_LRU, POLICY_PLRU, POLICY_RANDOM, STUDY_KEY_2M, STUDY_MAX_ENTRIES, STUDY_SCAN_WAYS } from "../constants/study";
import { studyAlloc } from "./heap";

// Descriptor fields (byte offsets).
const D_SETS: usize = 0;
const D_WAYS: usize = 4;
const D_POLICY: usize = 8;
const D_WIDE: usize = 12;
const D_TAGS: usize = 16;
const D_STAMPS: usize = 20;
const D_HASH: usize = 24;
const D_HBITS: usize = 28;
const D_PREV: usize = 32;
const D_NEXT: usize = 36;
const D_HEAD: usize = 40;
const D_TAIL: usize = 44;
const D_FILL: usize = 48;
const D_PLRU: usize = 52;
const D_SETMASK: usize = 56;
const D_LOG2WAYS: usize = 60;
const D_RNG: usize = 64;
const D_CLOCK: usize = 72;
const D_FRAMES: usize = 80;
const D_BYTES: usize = 96;

const NOT_POW2: u32 = 0xffffffff;
const NIL: u32 = 0xffffffff;
const GOLDEN: u64 = 0x9e3779b97f4a7c15;

/** The random policy's generator: xorshift64 (13, 7, 17) seeded with seed XOR GOLDEN (never 0). */
export function rngSeed(seed: u64): u64 {
  const s = seed ^ GOLDEN;
  return s == 0 ? GOLDEN : s;
}
@inline function rngNext(x: u64): u64 {
  x ^= x << 13; x ^= x >> 7; x ^= x << 17;
  return x;
}

/** The slot of the last hit (tlbLookup) or insert (tlbInsert). */
let lastSlot: u32 = 0;

/** Where the frame of the last hit or insert is kept (a TLB created with frames). */
@inline export function tlbFrameAddr(d: usize): usize { return <usize>load<u32>(d + D_FRAMES) + (<usize>lastSlot << 3); }

function log2(v: u32): u32 { return 31 - clz<u32>(v); }

/**
 * A TLB of `entries/ways` with `policy`; `seed` for POLICY_RANDOM. Returns its descriptor,
 * or 0 for a geometry or policy it cannot hold (entries not a whole number of sets, above
 * STUDY_MAX_ENTRIES, tree-PLRU with ways not a power of two) or when memory runs out.
 */
export function studyTlbCreate(entries: u32, ways: u32, policy: u32, seed: u64, frames: bool): usize {
  if (ways == 0 || entries == 0 || entries > STUDY_MAX_ENTRIES || entries % ways != 0 || policy > POLICY_RANDOM) return 0;
  if (policy == POLICY_PLRU && (ways & (ways - 1)) != 0) return 0;
  const sets = entries / ways;
  const wide = ways > STUDY_SCAN_WAYS;
  const d = studyAlloc(D_BYTES);
  if (d == 0) return 0;
  store<u32>(d + D_SETS, sets);
  store<u32>(d + D_WAYS, ways);
  store<u32>(d + D_POLICY, policy);
  store<u32>(d + D_WIDE, wide ? 1 : 0);
  store<u32>(d + D_SETMASK, (sets & (sets - 1)) == 0 ? sets - 1 : NOT_POW2);
  store<u32>(d + D_LOG2WAYS, log2(ways));
  store<u64>(d + D_RNG, rngSeed(seed));
  store<u64>(d + D_CLOCK, 0);
  const tags = studyAlloc(<usize>entries << 3);
  if (tags == 0) return 0;
  store<u32>(d + D_TAGS, <u32>tags);
  if (frames) {
    const f = studyAlloc(<usize>entries << 3);
    if (f == 0) return 0;
    store<u32>(d + D_FRAMES, <u32>f);
  }
  if (policy == POLICY_PLRU) {
    const t = studyAlloc(<usize>entries);       // ways bytes per set: tree nodes 1 .. ways-1
    if (t == 0) return 0;
    store<u32>(d + D_PLRU, <u32>t);
  }
  if (!wide) {
    const stamps = studyAlloc(<usize>entries << 3);
    if (stamps == 0) return 0;
    store<u32>(d + D_STAMPS, <u32>stamps);
    return d;
  }
  // Wide: the hash table (at least twice the entries: short probe runs) and the set lists.
  const hbits = log2(entries) + 2;
  const hash = studyAlloc(<usize>4 << hbits);
  const prev = studyAlloc(<usize>entries << 2);
  const next = studyAlloc(<usize>entries << 2);
  const head = studyAlloc(<usize>sets << 2);
  const tail = studyAlloc(<usize>sets << 2);
  const fill = studyAlloc(<usize>sets << 2);
  if (hash == 0 || prev == 0 || next == 0 || head == 0 || tail == 0 || fill == 0) return 0;
  memory.fill(head, 0xff, <usize>sets << 2);
  memory.fill(tail, 0xff, <usize>sets << 2);
  store<u32>(d + D_HASH, <u32>hash);
  store<u32>(d + D_HBITS, hbits);
  store<u32>(d + D_PREV, <u32>prev);
  store<u32>(d + D_NEXT, <u32>next);
  store<u32>(d + D_HEAD, <u32>head);
  store<u32>(d + D_TAIL, <u32>tail);
  store<u32>(d + D_FILL, <u32>fill);
  return d;
}

/** The set of `vpn` (a 2 MiB key's size bit, STUDY_KEY_2M, is not part of the index). */
@inline function setOf(d: usize, vpn: u64): u32 {
  const mask = load<u32>(d + D_SETMASK);
  return mask != NOT_POW2 ? <u32>vpn & mask : <u32>((vpn & ~STUDY_KEY_2M) % <u64>load<u32>(d + D_SETS));
}

@inline function tagAt(d: usize, slot: u32): u64 { return load<u64>(<usize>load<u32>(d + D_TAGS) + (<usize>slot << 3)); }

// ── tree-PLRU ─────────────────────────────────────────────────────────────────────
// Each set has ways − 1 node bits (node 1 the root, node n's children 2n and 2n+1, the
// leaves ways .. 2·ways−1 standing for the ways). A node's bit names the child to
// evict from next: a use points every node on the way's path away from it.

function plruTouch(d: usize, set: u32, way: u32): void {
  const lg = load<u32>(d + D_LOG2WAYS);
  const tree = <usize>load<u32>(d + D_PLRU) + <usize>set * <usize>load<u32>(d + D_WAYS);
  let node: u32 = 1;
  for (let level: u32 = 0; level < lg; level++) {
    const dir = (way >> (lg - 1 - level)) & 1;
    store<u8>(tree + node, <u8>(dir ^ 1));
    node = (node << 1) | dir;
  }
}

function plruVictim(d: usize, set: u32): u32 {
  const ways = load<u32>(d + D_WAYS);
  const tree = <usize>load<u32>(d + D_PLRU) + <usize>set * <usize>ways;
  let node: u32 = 1;
  while (node < ways) node = (node << 1) | <u32>load<u8>(tree + node);
  return node - ways;
}

@inline function randomWay(d: usize): u32 {
  const x = rngNext(load<u64>(d + D_RNG));
  store<u64>(d + D_RNG, x);
  return <u32>(x % <u64>load<u32>(d + D_WAYS));
}

// ── the hash of tags (wide sets) ──────────────────────────────────────────────────

@inline function home(key: u64, hbits: u32): u32 { return <u32>((key * GOLDEN) >> (64 - <u64>hbits)); }

/** The slot holding `key`, or NIL. */
function hashFind(d: usize, key: u64): u32 {
  const hbits = load<u32>(d + D_HBITS);
  const mask: u32 = (1 << hbits) - 1;
  const table = <usize>load<u32>(d + D_HASH);
  const tags = <usize>load<u32>(d + D_TAGS);
  let i = home(key, hbits);
  let s = load<u32>(table + (<usize>i << 2));
  while (s != 0) {
    if (load<u64>(tags + (<usize>(s - 1) << 3)) == key) return s - 1;
    i = (i + 1) & mask;
    s = load<u32>(table + (<usize>i << 2));
  }
  return NIL;
}

function hashInsert(d: usize, key: u64, slot: u32): void {
  const hbits = load<u32>(d + D_HBITS);
  const mask: u32 = (1 << hbits) - 1;
  const table = <usize>load<u32>(d + D_HASH);
  let i = home(key, hbits);
  while (load<u32>(table + (<usize>i << 2)) != 0) i = (i + 1) & mask;
  store<u32>(table + (<usize>i << 2), slot + 1);
}

/** Remove `key` (present): backward-shift deletion keeps every probe run unbroken. */
function hashRemove(d: usize, key: u64): void {
  const hbits = load<u32>(d + D_HBITS);
  const mask: u32 = (1 << hbits) - 1;
  const table = <usize>load<u32>(d + D_HASH);
  const tags = <usize>load<u32>(d + D_TAGS);
  let i = home(key, hbits);
  while (load<u64>(tags + (<usize>(load<u32>(table + (<usize>i << 2)) - 1) << 3)) != key) i = (i + 1) & mask;
  let j = i;
  for (;;) {
    j = (j + 1) & mask;
    const s = load<u32>(table + (<usize>j << 2));
    if (s == 0) break;
    const h = home(load<u64>(tags + (<usize>(s - 1) << 3)), hbits);
    // Move j's key into the hole at i unless its home lies cyclically in (i, j].
    if (((j - h) & mask) >= ((j - i) & mask)) {
      store<u32>(table + (<usize>i << 2), s);
      i = j;
    }
  }
  store<u32>(table + (<usize>i << 2), 0);
}

// ── set lists (wide LRU / FIFO) ───────────────────────────────────────────────────

function listUnlink(d: usize, set: u32, slot: u32): void {
  const prev = <usize>load<u32>(d + D_PREV), next = <usize>load<u32>(d + D_NEXT);
  const p = load<u32>(prev + (<usize>slot << 2)), n = load<u32>(next + (<usize>slot << 2));
  if (p != NIL) store<u32>(next + (<usize>p << 2), n); else store<u32>(<usize>load<u32>(d + D_HEAD) + (<usize>set << 2), n);
  if (n != NIL) store<u32>(prev + (<usize>n << 2), p); else store<u32>(<usize>load<u32>(d + D_TAIL) + (<usize>set << 2), p);
}

function listPushHead(d: usize, set: u32, slot: u32): void {
  const prev = <usize>load<u32>(d + D_PREV), next = <usize>load<u32>(d + D_NEXT);
  const headAt = <usize>load<u32>(d + D_HEAD) + (<usize>set << 2);
  const h = load<u32>(headAt);
  store<u32>(prev + (<usize>slot << 2), NIL);
  store<u32>(next + (<usize>slot << 2), h);
  if (h != NIL) store<u32>(prev + (<usize>h << 2), slot); else store<u32>(<usize>load<u32>(d + D_TAIL) + (<usize>set << 2), slot);
  store<u32>(headAt, slot);
}

// ── lookup and insert ─────────────────────────────────────────────────────────────

/** Look `vpn` up; on a hit, update the policy's state (LRU recency, PLRU bits) and return true. */
export function tlbLookup(d: usize, vpn: u64): bool {
  const key = vpn + 1;
  const set = setOf(d, vpn);
  const policy = load<u32>(d + D_POLICY);
  if (load<u32>(d + D_WIDE) == 0) {
    const ways = load<u32>(d + D_WAYS);
    const first = set * ways;
    const tags = <usize>load<u32>(d + D_TAGS) + (<usize>first << 3);
    for (let w: u32 = 0; w < ways; w++) {
      if (load<u64>(tags + (<usize>w << 3)) == key) {
        lastSlot = first + w;
        if (policy == POLICY_LRU) {
          const c = load<u64>(d + D_CLOCK) + 1;
          store<u64>(d + D_CLOCK, c);
          store<u64>(<usize>load<u32>(d + D_STAMPS) + (<usize>(first + w) << 3), c);
        } else if (policy == POLICY_PLRU) plruTouch(d, set, w);
        return true;
      }
    }
    return false;
  }
  const slot = hashFind(d, key);
  if (slot == NIL) return false;
  lastSlot = slot;
  if (policy == POLICY_LRU) { listUnlink(d, set, slot); listPushHead(d, set, slot); }
  else if (policy == POLICY_PLRU) plruTouch(d, set, slot - set * load<u32>(d + D_WAYS));
  return true;
}

/**
 * Insert `vpn` (not present): into the set's first empty way, else over the policy's
 * victim. Returns the vpn evicted + 1, or 0 when a way was empty.
 */
export function tlbInsert(d: usize, vpn: u64): u64 {
  const key = vpn + 1;
  const set = setOf(d, vpn);
  const policy = load<u32>(d + D_POLICY);
  const ways = load<u32>(d + D_WAYS);
  const first = set * ways;
  const tags = <usize>load<u32>(d + D_TAGS);
  let way: u32 = 0;
  let old: u64 = 0;
  if (load<u32>(d + D_WIDE) == 0) {
    const t = tags + (<usize>first << 3);
    let empty: u32 = NIL;
    for (let w: u32 = 0; w < ways; w++) if (load<u64>(t + (<usize>w << 3)) == 0) { empty = w; break; }
    if (empty != NIL) way = empty;
    else if (policy == POLICY_LRU || policy == POLICY_FIFO) {
      const stamps = <usize>load<u32>(d + D_STAMPS) + (<usize>first << 3);
      let best = load<u64>(stamps);
      for (let w: u32 = 1; w < ways; w++) {
        const s = load<u64>(stamps + (<usize>w << 3));
        if (s < best) { best = s; way = w; }
      }
    } else if (policy == POLICY_PLRU) way = plruVictim(d, set);
    else way = randomWay(d);
    old = load<u64>(t + (<usize>way << 3));
    store<u64>(t + (<usize>way << 3), key);
    lastSlot = first + way;
    if (policy == POLICY_LRU || policy == POLICY_FIFO) {
      const c = load<u64>(d + D_CLOCK) + 1;
      store<u64>(d + D_CLOCK, c);
      store<u64>(<usize>load<u32>(d + D_STAMPS) + (<usize>(first + way) << 3), c);
    } else if (policy == POLICY_PLRU) plruTouch(d, set, way);
    return old;
  }
  const fillAt = <usize>load<u32>(d + D_FILL) + (<usize>set << 2);
  const filled = load<u32>(fillAt);
  const listed = policy == POLICY_LRU || policy == POLICY_FIFO;
  if (filled < ways) {
    way = filled;
    store<u32>(fillAt, filled + 1);
  } else {
    if (listed) way = load<u32>(<usize>load<u32>(d + D_TAIL) + (<usize>set << 2)) - first;
    else if (policy == POLICY_PLRU) way = plruVictim(d, set);
    else way = randomWay(d);
    const slot = first + way;
    old = load<u64>(tags + (<usize>slot << 3));
    hashRemove(d, old);
    if (listed) listUnlink(d, set, slot);
  }
  const slot = first + way;
  lastSlot = slot;
  store<u64>(tags + (<usize>slot << 3), key);
  hashInsert(d, key, slot);
  if (listed) listPushHead(d, set, slot);
  else if (policy == POLICY_PLRU) plruTouch(d, set, way);
  return old;
}

/**
 * Drop `vpn` if present (a THP promotion's flush, as INVLPG drops a page); true if it was.
 * A narrow set's way becomes empty (tag 0, stamp 0: the next insert into the set fills it
 * first). A wide set keeps its filled ways first (tlbInsert fills way `fill` next): the
 * set's last filled entry moves into the hole, its hash slot, frame and list place with it
 * (tree-PLRU's bits stay as they are: the moved entry takes the hole's recency).
 */
export function tlbRemove(d: usize, vpn: u64): bool {
  const key = vpn + 1;
  const set = setOf(d, vpn);
  const policy = load<u32>(d + D_POLICY);
  const ways = load<u32>(d + D_WAYS);
  const first = set * ways;
  const tags = <usize>load<u32>(d + D_TAGS);
  const frames = <usize>load<u32>(d + D_FRAMES);
  if (load<u32>(d + D_WIDE) == 0) {
    for (let w: u32 = 0; w < ways; w++) {
      const at = tags + (<usize>(first + w) << 3);
      if (load<u64>(at) != key) continue;
      store<u64>(at, 0);
      if (policy == POLICY_LRU || policy == POLICY_FIFO) store<u64>(<usize>load<u32>(d + D_STAMPS) + (<usize>(first + w) << 3), 0);
      return true;
    }
    return false;
  }
  const slot = hashFind(d, key);
  if (slot == NIL) return false;
  const listed = policy == POLICY_LRU || policy == POLICY_FIFO;
  hashRemove(d, key);
  if (listed) listUnlink(d, set, slot);
  const fillAt = <usize>load<u32>(d + D_FILL) + (<usize>set << 2);
  const filled = load<u32>(fillAt);
  const last = first + filled - 1;
  if (slot != last) {
    const moved = load<u64>(tags + (<usize>last << 3));
    hashRemove(d, moved);
    store<u64>(tags + (<usize>slot << 3), moved);
    hashInsert(d, moved, slot);
    if (frames != 0) store<u64>(frames + (<usize>slot << 3), load<u64>(frames + (<usize>last << 3)));
    if (listed) {
      const prev = <usize>load<u32>(d + D_PREV), next = <usize>load<u32>(d + D_NEXT);
      const p = load<u32>(prev + (<usize>last << 2)), n = load<u32>(next + (<usize>last << 2));
      store<u32>(prev + (<usize>slot << 2), p);
      store<u32>(next + (<usize>slot << 2), n);
      if (p != NIL) store<u32>(next + (<usize>p << 2), slot); else store<u32>(<usize>load<u32>(d + D_HEAD) + (<usize>set << 2), slot);
      if (n != NIL) store<u32>(prev + (<usize>n << 2), slot); else store<u32>(<usize>load<u32>(d + D_TAIL) + (<usize>set << 2), slot);
    }
  }
  store<u64>(tags + (<usize>last << 3), 0);
  store<u32>(fillAt, filled - 1);
  return true;
}
