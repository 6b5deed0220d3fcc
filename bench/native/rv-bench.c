/*
 * The C side of the native bench's RISC-V rows (bench/native/riscv.ts): the Sv39 walk of
 * assembly/arch/riscv/walk.ts written plainly, as walk.h is for x86 (one loop over the mode
 * row, every rule at every level, Svade, no PMP entries, entry reads counted as the core
 * counts them; the core decides the same with its unrolled common walk, sv39.ts, falling
 * back to these rules), over one RAM image, with a direct-mapped fast TLB (tag + addend
 * per privilege and kind, as assembly/tlb/fast.ts) and a set-associative L1 (64/8 iTLB,
 * 64/4 dTLB, true LRU, ASID-tagged, rights judged at access time as rvRightsOk). Driven by
 * one-line commands on stdin:
 *
 *   load NAME VA_FILE ACC_FILE         a stream: u64 VAs and one access byte each
 *   run KIND NAME TIME_MS WARM_MS MIN  -> ok MEDIAN_NS PASSES HASH FAULTS
 *   pass KIND NAME                     -> ok HASH FAULTS TRANSLATIONS ITLB_HITS DTLB_HITS ENTRY_READS (what the core counts)
 *   quit
 *
 * KIND: none (walk only), fast, arch. Arguments: image=FILE (RAM from base), base=0x..,
 * ram=BYTES (RAM size), root=0x.. (the root table's PA), asid=N.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mmu_constants.h"

#define MAX_STREAMS 8
#define MAX_ITEMS 65536
#define RV_PTE_V 1ULL
#define RV_PTE_R 2ULL
#define RV_PTE_W 4ULL
#define RV_PTE_X 8ULL
#define RV_PTE_U 0x10ULL
#define RV_PTE_G 0x20ULL
#define RV_PTE_A 0x40ULL
#define RV_PTE_D 0x80ULL
#define RV_RSVD (0x7fULL << 54)
#define RV_PBMT (3ULL << 61)
#define RV_N (1ULL << 63)
#define M_R 1u
#define M_W 2u
#define M_X 4u
#define M_U 8u
#define M_D 16u
#define M_G 32u

typedef struct { char name[512]; uint64_t *va; uint8_t *acc; uint32_t n; } stream_t;

static uint8_t *ram;
static uint64_t ram_base, ram_size, root;
static uint32_t cur_asid;
static int sum_bit, mxr_bit;
static uint64_t walk_pa;
static uint32_t walk_meta, walk_fault_cause;
/* PTEs read by the walks (the core's totals.entryReads). */
static uint64_t entry_reads;
static stream_t streams[MAX_STREAMS];
static int stream_count;
static int64_t out[MAX_ITEMS];

static inline int in_ram(uint64_t pa, uint64_t size) { uint64_t o = pa - ram_base; return o < ram_size && size <= ram_size - o; }

static inline int rights_ok(uint32_t meta, uint32_t acc) {
  uint32_t kind = acc & ACC_KIND_MASK;
  int u = (meta & M_U) != 0;
  if (acc & ACC_USER) { if (!u) return 0; }
  else if (u && (kind == ACC_FETCH || !sum_bit)) return 0;
  if (kind == ACC_FETCH) return (meta & M_X) != 0;
  if (kind == ACC_WRITE) return (meta & M_W) != 0;
  return (meta & M_R) != 0 || (mxr_bit && (meta & M_X));
}

static int fault(uint32_t acc, int page) {
  uint32_t k = acc & ACC_KIND_MASK;
  walk_fault_cause = page ? (k == ACC_FETCH ? 12 : k == ACC_WRITE ? 15 : 13) : (k == ACC_FETCH ? 1 : k == ACC_WRITE ? 7 : 5);
  return -1;
}

/* Sv39 (levels 3, 9 index bits, 8-byte PTEs), Svade, Svnapot and Svpbmt present, PBMTE = 0, no PMP. */
static int walk(uint64_t va, uint32_t acc) {
  const uint32_t levels = 3, idx_bits = 9;
  if ((uint64_t)(((int64_t)va << 25) >> 25) != va) return fault(acc, 1);
  uint64_t a = root;
  int global = 0;
  for (int i = (int)levels - 1; i >= 0; i--) {
    uint64_t ea = a + ((va >> (12 + i * idx_bits)) & ((1u << idx_bits) - 1)) * 8;
    if (!in_ram(ea, 8)) return fault(acc, 0);
    uint64_t pte;
    memcpy(&pte, ram + (ea - ram_base), 8);
    entry_reads++;
    if (!(pte & RV_PTE_V)) return fault(acc, 1);
    if ((pte & (RV_PTE_R | RV_PTE_W)) == RV_PTE_W) return fault(acc, 1);
    if (pte & RV_RSVD) return fault(acc, 1);
    if (pte & RV_PBMT) return fault(acc, 1);   /* PBMTE = 0 */
    uint64_t ppn = (pte >> 10) & 0xfffffffffffULL;
    if (!(pte & (RV_PTE_R | RV_PTE_X))) {
      if ((pte & (RV_PTE_D | RV_PTE_A | RV_PTE_U | RV_N | RV_PBMT)) || i == 0) return fault(acc, 1);
      if (pte & RV_PTE_G) global = 1;
      a = ppn << 12;
      continue;
    }
    int napot = (pte & RV_N) != 0;
    if (napot && !(i == 0 && (ppn & 0xf) == 8)) return fault(acc, 1);
    if (i > 0 && (ppn & ((1ULL << (i * idx_bits)) - 1))) return fault(acc, 1);
    if (pte & RV_PTE_G) global = 1;
    uint32_t meta = ((pte & RV_PTE_R) ? M_R : 0) | ((pte & RV_PTE_W) ? M_W : 0) | ((pte & RV_PTE_X) ? M_X : 0)
                  | ((pte & RV_PTE_U) ? M_U : 0) | ((pte & RV_PTE_D) ? M_D : 0) | (global ? M_G : 0);
    if (!rights_ok(meta, acc)) return fault(acc, 1);
    if (!(pte & RV_PTE_A) || ((acc & ACC_KIND_MASK) == ACC_WRITE && !(pte & RV_PTE_D))) return fault(acc, 1);
    uint32_t shift = 12 + i * idx_bits;
    uint64_t pa = (ppn << 12) | (va & ((1ULL << shift) - 1));
    if (napot) pa = (pa & ~0xffffULL) | (va & 0xffff);
    if (!in_ram(pa, 1)) return fault(acc, 0);
    walk_pa = pa;
    walk_meta = meta;
    return 0;
  }
  return 0;
}

static inline int64_t fault_result(int page) {
  return ~(int64_t)(((uint64_t)(page ? 5 : 6) << 32) | walk_fault_cause);
}

/* The counters the core moves per walk-only translation (translations, walks, faults). */
static uint64_t none_translations, none_walks, none_faults;

static uint32_t none_batch(const uint64_t *vas, const uint8_t *accs, int64_t *res, uint32_t n) {
  uint32_t faults = 0;
  for (uint32_t i = 0; i < n; i++) {
    none_translations++;
    none_walks++;
    if (walk(vas[i], accs[i]) != 0) { res[i] = fault_result(walk_fault_cause >= 12); faults++; none_faults++; }
    else res[i] = (int64_t)walk_pa;
  }
  return faults;
}

/* Fast TLB: 2 privileges x 3 kinds, 4096 entries each: {page VA, PA page - VA page}. */
#define FAST_N 4096
typedef struct { uint64_t tag, addend; } fast_entry;
static fast_entry fast_tab[6][FAST_N];

static void fast_flush(void) { memset(fast_tab, 0xff, sizeof fast_tab); }

static uint32_t fast_batch(const uint64_t *vas, const uint8_t *accs, int64_t *res, uint32_t n) {
  uint32_t faults = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t va = vas[i];
    uint32_t acc = accs[i];
    uint32_t slot = ((acc & ACC_USER) ? 0 : 3) + (acc & ACC_KIND_MASK);
    fast_entry *e = &fast_tab[slot][(va >> 12) & (FAST_N - 1)];
    if (e->tag == (va & ~0xfffULL)) { res[i] = (int64_t)(va + e->addend); continue; }
    if (walk(va, acc) != 0) { res[i] = fault_result(walk_fault_cause >= 12); faults++; continue; }
    uint64_t page = va & ~0xfffULL, addend = (walk_pa & ~0xfffULL) - page;
    for (uint32_t k = 0; k < 3; k++) {
      uint32_t ak = (acc & ~ACC_KIND_MASK) | k;
      if (k == ACC_WRITE && !(walk_meta & M_D)) continue;
      if (!rights_ok(walk_meta, ak)) continue;
      fast_entry *f = &fast_tab[((ak & ACC_USER) ? 0 : 3) + k][(va >> 12) & (FAST_N - 1)];
      f->tag = page;
      f->addend = addend;
    }
    res[i] = (int64_t)walk_pa;
  }
  return faults;
}

/* L1 iTLB 64/8 and dTLB 64/4, true LRU by a clock stamp; tags vpn, ASID or global; 4 KiB pages. */
typedef struct { uint64_t tag[64], frame[64], stamp[64]; uint32_t meta[64], asid[64]; uint32_t ways, sets; } l1_tlb;
static l1_tlb itlb = { .ways = 8, .sets = 8 }, dtlb = { .ways = 4, .sets = 16 };
static uint64_t clock_ = 0;
/* The counters the core moves on an L1 hit (translations, hits per level): counted here too. */
static uint64_t translations, hits_i, hits_d;

static void l1_flush(l1_tlb *t) { memset(t->tag, 0xff, sizeof t->tag); }

static inline int64_t l1_translate(l1_tlb *t, uint64_t va, uint32_t acc) {
  uint64_t vpn = va >> 12;
  uint32_t first = (uint32_t)(vpn & (t->sets - 1)) * t->ways;
  for (uint32_t w = first; w < first + t->ways; w++) {
    if (t->tag[w] != vpn || !((t->meta[w] & M_G) || t->asid[w] == cur_asid)) continue;
    uint32_t meta = t->meta[w];
    if (rights_ok(meta, acc) && !((acc & ACC_KIND_MASK) == ACC_WRITE && !(meta & M_D))) {
      uint64_t pa = t->frame[w] | (va & 0xfff);
      if (pa - ram_base < ram_size) {
        t->stamp[w] = ++clock_;
        if (t == &itlb) hits_i++; else hits_d++;
        return (int64_t)pa;
      }
    }
    t->tag[w] = ~0ULL;    /* refused or clean: drop and walk, as useEntry does */
    break;
  }
  if (walk(va, acc) != 0) return fault_result(walk_fault_cause >= 12);
  uint32_t victim = first;
  for (uint32_t w = first; w < first + t->ways; w++) {
    if (t->tag[w] == ~0ULL) { victim = w; break; }
    if (t->stamp[w] < t->stamp[victim]) victim = w;
  }
  t->tag[victim] = vpn;
  t->frame[victim] = walk_pa & ~0xfffULL;
  t->meta[victim] = walk_meta;
  t->asid[victim] = cur_asid;
  t->stamp[victim] = ++clock_;
  return (int64_t)walk_pa;
}

static uint32_t arch_batch(const uint64_t *vas, const uint8_t *accs, int64_t *res, uint32_t n) {
  uint32_t faults = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t acc = accs[i];
    translations++;
    int64_t r = l1_translate((acc & ACC_KIND_MASK) == ACC_FETCH ? &itlb : &dtlb, vas[i], acc);
    if (r < 0) faults++;
    res[i] = r;
  }
  return faults;
}

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

int main(int argc, char **argv) {
  const char *image = NULL;
  for (int i = 1; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) { fprintf(stderr, "rv-bench: argument %s is not key=value\n", argv[i]); return 2; }
    *eq = 0;
    const char *k = argv[i], *v = eq + 1;
    if (!strcmp(k, "image")) image = v;
    else if (!strcmp(k, "base")) ram_base = strtoull(v, NULL, 0);
    else if (!strcmp(k, "ram")) ram_size = strtoull(v, NULL, 0);
    else if (!strcmp(k, "root")) root = strtoull(v, NULL, 0);
    else if (!strcmp(k, "asid")) cur_asid = (uint32_t)strtoul(v, NULL, 0);
    else { fprintf(stderr, "rv-bench: unknown argument %s\n", k); return 2; }
  }
  size_t len = 0;
  uint8_t *img = image ? read_file(image, &len) : NULL;
  if (!img || ram_size == 0 || len > ram_size) { fprintf(stderr, "rv-bench: need image= (at most ram= bytes), base=, ram=, root=\n"); return 2; }
  ram = calloc(1, ram_size);
  memcpy(ram, img, len);
  fast_flush(); l1_flush(&itlb); l1_flush(&dtlb);
  printf("ready\n");
  fflush(stdout);
  char line[2048];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[16], a[512], b[512], c[512];
    int n = sscanf(line, "%15s %511s %511s %511s", cmd, a, b, c);
    if (n >= 1 && !strcmp(cmd, "quit")) break;
    if (n == 4 && !strcmp(cmd, "load")) {
      size_t vl = 0, al = 0;
      uint64_t *va = read_file(b, &vl);
      uint8_t *acc = read_file(c, &al);
      if (!va || !acc || vl != al * 8 || al == 0 || al > MAX_ITEMS || stream_count == MAX_STREAMS) { printf("err load %s\n", a); fflush(stdout); continue; }
      stream_t *s = &streams[stream_count++];
      snprintf(s->name, sizeof s->name, "%s", a);
      s->va = va; s->acc = acc; s->n = (uint32_t)al;
      printf("ok %u\n", s->n);
    } else if (n >= 3 && (!strcmp(cmd, "run") || !strcmp(cmd, "pass"))) {
      const stream_t *s = find_stream(b);
      if (!s) { printf("err no stream %s\n", b); fflush(stdout); continue; }
      char kind = a[0];
      if (!strcmp(cmd, "pass")) {
        uint64_t t0 = kind == 'n' ? none_translations : translations, i0 = hits_i, d0 = hits_d, r0 = entry_reads;
        uint32_t f = run_pass(kind, s);
        uint64_t t1 = kind == 'n' ? none_translations : translations;
        printf("ok %u %u %llu %llu %llu %llu\n", hash_out(s->n), f, (unsigned long long)(t1 - t0),
               (unsigned long long)(hits_i - i0), (unsigned long long)(hits_d - d0), (unsigned long long)(entry_reads - r0));
        fflush(stdout);
        continue;
      }
      double time_ms = 200, warm_ms = 100; int min_passes = 16;
      sscanf(line, "%*s %*s %*s %lf %lf %d", &time_ms, &warm_ms, &min_passes);
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
    } else {
      printf("err unknown command\n");
    }
    fflush(stdout);
  }
  return 0;
}
