/*
 * The C baseline of the core's fast TLB (assembly/tlb/fast.ts, the fast path of
 * assembly/translate.ts and assembly/batch.ts): QEMU-softmmu style, direct-mapped, one array of
 * {tag, addend} per (context, access kind), permission and dirtiness folded into which arrays
 * hold a page; a miss walks and fills every kind the rights allow; a #PF drops the page;
 * filled slots are listed so a flush visits only them. Same counters as the core.
 */
#ifndef FASTTLB_H
#define FASTTLB_H

#include <stdlib.h>
#include "walk.h"

#define EMPTY_TAG UINT64_MAX

typedef struct { uint64_t tag, addend; } fast_entry;
typedef struct { uint64_t hits, misses, walks, faults, evictions; } level_counters;

typedef struct {
  cpu_t cpu;
  fast_entry *arrays;                  /* FAST_SLOTS arrays of `entries` */
  fast_entry *slot[ACC_COUNT];         /* access byte -> its array */
  uint32_t entries, mask;
  fast_entry **list;                   /* filled slots since the last flush */
  uint32_t list_len;
  int list_overflow, large_installed;
  uint64_t lookups;
  level_counters cnt;                  /* hits = lookups - misses, as the core reports them */
} fast_tlb;

static void fast_rebuild_slots(fast_tlb *t) {
  for (uint32_t acc = 0; acc < ACC_COUNT; acc++) {
    uint32_t ctx = (acc & ACC_USER) != 0 ? 0 : ((acc & ACC_IMPLICIT) != 0 || !t->cpu.eflags_ac ? 1 : 2);
    uint32_t slot = ctx * 3 + (acc & ACC_KIND_MASK);
    int kind_ok = (acc & ACC_KIND_MASK) != 3;
    t->slot[acc] = kind_ok ? t->arrays + (size_t)slot * t->entries : t->arrays;
  }
}

static void fast_flush_all(fast_tlb *t) {
  t->cpu.tot.invalidations++;
  if (t->list_overflow) {
    memset(t->arrays, 0xff, sizeof(fast_entry) * FAST_SLOTS * (size_t)t->entries);
  } else {
    for (uint32_t i = 0; i < t->list_len; i++) t->list[i]->tag = EMPTY_TAG;
  }
  t->list_len = 0;
  t->list_overflow = 0;
  t->large_installed = 0;
}

static int fast_init(fast_tlb *t, uint32_t entries) {
  t->entries = entries;
  t->mask = entries - 1;
  t->arrays = malloc(sizeof(fast_entry) * FAST_SLOTS * (size_t)entries);
  t->list = malloc(sizeof(fast_entry *) * FAST_LIST_CAPACITY);
  if (!t->arrays || !t->list) return -1;
  fast_rebuild_slots(t);
  t->list_overflow = 1;
  fast_flush_all(t);
  return 0;
}

static inline fast_entry *fast_entry_of(const fast_tlb *t, uint64_t va, uint32_t acc) {
  return t->slot[acc] + ((uint32_t)(va >> 12) & t->mask);
}

static void fast_flush_page(fast_tlb *t, uint64_t va) {
  if (t->large_installed) { fast_flush_all(t); return; }
  t->cpu.tot.invalidations++;
  uint32_t idx = (uint32_t)(va >> 12) & t->mask;
  for (uint32_t s = 0; s < FAST_SLOTS; s++) t->arrays[(size_t)s * t->entries + idx].tag = EMPTY_TAG;
}

static void fast_fill(fast_tlb *t, uint64_t va, uint32_t acc) {
  uint32_t a = t->cpu.walk_attrs;
  if (((a >> ATTR_SHIFT_SHIFT) & 0xff) > 12) t->large_installed = 1;
  int rw = (a & ATTR_RW) != 0, us = (a & ATTR_US) != 0, xd = (a & ATTR_XD) != 0, dirty = (a & ATTR_DIRTY) != 0;
  uint32_t key = (a >> ATTR_KEY_SHIFT) & 15;
  uint64_t page = va & ~0xfffULL;
  uint64_t addend = (t->cpu.walk_pa & ~0xfffULL) - page;
  for (uint32_t kind = 0; kind < 3; kind++) {
    uint32_t ak = (acc & ~ACC_KIND_MASK) | kind;
    if (kind == ACC_WRITE && !dirty) continue;
    if (rights_check(&t->cpu, ak, rw, us, xd, key) != 0) continue;
    fast_entry *e = fast_entry_of(t, va, ak);
    uint64_t old = e->tag;
    if (old == EMPTY_TAG) {
      if (t->list_len < FAST_LIST_CAPACITY) t->list[t->list_len++] = e;
      else t->list_overflow = 1;
    } else if (old != page && kind == (acc & ACC_KIND_MASK)) {
      t->cnt.evictions++;
    }
    e->tag = page;
    e->addend = addend;
  }
}

/** A miss: walk, fill, or deliver the fault (a #PF drops the page's entries). */
static int64_t fast_slow(fast_tlb *t, uint64_t va, uint32_t acc) {
  t->cnt.misses++;
  t->cnt.walks++;
  t->cpu.tot.walks++;
  if (walk(&t->cpu, va, acc, 1) != 0) {
    t->cnt.faults++;
    t->cpu.tot.faults++;
    if (t->cpu.fault.kind == FAULT_PF) fast_flush_page(t, va);
    return -1;
  }
  fast_fill(t, va, acc);
  return (int64_t)t->cpu.walk_pa;
}

/** translateBatch with the fast TLB: results (PA or ~(kind << 32 | code)) into `out`; returns the faults. */
static uint32_t fast_batch(fast_tlb *t, const uint64_t *vas, const uint8_t *accs, int64_t *out, uint32_t n) {
  uint32_t faults = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t va = vas[i];
    uint32_t acc = accs[i];
    const fast_entry *e = fast_entry_of(t, va, acc);
    int64_t r;
    if (e->tag == (va & ~0xfffULL)) {
      r = (int64_t)(va + e->addend);
    } else {
      r = fast_slow(t, va, acc);
      if (r < 0) { r = fault_result(&t->cpu); faults++; }
    }
    out[i] = r;
  }
  t->lookups += n;
  return faults;
}

#endif
