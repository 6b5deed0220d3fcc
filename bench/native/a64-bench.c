/*
 * The C side of the native bench's AArch64 rows (bench/native/aarch64.ts), written plainly as a
 * C emulator would have it: the stage-1 EL1&0 walk of assembly/arch/aarch64/walk.ts for the one
 * configuration the bench runs (4K granule, T0SZ = 16 so a 4-level walk from level 0 through
 * TTBR0, TBI off, TTBR1 walks disabled by EPD1, TCR.HA = HD = 0, HPD0 = 0, no FEAT_LPA, Arm
 * rules, not QEMU's) with every check the core makes on that path in its order: VA range (bits
 * 63:48 zero, else a level-0 Translation fault), descriptor read inside RAM (else an external
 * abort on the walk, FSC 0x14 + level), descriptor type (invalid, table, block at levels 1-2,
 * page at 3), output address size of each table and leaf (TCR.IPS bits), the Access flag, the
 * table attributes folded in (APTable, PXNTable, UXNTable), AP[2:1] / UXN / PXN / PAN / UAO / WXN
 * rights (a table per access and rights bits, rebuilt when PAN, UAO or WXN change, as the core
 * and walk.h do), and the final PA inside RAM (FSC 0x10). Beside it the two TLBs of
 * assembly/arch/aarch64/translate.ts: the fast TLB (direct-mapped {tag, addend} per context
 * and access kind, as bench/native/fasttlb.h; contexts EL0, LDTR/STTR, EL1) and the
 * architectural TLB (L1 iTLB/dTLB in front of a shared STLB, set-associative, true LRU by a
 * global clock, ASID-tagged with the global bit from !nG, rights judged at every hit, as
 * bench/native/archtlb.h: ways matched into a bitmask and the victim chosen with selects, no
 * branch on the data; geometry fixed at build time with -DITLB_ENTRIES=.. and friends).
 * Results and counters are the core's: a PA, or ~(FAULT_A64_ABORT << 32 | ESR_EL1).
 *
 * One-line commands on stdin (the protocol of mmu-bench.c):
 *   load NAME VA_FILE ACC_FILE          a stream: u64 VAs and one access byte each
 *   run KIND NAME TIME_MS WARM_MS MIN   -> ok MEDIAN_NS_PER_ITEM PASSES HASH FAULTS
 *   pass KIND NAME OUT_FILE|-           one pass, results as i64 -> ok HASH FAULTS counters...
 *   quit
 * KIND: none (walk only), fast, arch. Arguments: image=FILE (RAM from its base), base=PA of
 * RAM, ram=BYTES, ttbr0=VALUE (BADDR and ASID), oabits=N (TCR.IPS as bits: 32..48), fast=N
 * (fast TLB entries), pan=0|1, uao=0|1, wxn=0|1.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mmu_constants.h"
#include "a64_constants.h"

#if !defined(ITLB_ENTRIES) || !defined(ITLB_WAYS) || !defined(DTLB_ENTRIES) || !defined(DTLB_WAYS) || \
    !defined(STLB_ENTRIES) || !defined(STLB_WAYS)
#error "build with -DITLB_ENTRIES=E -DITLB_WAYS=W and the same for DTLB_ and STLB_"
#endif

#define MAX_STREAMS 8
#define MAX_ITEMS 65536
#define WALK_FAULT (-1)
#define EMPTY_TAG UINT64_MAX
#define INLINE static inline __attribute__((always_inline))

typedef struct { char name[256]; uint64_t *va; uint8_t *acc; uint32_t n; } stream_t;
typedef struct { uint64_t translations, walks, faults, entry_reads, ad_writes; } totals_t;
typedef struct { uint64_t hits, misses, walks, faults, evictions; } level_counters;

/* ── machine state: RAM and the control state the walk reads ── */
static uint8_t *ram;
static uint64_t ram_base, ram_size;
static uint64_t ttbr0_base;          /* TTBR0 BADDR, aligned to the level-0 table (4 KiB) */
static uint32_t asid;                /* TTBR0[55:48] (TCR.AS = 0, TCR.A1 = 0) */
static uint32_t oa_bits = 48;        /* TCR.IPS in bits, capped at PARange */
static int pan, uao, wxn;

/* The last walk: PA, the leaf's folded rights (A64_META_*, META_GLOBAL) and log2 of its size, or the abort's ESR. */
static uint64_t walk_pa;
static uint32_t walk_meta, walk_shift, fault_esr;

static stream_t streams[MAX_STREAMS];
static int stream_count;
static int64_t out[MAX_ITEMS];

static inline uint64_t ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* LDTR/STTR at EL1 without UAO is checked as EL0 (walk.ts asEl0). */
INLINE int as_el0(uint32_t acc) {
  return (acc & ACC_USER) != 0 || ((acc & ACC_A64_UNPRIV) != 0 && (acc & ACC_KIND_MASK) != ACC_FETCH && !uao);
}

/* AArch64.S1DirectBasePermissions on the folded bits (walk.ts decideRights). */
static int decide(uint32_t meta, uint32_t acc) {
  uint32_t kind = acc & ACC_KIND_MASK;
  int ap1 = (meta & A64_META_AP1) != 0, ap2 = (meta & A64_META_AP2) != 0, uw = ap1 && !ap2;
  if (as_el0(acc)) {
    if (kind == ACC_FETCH) return (meta & A64_META_UXN) == 0 && !(wxn && uw);
    return kind == ACC_WRITE ? uw : ap1;
  }
  if (kind == ACC_FETCH) return (meta & A64_META_PXN) == 0 && !uw && !(wxn && !ap2);
  if (pan && ap1) return 0;
  return kind == ACC_WRITE ? !ap2 : 1;
}

/* As walk.h's rights table: one bit per (access, AP1, AP2, PXN, UXN), rebuilt when PAN, UAO or WXN change. */
#define RIGHTS_SHIFT 16
static uint16_t rights[16];
static void rebuild_rights(void) {
  for (uint32_t acc = 0; acc < 16; acc++) {
    rights[acc] = 0;
    for (uint32_t combo = 0; combo < 16; combo++) if (decide(combo << RIGHTS_SHIFT, acc)) rights[acc] |= (uint16_t)(1u << combo);
  }
}
INLINE int rights_ok(uint32_t meta, uint32_t acc) { return (rights[acc & 15] >> ((meta >> RIGHTS_SHIFT) & 15)) & 1; }

/* ESR_EL1 of an abort with status code `fsc` (level included) for `acc` (fault.ts a64Abort). */
static int abort_(uint32_t acc, uint32_t fsc) {
  uint32_t kind = acc & ACC_KIND_MASK, el0 = (acc & ACC_USER) != 0;
  uint32_t ec = kind == ACC_FETCH ? (el0 ? EC_IABORT_LOWER : EC_IABORT_SAME) : (el0 ? EC_DABORT_LOWER : EC_DABORT_SAME);
  fault_esr = (ec << ESR_EC_SHIFT) | ESR_IL | (kind == ACC_WRITE ? ESR_WNR : 0) | fsc;
  return WALK_FAULT;
}

static inline int64_t fault_result(void) { return ~(int64_t)(((uint64_t)FAULT_A64_ABORT << 32) | fault_esr); }

/* The walk: 0 with walk_pa / walk_meta, or WALK_FAULT with fault_esr. Counts entry reads into `tot`. */
static int walk(totals_t *tot, uint64_t va, uint32_t acc) {
  if ((va >> 48) != 0) return abort_(acc, FSC_TRANSLATION);    /* outside TTBR0's 48 bits; TTBR1: EPD1 */
  uint64_t base = ttbr0_base, tables = 0;
  for (uint32_t level = 0;; level++) {
    uint32_t shift = 12 + 9 * (3 - level);
    uint64_t ea = base + (((va >> shift) & 511) << 3);
    uint64_t off = ea - ram_base;
    if (off > ram_size - 8) return abort_(acc, FSC_EXTERNAL_WALK + level);
    uint64_t desc = ld64(ram + off);
    tot->entry_reads++;
    if ((desc & DESC_VALID) == 0) return abort_(acc, FSC_TRANSLATION + level);
    uint64_t addr = desc & DESC_OA_MASK;
    if ((desc & DESC_TABLE) != 0 && level < 3) {
      if ((addr >> oa_bits) != 0) return abort_(acc, FSC_ADDRESS_SIZE + level);
      tables |= desc;
      base = addr;
      continue;
    }
    if ((desc & DESC_TABLE) == 0 && level != 1 && level != 2) return abort_(acc, FSC_TRANSLATION + level);
    uint64_t size_mask = (1ULL << shift) - 1, oa = addr & ~size_mask;
    if ((oa >> oa_bits) != 0) return abort_(acc, FSC_ADDRESS_SIZE + level);
    if ((desc & DESC_AF) == 0) return abort_(acc, FSC_ACCESS_FLAG + level);   /* TCR.HA = 0 */
    uint32_t meta = (desc & DESC_NG) == 0 ? META_GLOBAL : 0;
    if ((desc & DESC_AP1) != 0 && (tables & DESC_AP_TABLE0) == 0) meta |= A64_META_AP1;
    if ((desc & DESC_AP2) != 0 || (tables & DESC_AP_TABLE1) != 0) meta |= A64_META_AP2;
    if (((desc & DESC_PXN) | (tables & DESC_PXN_TABLE)) != 0) meta |= A64_META_PXN;
    if (((desc & DESC_UXN) | (tables & DESC_UXN_TABLE)) != 0) meta |= A64_META_UXN;
    if ((desc & DESC_DBM) != 0 && (tables & DESC_AP_TABLE1) == 0) meta |= A64_META_DBM;
    if (!rights_ok(meta, acc)) return abort_(acc, FSC_PERMISSION + level);
    uint64_t pa = oa | (va & size_mask);
    if (pa - ram_base >= ram_size) return abort_(acc, FSC_EXTERNAL);
    walk_pa = pa;
    walk_meta = meta;
    walk_shift = shift;
    return 0;
  }
}

/* ── walk only ── */
static totals_t none_tot;

static uint32_t none_batch(const uint64_t *vas, const uint8_t *accs, int64_t *res, uint32_t n) {
  uint32_t faults = 0;
  for (uint32_t i = 0; i < n; i++) {
    none_tot.translations++;
    none_tot.walks++;
    if (walk(&none_tot, vas[i], accs[i]) != 0) { res[i] = fault_result(); none_tot.faults++; faults++; }
    else res[i] = (int64_t)walk_pa;
  }
  return faults;
}

/* ── fast TLB: 3 contexts x 3 kinds of {page VA, PA page - VA page}, direct-mapped ── */
typedef struct { uint64_t tag, addend; } fast_entry;
static fast_entry *fast_arrays, *fast_slot[ACC_COUNT];
static uint32_t fast_mask;
static uint64_t fast_lookups;
static level_counters fast_cnt;
static totals_t fast_tot;

static int fast_init(uint32_t entries) {
  if (entries == 0 || (entries & (entries - 1)) != 0) return -1;
  fast_mask = entries - 1;
  fast_arrays = malloc(sizeof(fast_entry) * 9 * (size_t)entries);
  if (!fast_arrays) return -1;
  memset(fast_arrays, 0xff, sizeof(fast_entry) * 9 * (size_t)entries);
  for (uint32_t acc = 0; acc < ACC_COUNT; acc++) {
    uint32_t ctx = (acc & ACC_USER) != 0 ? 0 : (acc & ACC_A64_UNPRIV) != 0 ? 1 : 2;
    fast_slot[acc] = fast_arrays + (size_t)(ctx * 3 + (acc & ACC_KIND_MASK) % 3) * entries;
  }
  return 0;
}

INLINE fast_entry *fast_entry_of(uint64_t va, uint32_t acc) { return fast_slot[acc] + ((uint32_t)(va >> 12) & fast_mask); }

/* A miss: walk; fill the 4 KiB piece for every kind of this context the rights allow (translate.ts a64FastFill). */
static int64_t fast_slow(uint64_t va, uint32_t acc) {
  fast_cnt.misses++;
  fast_cnt.walks++;
  fast_tot.walks++;
  if (walk(&fast_tot, va, acc) != 0) { fast_cnt.faults++; fast_tot.faults++; return -1; }
  uint64_t page = va & ~0xfffULL, frame = walk_pa & ~0xfffULL;
  uint32_t meta = walk_meta;
  if (frame - ram_base > ram_size - 4096) return (int64_t)walk_pa;
  for (uint32_t kind = 0; kind < 3; kind++) {
    uint32_t ak = (acc & ~ACC_KIND_MASK) | kind;
    if (!rights_ok(meta, ak)) continue;
    fast_entry *e = fast_entry_of(va, ak);
    if (e->tag != EMPTY_TAG && e->tag != page && kind == (acc & ACC_KIND_MASK)) fast_cnt.evictions++;
    e->tag = page;
    e->addend = frame - page;
  }
  return (int64_t)walk_pa;
}

static uint32_t fast_batch(const uint64_t *vas, const uint8_t *accs, int64_t *res, uint32_t n) {
  uint32_t faults = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t va = vas[i];
    const fast_entry *e = fast_entry_of(va, accs[i]);
    int64_t r;
    if (e->tag == (va & ~0xfffULL)) r = (int64_t)(va + e->addend);
    else if ((r = fast_slow(va, accs[i])) < 0) { r = fault_result(); faults++; }
    res[i] = r;
  }
  fast_lookups += n;
  return faults;
}

/* ── architectural TLB: L1 iTLB / dTLB and a shared STLB, true LRU ── */
#define L_ITLB 0
#define L_DTLB 1
#define L_STLB 2
static const uint32_t WAYS[3] = { ITLB_WAYS, DTLB_WAYS, STLB_WAYS };
static const uint32_t SETS[3] = { ITLB_ENTRIES / ITLB_WAYS, DTLB_ENTRIES / DTLB_WAYS, STLB_ENTRIES / STLB_WAYS };

typedef struct { uint32_t classes; uint64_t *tags, *frames, *stamps; uint32_t *meta; } arch_level;
static arch_level lv[3];
static level_counters arch_cnt[3];
static totals_t arch_tot;
static uint64_t lru_clock;

/* Page-size classes of the shared TLB: 4K, 2M, 4M, 1G (shift per byte). */
INLINE uint32_t class_shift(uint32_t cls) { return (0x1e16150cu >> (cls << 3)) & 0xff; }
INLINE uint32_t class_for(uint32_t shift) { return shift >= 30 ? 3 : shift >= 22 ? 2 : shift >= 21 ? 1 : 0; }

static int arch_init(void) {
  for (uint32_t l = 0; l < 3; l++) {
    uint32_t n = SETS[l] * WAYS[l];
    lv[l].tags = malloc(8 * (size_t)n);
    lv[l].frames = calloc(n, 8);
    lv[l].stamps = calloc(n, 8);
    lv[l].meta = calloc(n, 4);
    if (!lv[l].tags || !lv[l].frames || !lv[l].stamps || !lv[l].meta) return -1;
    memset(lv[l].tags, 0xff, 8 * (size_t)n);
  }
  return 0;
}

INLINE uint32_t set_of(uint32_t l, uint64_t vpn) {
  uint32_t sets = SETS[l];
  return (sets & (sets - 1)) == 0 ? (uint32_t)vpn & (sets - 1) : (uint32_t)(vpn % sets);
}

/* Bitmask of the `n` (1..64) ways from entry `first` whose tag is `tag`: no branch on the data (archtlb.h). */
INLINE uint64_t match_ways(const arch_level *a, uint32_t first, uint32_t n, uint64_t tag) {
  uint64_t mask = 0;
  for (uint32_t w = 0; w < n; w++) mask |= (uint64_t)(a->tags[first + w] == tag) << w;
  return mask;
}

/* Entry of class `cls` for `vpn` under the current ASID (or global), or -1: the first matching way that is ours. */
INLINE int32_t arch_find(uint32_t l, uint64_t vpn, uint32_t cls) {
  const arch_level *a = &lv[l];
  uint32_t ways = WAYS[l], first = set_of(l, vpn) * ways;
  uint64_t tag = (vpn << 2) | cls;
  for (uint32_t c = 0; c < ways; c += 64) {
    uint32_t n = ways - c < 64 ? ways - c : 64;
    for (uint64_t hits = match_ways(a, first + c, n, tag); hits != 0; hits &= hits - 1) {
      uint32_t i = first + c + (uint32_t)__builtin_ctzll(hits);
      uint32_t m = a->meta[i];
      if ((m & META_GLOBAL) != 0 || (m & META_ASID_MASK) == asid) return (int32_t)i;
    }
  }
  return -1;
}

INLINE int32_t arch_lookup(uint32_t l, uint64_t va) {
  for (uint32_t classes = lv[l].classes; classes != 0; classes &= classes - 1) {
    uint32_t cls = (uint32_t)__builtin_ctz(classes);
    int32_t i = arch_find(l, va >> class_shift(cls), cls);
    if (i >= 0) return i;
  }
  return -1;
}

/* Insert (known absent): the first empty way, else the least recently used (an eviction); selects, not branches. */
static uint32_t arch_insert(uint32_t l, uint64_t va, uint32_t cls, uint64_t frame, uint32_t meta) {
  arch_level *a = &lv[l];
  uint64_t vpn = va >> class_shift(cls);
  uint32_t ways = WAYS[l], first = set_of(l, vpn) * ways, victim = first;
  uint64_t oldest = UINT64_MAX;
  for (uint32_t i = first; i < first + ways; i++) {
    uint64_t s = a->tags[i] == EMPTY_TAG ? 0 : a->stamps[i];
    int older = s < oldest;
    victim = older ? i : victim;
    oldest = older ? s : oldest;
  }
  if (a->tags[victim] != EMPTY_TAG) arch_cnt[l].evictions++;
  a->tags[victim] = (vpn << 2) | cls;
  a->frames[victim] = frame;
  a->meta[victim] = meta | (cls << META_CLASS_SHIFT);
  a->stamps[victim] = ++lru_clock;
  a->classes |= 1u << cls;
  return victim;
}

/* This ASID's entries for the page (globals included) in every level (TLBI VAE1's rule). */
static void arch_flush_page(uint64_t va) {
  for (uint32_t l = 0; l < 3; l++) {
    for (uint32_t cls = 0; cls < 4; cls++) {
      if ((lv[l].classes & (1u << cls)) == 0) continue;
      uint64_t vpn = va >> class_shift(cls), tag = (vpn << 2) | cls;
      uint32_t first = set_of(l, vpn) * WAYS[l];
      for (uint32_t i = first; i < first + WAYS[l]; i++) {
        uint32_t m = lv[l].meta[i];
        if (lv[l].tags[i] == tag && ((m & META_GLOBAL) != 0 || (m & META_ASID_MASK) == asid)) lv[l].tags[i] = EMPTY_TAG;
      }
    }
  }
}

static int64_t arch_walk_fill(uint64_t va, uint32_t acc, uint32_t l1, int stlb_miss) {
  arch_cnt[l1].walks++;
  if (stlb_miss) arch_cnt[L_STLB].walks++;
  arch_tot.walks++;
  if (walk(&arch_tot, va, acc) != 0) {
    arch_cnt[l1].faults++;
    if (stlb_miss) arch_cnt[L_STLB].faults++;
    arch_tot.faults++;
    return -1;
  }
  uint32_t cls = class_for(walk_shift);
  uint64_t frame = walk_pa & ~((1ULL << class_shift(cls)) - 1);
  uint32_t meta = walk_meta | (asid & 0xffff);
  arch_insert(L_STLB, va, cls, frame, meta);
  arch_insert(l1, va, cls, frame, meta);
  return (int64_t)walk_pa;
}

/* A hit: rights judged now; refused: drop the page and walk again (the walk decides the fault). */
INLINE int64_t arch_use(uint32_t l, uint32_t i, uint64_t va, uint32_t acc, uint32_t l1) {
  uint32_t meta = lv[l].meta[i];
  if (!rights_ok(meta, acc)) { arch_flush_page(va); return arch_walk_fill(va, acc, l1, 0); }
  uint64_t pa = lv[l].frames[i] | (va & ((1ULL << class_shift(meta >> META_CLASS_SHIFT)) - 1));
  if (pa - ram_base >= ram_size) {
    arch_cnt[l1].faults++;
    arch_tot.faults++;
    return abort_(acc, FSC_EXTERNAL);
  }
  return (int64_t)pa;
}

INLINE int64_t arch_translate_l1(uint64_t va, uint32_t acc, uint32_t l1) {
  arch_tot.translations++;
  /* E0PD0 is 0 in this configuration: no EL0 check before the lookup. */
  int32_t i = arch_lookup(l1, va);
  if (i >= 0) {
    arch_cnt[l1].hits++;
    lv[l1].stamps[i] = ++lru_clock;
    return arch_use(l1, (uint32_t)i, va, acc, l1);
  }
  arch_cnt[l1].misses++;
  int32_t j = arch_lookup(L_STLB, va);
  if (j >= 0) {
    arch_level *s = &lv[L_STLB];
    arch_cnt[L_STLB].hits++;
    s->stamps[j] = ++lru_clock;
    uint32_t meta = s->meta[j];
    uint32_t k = arch_insert(l1, va, meta >> META_CLASS_SHIFT, s->frames[j], meta & ~(3u << META_CLASS_SHIFT));
    return arch_use(l1, k, va, acc, l1);
  }
  arch_cnt[L_STLB].misses++;
  return arch_walk_fill(va, acc, l1, 1);
}

static uint32_t arch_batch(const uint64_t *vas, const uint8_t *accs, int64_t *res, uint32_t n) {
  uint32_t faults = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t acc = accs[i];
    int64_t r = (acc & ACC_KIND_MASK) == ACC_FETCH ? arch_translate_l1(vas[i], acc, L_ITLB) : arch_translate_l1(vas[i], acc, L_DTLB);
    if (r < 0) { r = fault_result(); faults++; }
    res[i] = r;
  }
  return faults;
}

/* ── the command loop ── */
static uint32_t run_pass(char kind, const stream_t *s) {
  if (kind == 'f') return fast_batch(s->va, s->acc, out, s->n);
  if (kind == 'a') return arch_batch(s->va, s->acc, out, s->n);
  return none_batch(s->va, s->acc, out, s->n);
}

static uint32_t hash_out(uint32_t n) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t r = (uint64_t)out[i];
    h = (h ^ (uint32_t)r) * 16777619u;
    h = (h ^ (uint32_t)(r >> 32)) * 16777619u;
  }
  return h;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}
static int cmp_double(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

static void *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *p = malloc(len > 0 ? (size_t)len : 1);
  if (!p || fread(p, 1, (size_t)len, f) != (size_t)len) { fclose(f); free(p); return NULL; }
  fclose(f);
  *size = (size_t)len;
  return p;
}

static const stream_t *find_stream(const char *name) {
  for (int i = 0; i < stream_count; i++) if (strcmp(streams[i].name, name) == 0) return &streams[i];
  return NULL;
}

static void cmd_load(const char *name, const char *va_path, const char *acc_path) {
  size_t vl = 0, al = 0;
  uint64_t *va = read_file(va_path, &vl);
  uint8_t *acc = read_file(acc_path, &al);
  if (!va || !acc || vl != al * 8 || al == 0 || al > MAX_ITEMS || stream_count == MAX_STREAMS) {
    printf("err load %s: %zu VA bytes, %zu access bytes (1..%d items, at most %d streams)\n", name, vl, al, MAX_ITEMS, MAX_STREAMS);
    return;
  }
  for (size_t i = 0; i < al; i++) {
    if (acc[i] >= ACC_COUNT || ((ACC_VALID >> acc[i]) & 1) == 0) { printf("err stream %s: access byte %u at %zu\n", name, acc[i], i); return; }
  }
  stream_t *s = &streams[stream_count++];
  snprintf(s->name, sizeof s->name, "%s", name);
  s->va = va; s->acc = acc; s->n = (uint32_t)al;
  printf("ok %u\n", s->n);
}

static void cmd_run(char kind, const stream_t *s, double time_ms, double warm_ms, int min_passes) {
  double end = now_ns() + warm_ms * 1e6;
  for (int k = 0; k < min_passes || now_ns() < end; k++) run_pass(kind, s);
  size_t cap = 1024, count = 0;
  double *samples = malloc(cap * sizeof(double));
  double start = now_ns();
  uint32_t faults = 0;
  while ((int)count < min_passes || now_ns() - start < time_ms * 1e6) {
    double t0 = now_ns();
    faults = run_pass(kind, s);
    double t1 = now_ns();
    if (count == cap) samples = realloc(samples, (cap *= 2) * sizeof(double));
    samples[count++] = t1 - t0;
  }
  qsort(samples, count, sizeof(double), cmp_double);
  double med = count % 2 ? samples[count / 2] : (samples[count / 2 - 1] + samples[count / 2]) / 2;
  printf("ok %.4f %zu %u %u\n", med / s->n, count, hash_out(s->n), faults);
  free(samples);
}

static void print_level(const char *name, const level_counters *a, const level_counters *b, uint64_t hits) {
  printf(" %s.hits=%llu %s.misses=%llu %s.walks=%llu %s.faults=%llu %s.evictions=%llu", name, (unsigned long long)hits,
         name, (unsigned long long)(b->misses - a->misses), name, (unsigned long long)(b->walks - a->walks),
         name, (unsigned long long)(b->faults - a->faults), name, (unsigned long long)(b->evictions - a->evictions));
}

static void print_totals(const totals_t *a, const totals_t *b, int translations) {
  if (translations) printf(" totals.translations=%llu", (unsigned long long)(b->translations - a->translations));
  printf(" totals.walks=%llu totals.faults=%llu totals.entryReads=%llu totals.adWrites=%llu",
         (unsigned long long)(b->walks - a->walks), (unsigned long long)(b->faults - a->faults),
         (unsigned long long)(b->entry_reads - a->entry_reads), (unsigned long long)(b->ad_writes - a->ad_writes));
}

/* One pass with the counters it moved, named as the core's TlbStats names them. */
static void cmd_pass(char kind, const stream_t *s, const char *path) {
  totals_t n0 = none_tot, f0t = fast_tot, a0t = arch_tot;
  level_counters f0 = fast_cnt, a0[3] = { arch_cnt[0], arch_cnt[1], arch_cnt[2] };
  uint64_t l0 = fast_lookups;
  uint32_t faults = run_pass(kind, s);
  if (strcmp(path, "-") != 0) {
    FILE *fo = fopen(path, "wb");
    if (!fo || fwrite(out, 8, s->n, fo) != s->n) { printf("err cannot write %s\n", path); if (fo) fclose(fo); return; }
    fclose(fo);
  }
  printf("ok %u %u", hash_out(s->n), faults);
  if (kind == 'f') {
    print_level("fast", &f0, &fast_cnt, (fast_lookups - l0) - (fast_cnt.misses - f0.misses));
    print_totals(&f0t, &fast_tot, 0);
  } else if (kind == 'a') {
    static const char *names[3] = { "itlb", "dtlb", "stlb" };
    for (int l = 0; l < 3; l++) print_level(names[l], &a0[l], &arch_cnt[l], arch_cnt[l].hits - a0[l].hits);
    print_totals(&a0t, &arch_tot, 1);
  } else {
    print_totals(&n0, &none_tot, 1);
  }
  printf("\n");
}

static const char *arg(int argc, char **argv, const char *key, const char *fallback) {
  size_t k = strlen(key);
  for (int i = 1; i < argc; i++) if (strncmp(argv[i], key, k) == 0 && argv[i][k] == '=') return argv[i] + k + 1;
  if (!fallback) { fprintf(stderr, "a64-bench: missing argument %s=\n", key); exit(2); }
  return fallback;
}

int main(int argc, char **argv) {
  size_t len = 0;
  const char *image = arg(argc, argv, "image", NULL);
  uint8_t *img = read_file(image, &len);
  ram_base = strtoull(arg(argc, argv, "base", NULL), NULL, 0);
  ram_size = strtoull(arg(argc, argv, "ram", NULL), NULL, 0);
  uint64_t ttbr0 = strtoull(arg(argc, argv, "ttbr0", NULL), NULL, 0);
  ttbr0_base = ttbr0 & 0xfffffffff000ULL;
  asid = (uint32_t)(ttbr0 >> 48) & 0xff;
  oa_bits = (uint32_t)strtoul(arg(argc, argv, "oabits", "48"), NULL, 0);
  pan = atoi(arg(argc, argv, "pan", "0"));
  uao = atoi(arg(argc, argv, "uao", "0"));
  wxn = atoi(arg(argc, argv, "wxn", "0"));
  uint32_t fast_entries = (uint32_t)strtoul(arg(argc, argv, "fast", "4096"), NULL, 0);
  if (!img || ram_size < 4096 || len > ram_size || oa_bits < 32 || oa_bits > 48 || (ttbr0_base >> oa_bits) != 0) {
    fprintf(stderr, "a64-bench: need image= (at most ram= bytes), base=, ram=, ttbr0= within oabits= (32..48)\n");
    return 2;
  }
  if (A64_META_AP1 != 1u << RIGHTS_SHIFT || A64_META_AP2 != 2u << RIGHTS_SHIFT || A64_META_PXN != 4u << RIGHTS_SHIFT ||
      A64_META_UXN != 8u << RIGHTS_SHIFT) { fprintf(stderr, "a64-bench: A64_META_AP1..UXN are not bits 16-19\n"); return 2; }
  rebuild_rights();
  ram = calloc(1, ram_size);
  if (!ram || fast_init(fast_entries) != 0 || arch_init() != 0) { fprintf(stderr, "a64-bench: out of memory or bad fast=\n"); return 2; }
  memcpy(ram, img, len);
  printf("ready\n");
  fflush(stdout);
  char line[2048];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[16], a[256], b[256], c[256];
    int n = sscanf(line, "%15s %255s %255s %255s", cmd, a, b, c);
    if (n >= 1 && !strcmp(cmd, "quit")) break;
    if (n == 4 && !strcmp(cmd, "load")) {
      cmd_load(a, b, c);
    } else if (n >= 3 && (!strcmp(cmd, "run") || !strcmp(cmd, "pass"))) {
      const stream_t *s = find_stream(b);
      char kind = !strcmp(a, "none") ? 'n' : !strcmp(a, "fast") ? 'f' : !strcmp(a, "arch") ? 'a' : 0;
      if (!s || !kind) printf("err unknown kind or stream: %s %s\n", a, b);
      else if (!strcmp(cmd, "pass")) cmd_pass(kind, s, n == 4 ? c : "-");
      else {
        double time_ms = 200, warm_ms = 100;
        int min_passes = 16;
        sscanf(line, "%*s %*s %*s %lf %lf %d", &time_ms, &warm_ms, &min_passes);
        cmd_run(kind, s, time_ms, warm_ms, min_passes);
      }
    } else {
      printf("err unknown command: %s", line);
    }
    fflush(stdout);
  }
  return 0;
}
