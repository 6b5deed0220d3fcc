/*
 * The C baseline of the core's architectural TLB (assembly/tlb/arch.ts and archTranslate in
 * assembly/translate.ts): an L1 iTLB and dTLB in front of a shared STLB, each entries/ways
 * set-associative with set = vpn mod sets and true LRU (a global clock stamped on every use),
 * entries holding raw rights (checked at every hit), one probe per page-size class present,
 * PCID and global tags, a #PF dropping the page. Same counters as the core. Plain scalar C,
 * written as a C emulator would: the geometry is fixed when it is built (the bench passes
 * -DITLB_ENTRIES=.. -DITLB_WAYS=.. and the DTLB_/STLB_ pairs from the machine it compares with),
 * so every probe has constant trip counts; the way that matches and the LRU victim are found
 * without branching on the data (masks, selects), which a random hit or insert would mispredict.
 */
#ifndef ARCHTLB_H
#define ARCHTLB_H

#include <stdlib.h>
#include "fasttlb.h"   /* EMPTY_TAG, level_counters */

#define ARCH_ITLB 0
#define ARCH_DTLB 1
#define ARCH_STLB 2
#define KEEP_GLOBALS 1u
#define ONLY_PCID 2u
#define INLINE static inline __attribute__((always_inline))

#if !defined(ITLB_ENTRIES) || !defined(ITLB_WAYS) || !defined(DTLB_ENTRIES) || !defined(DTLB_WAYS) || \
    !defined(STLB_ENTRIES) || !defined(STLB_WAYS)
#error "build with -DITLB_ENTRIES=E -DITLB_WAYS=W and the same for DTLB_ and STLB_"
#endif
static const uint32_t WAYS[3] = { ITLB_WAYS, DTLB_WAYS, STLB_WAYS };
static const uint32_t SETS[3] = { ITLB_ENTRIES / ITLB_WAYS, DTLB_ENTRIES / DTLB_WAYS, STLB_ENTRIES / STLB_WAYS };

typedef struct {
  uint32_t classes;                    /* page-size classes present: one probe each */
  uint64_t *tags, *frames, *stamps;
  uint32_t *meta;
} arch_level;

typedef struct {
  cpu_t cpu;
  arch_level l[3];
  level_counters cnt[3];
  uint64_t clock;
  uint32_t pcid;
} arch_tlb;

static inline uint32_t class_shift(uint32_t cls) { return (0x1e16150cu >> (cls << 3)) & 0xff; }
static inline uint32_t class_of_shift(uint32_t s) { return s == 12 ? 0 : s == 21 ? 1 : s == 22 ? 2 : 3; }

static void arch_flush_level(arch_tlb *t, uint32_t lv) {
  for (uint32_t i = 0; i < SETS[lv] * WAYS[lv]; i++) t->l[lv].tags[i] = EMPTY_TAG;
  t->l[lv].classes = 0;
}

/** Allocate level `lv`; the geometry asked for at run time must be the one built in. */
static int arch_init_level(arch_tlb *t, uint32_t lv, uint32_t entries, uint32_t ways) {
  if (ways != WAYS[lv] || entries != SETS[lv] * WAYS[lv]) return -1;
  arch_level *l = &t->l[lv];
  l->tags = malloc(8 * (size_t)entries);
  l->frames = malloc(8 * (size_t)entries);
  l->stamps = calloc(entries, 8);
  l->meta = calloc(entries, 4);
  if (!l->tags || !l->frames || !l->stamps || !l->meta) return -1;
  arch_flush_level(t, lv);
  return 0;
}

/** set = vpn mod sets (a mask when sets is a power of two, as in the core). */
INLINE uint32_t set_of(uint32_t lv, uint64_t vpn) {
  uint32_t sets = SETS[lv];
  return (sets & (sets - 1)) == 0 ? (uint32_t)vpn & (sets - 1) : (uint32_t)(vpn % sets);
}

/** Bitmask of the `n` (1..64) ways from entry `first` whose tag is `tag`: no branch on the data. */
INLINE uint64_t match_ways(const arch_level *l, uint32_t first, uint32_t n, uint64_t tag) {
  uint64_t mask = 0;
  for (uint32_t w = 0; w < n; w++) mask |= (uint64_t)(l->tags[first + w] == tag) << w;
  return mask;
}

/** Index of the entry of class `cls` for page `vpn` under `pcid` (or global), or -1. */
INLINE int32_t arch_find(const arch_tlb *t, uint32_t lv, uint64_t vpn, uint32_t cls, uint32_t pcid) {
  const arch_level *l = &t->l[lv];
  uint32_t ways = WAYS[lv], first = set_of(lv, vpn) * ways;
  uint64_t tag = (vpn << 2) | cls;
  for (uint32_t c = 0; c < ways; c += 64) {
    uint32_t n = ways - c < 64 ? ways - c : 64;
    for (uint64_t hits = match_ways(l, first + c, n, tag); hits != 0; hits &= hits - 1) {
      uint32_t i = first + c + (uint32_t)__builtin_ctzll(hits);
      uint32_t meta = l->meta[i];
      if ((meta & META_GLOBAL) != 0 || (meta & META_PCID_MASK) == pcid) return (int32_t)i;
    }
  }
  return -1;
}

INLINE int32_t arch_lookup(const arch_tlb *t, uint32_t lv, uint64_t va, uint32_t pcid) {
  uint32_t classes = t->l[lv].classes;
  while (classes != 0) {
    uint32_t cls = (uint32_t)__builtin_ctz(classes);
    classes &= classes - 1;
    int32_t i = arch_find(t, lv, va >> class_shift(cls), cls, pcid);
    if (i >= 0) return i;
  }
  return -1;
}

/**
 * Insert (the caller knows it is absent): the first empty way, else the least recently used.
 * Which way wins is data: found with masks and selects (cmov), not branches.
 */
INLINE uint32_t arch_insert(arch_tlb *t, uint32_t lv, uint64_t va, uint32_t cls, uint64_t frame, uint32_t meta) {
  arch_level *l = &t->l[lv];
  uint64_t vpn = va >> class_shift(cls);
  uint32_t ways = WAYS[lv], first = set_of(lv, vpn) * ways, victim = first;
  int found = 0;
  for (uint32_t c = 0; c < ways && !found; c += 64) {
    uint32_t n = ways - c < 64 ? ways - c : 64;
    uint64_t empty = match_ways(l, first + c, n, EMPTY_TAG);
    if (empty != 0) { victim = first + c + (uint32_t)__builtin_ctzll(empty); found = 1; }
  }
  if (!found) {
    uint64_t oldest = l->stamps[first];
    for (uint32_t i = first + 1; i < first + ways; i++) {
      uint64_t s = l->stamps[i];
      int older = s < oldest;
      victim = older ? i : victim;
      oldest = older ? s : oldest;
    }
    t->cnt[lv].evictions++;
  }
  l->tags[victim] = (vpn << 2) | cls;
  l->frames[victim] = frame;
  l->meta[victim] = meta | (cls << META_CLASS_SHIFT);
  l->stamps[victim] = ++t->clock;
  l->classes |= 1u << cls;
  return victim;
}

static inline int selected(uint32_t meta, uint32_t rule, uint32_t pcid) {
  if ((meta & META_GLOBAL) != 0) return (rule & KEEP_GLOBALS) == 0;
  return (rule & ONLY_PCID) == 0 || (meta & META_PCID_MASK) == pcid;
}

static void arch_flush_page(arch_tlb *t, uint64_t va, uint32_t rule, uint32_t pcid) {
  t->cpu.tot.invalidations++;
  for (uint32_t lv = 0; lv < 3; lv++) {
    arch_level *l = &t->l[lv];
    for (uint32_t cls = 0; cls < 4; cls++) {
      if ((l->classes & (1u << cls)) == 0) continue;
      uint64_t vpn = va >> class_shift(cls), tag = (vpn << 2) | cls;
      uint32_t first = set_of(lv, vpn) * WAYS[lv];
      for (uint32_t i = first; i < first + WAYS[lv]; i++) {
        if (l->tags[i] == tag && selected(l->meta[i], rule, pcid)) l->tags[i] = EMPTY_TAG;
      }
    }
  }
}

INLINE int64_t arch_walk_and_fill(arch_tlb *t, uint64_t va, uint32_t acc, uint32_t block, int stlb_miss) {
  cpu_t *c = &t->cpu;
  t->cnt[block].walks++;
  if (stlb_miss) t->cnt[ARCH_STLB].walks++;
  c->tot.walks++;
  if (walk(c, va, acc, 1) != 0) {
    t->cnt[block].faults++;
    if (stlb_miss) t->cnt[ARCH_STLB].faults++;
    c->tot.faults++;
    if (c->fault.kind == FAULT_PF) arch_flush_page(t, va, ONLY_PCID, t->pcid);
    return -1;
  }
  uint32_t a = c->walk_attrs;
  uint32_t cls = class_of_shift((a >> ATTR_SHIFT_SHIFT) & 0xff);
  uint64_t frame = c->walk_pa & ~((1ULL << class_shift(cls)) - 1);
  uint32_t meta = t->pcid & META_PCID_MASK;
  if (a & ATTR_RW) meta |= META_RW;
  if (a & ATTR_US) meta |= META_US;
  if (a & ATTR_XD) meta |= META_XD;
  if (a & ATTR_DIRTY) meta |= META_DIRTY;
  if (a & ATTR_GLOBAL) meta |= META_GLOBAL;
  meta |= ((a >> ATTR_KEY_SHIFT) & 15) << META_KEY_SHIFT;
  arch_insert(t, ARCH_STLB, va, cls, frame, meta);
  arch_insert(t, block, va, cls, frame, meta);      /* block: the L1 of this access */
  return (int64_t)c->walk_pa;
}

/** A hit: rights from the cached raw bits; a store through a clean entry walks again to set D. */
INLINE int64_t arch_use(arch_tlb *t, uint32_t lv, uint32_t i, uint64_t va, uint32_t acc, uint32_t block) {
  cpu_t *c = &t->cpu;
  uint32_t meta = t->l[lv].meta[i];
  int xd = (meta & META_XD) != 0 && c->nx_active;
  uint32_t r = rights_check(c, acc, (meta & META_RW) != 0, (meta & META_US) != 0, xd, (meta >> META_KEY_SHIFT) & 15);
  if (r != 0) {
    t->cnt[block].faults++;
    c->tot.faults++;
    arch_flush_page(t, va, ONLY_PCID, t->pcid);
    fail_pf(c, va, acc, r | PF_P, 0);
    return -1;
  }
  if ((acc & ACC_KIND_MASK) == ACC_WRITE && (meta & META_DIRTY) == 0) {
    arch_flush_page(t, va, ONLY_PCID, t->pcid);
    return arch_walk_and_fill(t, va, acc, block, 0);
  }
  uint32_t shift = class_shift(meta >> META_CLASS_SHIFT);
  uint64_t pa = t->l[lv].frames[i] | (va & ((1ULL << shift) - 1));
  if (pa >= c->ram_size) {
    t->cnt[block].faults++;
    c->tot.faults++;
    fail_bus(c, va, acc, pa, 0);
    return -1;
  }
  return (int64_t)pa;
}

/** archTranslate with the L1 `l1` known at compile time (the two copies below). */
INLINE int64_t arch_translate_l1(arch_tlb *t, uint64_t va, uint32_t acc, uint32_t l1) {
  t->cpu.tot.translations++;
  int32_t i = arch_lookup(t, l1, va, t->pcid);
  if (i >= 0) {
    t->cnt[l1].hits++;
    t->l[l1].stamps[i] = ++t->clock;
    return arch_use(t, l1, (uint32_t)i, va, acc, l1);
  }
  t->cnt[l1].misses++;
  int32_t j = arch_lookup(t, ARCH_STLB, va, t->pcid);
  if (j >= 0) {
    arch_level *s = &t->l[ARCH_STLB];
    t->cnt[ARCH_STLB].hits++;
    s->stamps[j] = ++t->clock;
    uint32_t meta = s->meta[j];
    uint32_t k = arch_insert(t, l1, va, meta >> META_CLASS_SHIFT, s->frames[j], meta & ~(3u << META_CLASS_SHIFT));
    return arch_use(t, l1, k, va, acc, l1);
  }
  t->cnt[ARCH_STLB].misses++;
  return arch_walk_and_fill(t, va, acc, l1, 1);
}

static inline int64_t arch_translate(arch_tlb *t, uint64_t va, uint32_t acc) {
  if ((acc & ACC_KIND_MASK) == ACC_FETCH) return arch_translate_l1(t, va, acc, ARCH_ITLB);
  return arch_translate_l1(t, va, acc, ARCH_DTLB);
}

static uint32_t arch_batch(arch_tlb *t, const uint64_t *vas, const uint8_t *accs, int64_t *out, uint32_t n) {
  uint32_t faults = 0;
  for (uint32_t i = 0; i < n; i++) {
    int64_t r = arch_translate(t, vas[i], accs[i]);
    if (r < 0) { r = fault_result(&t->cpu); faults++; }
    out[i] = r;
  }
  return faults;
}

#endif
