/*
 * The C baseline of the core's x86 4-level page walk (assembly/walk/x86.ts, assembly/rights.ts,
 * assembly/fault.ts), written plainly: the same checks in the same order (canonical, bus bound
 * of each entry, P, reserved bits, PS, rights at the leaf, bus bound of the final address, A/D
 * write-back), the same fault record and counters, over a RAM image in a byte array.
 * Only what the benchmark configures: IA-32e 4-level paging, SDM quirks (no QEMU deviations).
 *
 * The project's encodings (access byte, fault kinds, PTE bits) come from mmu_constants.h, which
 * the bench generates from the core's exports: one source of truth.
 */
#ifndef WALK_H
#define WALK_H

#include <stdint.h>
#include <string.h>
#include "mmu_constants.h"

/* Walk attributes (assembly/walk/x86.ts walkAttrs): internal to the algorithm, not exported. */
#define ATTR_RW 1u
#define ATTR_US 2u
#define ATTR_XD 4u
#define ATTR_GLOBAL 8u
#define ATTR_DIRTY 16u
#define ATTR_KEY_SHIFT 8
#define ATTR_SHIFT_SHIFT 16
#define RIGHTS_RW (1u << 4)
#define RIGHTS_US (1u << 5)
#define RIGHTS_XD (1u << 6)
#define LOW_2M 0x1fe000ULL
#define LOW_1G 0x3fffe000ULL
#define WALK_FAULT (-1)

typedef struct {
  uint32_t kind, error_code;
  uint64_t address, bus_address;
  uint32_t level, access;
} fault_record;

typedef struct { uint64_t translations, walks, faults, entry_reads, ad_writes, invalidations; } totals_t;

/** One modelled CPU: its RAM, the control state the walk reads, the last walk's result. */
typedef struct {
  uint8_t *ram;
  uint64_t ram_size, ram_last8;
  uint64_t root, addr_mask, rsvd_high, rsvd_upper;
  int nx_active, wp, pge, smep, smap, pkeys_active, eflags_ac, has_1g;
  uint32_t pkru;
  uint8_t rights[128];
  uint64_t walk_pa;
  uint32_t walk_attrs;
  fault_record fault;
  totals_t tot;
} cpu_t;

static inline uint64_t ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* ── rights (assembly/rights.ts): a 128-entry table rebuilt on a control change ── */

static uint32_t decide(const cpu_t *c, uint32_t acc, int rw, int us, int xd) {
  uint32_t kind = acc & ACC_KIND_MASK;
  if (acc & ACC_USER) {
    if (!us) return PF_P;
    if (kind == ACC_FETCH) return xd ? PF_P : 0;
    return kind == ACC_WRITE && !rw ? PF_P : 0;
  }
  if (kind == ACC_FETCH) return xd || (us && c->smep) ? PF_P : 0;
  if (us && c->smap && ((acc & ACC_IMPLICIT) != 0 || !c->eflags_ac)) return PF_P;
  return kind == ACC_WRITE && !rw && c->wp ? PF_P : 0;
}

static void rebuild_rights(cpu_t *c) {
  for (uint32_t i = 0; i < 128; i++) {
    c->rights[i] = (uint8_t)decide(c, i & 15, (i & RIGHTS_RW) != 0, (i & RIGHTS_US) != 0, (i & RIGHTS_XD) != 0);
  }
}

static int key_denies(const cpu_t *c, uint32_t acc, uint32_t key) {
  uint32_t kind = acc & ACC_KIND_MASK;
  if (kind == ACC_FETCH) return 0;
  if ((c->pkru >> (key << 1)) & 1) return 1;
  return kind == ACC_WRITE && ((c->pkru >> ((key << 1) + 1)) & 1) != 0 && ((acc & ACC_USER) != 0 || c->wp);
}

static inline uint32_t rights_check(const cpu_t *c, uint32_t acc, int rw, int us, int xd, uint32_t key) {
  uint32_t r = c->rights[acc | (rw ? RIGHTS_RW : 0) | (us ? RIGHTS_US : 0) | (xd ? RIGHTS_XD : 0)];
  if (c->pkeys_active && us && key_denies(c, acc, key)) return PF_P | PF_PK;
  return r;
}

/* ── faults (assembly/fault.ts) ── */

static int record_fault(cpu_t *c, uint32_t kind, uint32_t ec, uint64_t va, uint64_t bus, uint32_t level, uint32_t acc) {
  c->fault.kind = kind;
  c->fault.error_code = ec;
  c->fault.address = va;
  c->fault.bus_address = bus;
  c->fault.level = level;
  c->fault.access = acc;
  return WALK_FAULT;
}

static int fail_pf(cpu_t *c, uint64_t va, uint32_t acc, uint32_t bits, uint32_t level) {
  uint32_t kind = acc & ACC_KIND_MASK, ec = bits;
  if (kind == ACC_WRITE) ec |= PF_W;
  if (acc & ACC_USER) ec |= PF_U;
  if (kind == ACC_FETCH && (c->smep || c->nx_active)) ec |= PF_ID;
  return record_fault(c, FAULT_PF, ec, va, 0, level, acc);
}
static int fail_gp(cpu_t *c, uint64_t va, uint32_t acc) { return record_fault(c, FAULT_GP, 0, va, 0, 0, acc); }
static int fail_bus(cpu_t *c, uint64_t va, uint32_t acc, uint64_t pa, uint32_t level) {
  return record_fault(c, FAULT_BUS, 0, va, pa, level, acc);
}

/** The batch result of the last fault: ~(kind << 32 | error code), as translateBatch writes it. */
static inline int64_t fault_result(const cpu_t *c) {
  return ~(int64_t)(((uint64_t)c->fault.kind << 32) | c->fault.error_code);
}

/* ── the walk (assembly/walk/x86.ts walkLong, largeLeaf, leaf) ── */

static uint64_t set_bits(cpu_t *c, uint64_t ea, uint64_t e, uint64_t bits) {
  uint64_t v = e | bits;
  st64(c->ram + ea, v);
  c->tot.ad_writes++;
  return v;
}

static inline int leaf(cpu_t *c, uint64_t pa, uint32_t shift, uint64_t va, uint32_t acc, uint64_t ea, uint64_t e,
                       int update, uint32_t level, uint64_t all, uint64_t any, uint32_t key) {
  int rw = (all & PTE_WRITE) != 0, us = (all & PTE_USER) != 0, xd = c->nx_active && (int64_t)any < 0;
  int is_write = (acc & ACC_KIND_MASK) == ACC_WRITE;
  uint32_t r = rights_check(c, acc, rw, us, xd, key);
  if (r != 0) return fail_pf(c, va, acc, r, level);
  if (pa >= c->ram_size) return fail_bus(c, va, acc, pa, level);
  uint32_t attrs = (rw ? ATTR_RW : 0) | (us ? ATTR_US : 0) | (xd ? ATTR_XD : 0) | (key << ATTR_KEY_SHIFT) |
                   (shift << ATTR_SHIFT_SHIFT);
  uint64_t want = is_write ? PTE_ACCESSED | PTE_DIRTY : PTE_ACCESSED;
  if ((e & want) != want && update) set_bits(c, ea, e, want);
  if (is_write || (e & PTE_DIRTY) != 0) attrs |= ATTR_DIRTY;
  if (c->pge && (e & PTE_GLOBAL) != 0) attrs |= ATTR_GLOBAL;
  c->walk_pa = pa;
  c->walk_attrs = attrs;
  return 0;
}

static int large_leaf(cpu_t *c, uint64_t va, uint32_t acc, int update, uint64_t ea, uint64_t e, uint32_t level,
                      uint64_t all, uint64_t any) {
  uint64_t rsvd = c->rsvd_high;
  if (level == LEVEL_PDPT) {
    if (!c->has_1g) return fail_pf(c, va, acc, PF_P | PF_RSVD, level);
    if ((e & rsvd) != 0) return fail_pf(c, va, acc, PF_P | PF_RSVD, level);
    if (update && (e & PTE_ACCESSED) == 0) e = set_bits(c, ea, e, PTE_ACCESSED);
    rsvd |= LOW_1G;
  } else {
    rsvd |= LOW_2M;
  }
  if ((e & rsvd) != 0) return fail_pf(c, va, acc, PF_P | PF_RSVD, level);
  uint32_t shift = level == LEVEL_PDPT ? 30 : 21;
  uint64_t page_mask = (1ULL << shift) - 1;
  uint32_t key = (uint32_t)(e >> PTE_PKEY_SHIFT) & 15;
  return leaf(c, (e & c->addr_mask & ~page_mask) | (va & page_mask), shift, va, acc, ea, e, update, level, all, any, key);
}

/** Translate `va` for the access byte `acc`: 0 with walk_pa/walk_attrs, or WALK_FAULT with the record. */
static int walk(cpu_t *c, uint64_t va, uint32_t acc, int update) {
  int64_t top = (int64_t)va >> 47;
  if (top != 0 && top != -1) return fail_gp(c, va, acc);
  uint64_t base = c->root, all = ~0ULL, any = 0;
  uint32_t level = LEVEL_PML4;
  for (;;) {
    uint64_t ea = base + (((va >> (3 + 9 * level)) & 511) << 3);
    if (ea > c->ram_last8) return fail_bus(c, va, acc, ea, level);
    uint64_t e = ld64(c->ram + ea);
    c->tot.entry_reads++;
    if ((e & PTE_PRESENT) == 0) return fail_pf(c, va, acc, 0, level);
    if (level >= LEVEL_PML4) {
      if ((e & c->rsvd_upper) != 0) return fail_pf(c, va, acc, PF_P | PF_RSVD, level);
    } else if (level != LEVEL_PT && (e & PTE_PS) != 0) {
      return large_leaf(c, va, acc, update, ea, e, level, all & e, any | e);
    } else if ((e & c->rsvd_high) != 0) {
      return fail_pf(c, va, acc, PF_P | PF_RSVD, level);
    }
    all &= e;
    any |= e;
    if (level == LEVEL_PT) {
      uint32_t key = (uint32_t)(e >> PTE_PKEY_SHIFT) & 15;
      return leaf(c, (e & c->addr_mask) | (va & 0xfff), 12, va, acc, ea, e, update, level, all, any, key);
    }
    if ((e & PTE_ACCESSED) == 0 && update) set_bits(c, ea, e, PTE_ACCESSED);
    base = e & c->addr_mask;
    level--;
  }
}

/** Control state as assembly/state.ts deriveState leaves it for IA-32e 4-level paging. */
static void cpu_configure(cpu_t *c, uint64_t cr3, uint32_t max_phy_addr, int nxe) {
  uint64_t phys_limit = (1ULL << max_phy_addr) - 1;
  c->nx_active = nxe;
  c->addr_mask = phys_limit & ~0xfffULL;
  c->rsvd_high = ((1ULL << 52) - 1) & ~phys_limit;
  if (!c->nx_active) c->rsvd_high |= PTE_XD;
  c->rsvd_upper = c->rsvd_high | PTE_PS;
  c->ram_last8 = c->ram_size >= 8 ? c->ram_size - 8 : 0;
  c->root = cr3 & c->addr_mask;
  rebuild_rights(c);
}

#endif
