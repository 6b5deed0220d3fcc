/*
 * The C side of the native bench (bench/native.bench.ts): three translators over one RAM image
 * (walk only, the fast TLB, the architectural TLB), each with its own copy of RAM (A/D bits),
 * driven by one-line commands on stdin so the bench can interleave C and WebAssembly rounds:
 *
 *   load NAME VA_FILE ACC_FILE         a stream: u64 VAs (little-endian) and one access byte each
 *   run KIND NAME TIME_MS WARM_MS MIN  warm up, then time passes (each with CLOCK_MONOTONIC)
 *                                      -> ok MEDIAN_NS_PER_TRANSLATION PASSES HASH FAULTS
 *   pass KIND NAME OUT_FILE|-          one pass; results written as i64 -> ok HASH FAULTS counters...
 *   quit
 *
 * KIND is none, fast or arch. A pass writes every result (PA, or ~(kind << 32 | error code) for
 * a fault) into an array, as translateBatch does; HASH is FNV-1a over the results' 32-bit words.
 * Arguments (key=value): ram image cr3 maxphy fast itlb dtlb stlb wp nxe smep smap pge pke pkru ac pages1g;
 * itlb/dtlb/stlb (E/W) must be the geometry it was built with (-DITLB_ENTRIES=.. etc., archtlb.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "archtlb.h"

#define MAX_STREAMS 16
#define MAX_ITEMS 65536

typedef struct { char name[256]; uint64_t *va; uint8_t *acc; uint32_t n; } stream_t;

static cpu_t none_cpu;
static fast_tlb fast;
static arch_tlb arch;
static stream_t streams[MAX_STREAMS];
static int stream_count;
static int64_t out[MAX_ITEMS];

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "mmu-bench: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(2);
}

/* Walk only (TLB kind none): assembly/translate.ts translateOne's last branch, in a batch. */
static uint32_t none_batch(cpu_t *c, const uint64_t *vas, const uint8_t *accs, int64_t *res, uint32_t n) {
  uint32_t faults = 0;
  for (uint32_t i = 0; i < n; i++) {
    c->tot.translations++;
    c->tot.walks++;
    int64_t r;
    if (walk(c, vas[i], accs[i], 1) != 0) {
      c->tot.faults++;
      r = fault_result(c);
      faults++;
    } else {
      r = (int64_t)c->walk_pa;
    }
    res[i] = r;
  }
  return faults;
}

static uint32_t run_pass(char kind, const stream_t *s) {
  if (kind == 'f') return fast_batch(&fast, s->va, s->acc, out, s->n);
  if (kind == 'a') return arch_batch(&arch, s->va, s->acc, out, s->n);
  return none_batch(&none_cpu, s->va, s->acc, out, s->n);
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

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

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
  size_t vlen = 0, alen = 0;
  uint64_t *va = read_file(va_path, &vlen);
  uint8_t *acc = read_file(acc_path, &alen);
  if (!va || !acc) { printf("err cannot read %s or %s\n", va_path, acc_path); return; }
  if (vlen % 8 != 0 || vlen / 8 != alen || alen == 0 || alen > MAX_ITEMS || stream_count == MAX_STREAMS) {
    printf("err stream %s: %zu VA bytes, %zu access bytes (1..%d items, at most %d streams)\n", name, vlen, alen,
           MAX_ITEMS, MAX_STREAMS);
    return;
  }
  for (size_t i = 0; i < alen; i++) {
    if (acc[i] >= ACC_COUNT || (acc[i] & ACC_KIND_MASK) == 3) { printf("err stream %s: access byte %u at %zu\n", name, acc[i], i); return; }
  }
  stream_t *s = &streams[stream_count++];
  snprintf(s->name, sizeof s->name, "%s", name);
  s->va = va;
  s->acc = acc;
  s->n = (uint32_t)alen;
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
  double median = count % 2 ? samples[count / 2] : (samples[count / 2 - 1] + samples[count / 2]) / 2;
  printf("ok %.4f %zu %u %u\n", median / s->n, count, hash_out(s->n), faults);
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

/** One pass with the counters it moved (as the core's TlbStats names them), for the bench's agreement check. */
static void cmd_pass(char kind, const stream_t *s, const char *path) {
  fast_tlb f0 = fast;
  arch_tlb a0 = arch;
  cpu_t n0 = none_cpu;
  uint32_t faults = run_pass(kind, s);
  if (strcmp(path, "-") != 0) {
    FILE *fo = fopen(path, "wb");
    if (!fo || fwrite(out, 8, s->n, fo) != s->n) { printf("err cannot write %s\n", path); if (fo) fclose(fo); return; }
    fclose(fo);
  }
  printf("ok %u %u", hash_out(s->n), faults);
  if (kind == 'f') {
    uint64_t hits = (fast.lookups - f0.lookups) - (fast.cnt.misses - f0.cnt.misses);
    print_level("fast", &f0.cnt, &fast.cnt, hits);
    print_totals(&f0.cpu.tot, &fast.cpu.tot, 0);
  } else if (kind == 'a') {
    static const char *names[3] = { "itlb", "dtlb", "stlb" };
    for (int l = 0; l < 3; l++) print_level(names[l], &a0.cnt[l], &arch.cnt[l], arch.cnt[l].hits - a0.cnt[l].hits);
    print_totals(&a0.cpu.tot, &arch.cpu.tot, 1);
  } else {
    print_totals(&n0.tot, &none_cpu.tot, 1);
  }
  printf("\n");
}

static const char *arg(int argc, char **argv, const char *key, const char *fallback) {
  size_t k = strlen(key);
  for (int i = 1; i < argc; i++) if (strncmp(argv[i], key, k) == 0 && argv[i][k] == '=') return argv[i] + k + 1;
  if (!fallback) die("missing argument", key);
  return fallback;
}

static void geometry(const char *s, uint32_t *entries, uint32_t *ways) {
  if (sscanf(s, "%u/%u", entries, ways) != 2 || *ways == 0 || *entries % *ways != 0) die("bad TLB geometry", s);
}

static void setup_cpu(cpu_t *c, int argc, char **argv, const uint8_t *image, size_t image_len) {
  c->ram_size = strtoull(arg(argc, argv, "ram", NULL), NULL, 0);
  if (image_len > c->ram_size) die("image larger than RAM", NULL);
  c->ram = calloc(c->ram_size, 1);
  if (!c->ram) die("out of memory for RAM", NULL);
  memcpy(c->ram, image, image_len);
  c->wp = atoi(arg(argc, argv, "wp", "1"));
  c->pge = atoi(arg(argc, argv, "pge", "0"));
  c->smep = atoi(arg(argc, argv, "smep", "0"));
  c->smap = atoi(arg(argc, argv, "smap", "0"));
  c->pkeys_active = atoi(arg(argc, argv, "pke", "0"));
  c->pkru = (uint32_t)strtoul(arg(argc, argv, "pkru", "0"), NULL, 0);
  c->eflags_ac = atoi(arg(argc, argv, "ac", "0"));
  c->has_1g = atoi(arg(argc, argv, "pages1g", "1"));
  cpu_configure(c, strtoull(arg(argc, argv, "cr3", NULL), NULL, 0), (uint32_t)atoi(arg(argc, argv, "maxphy", "40")),
                atoi(arg(argc, argv, "nxe", "1")));
}

int main(int argc, char **argv) {
  size_t image_len = 0;
  uint8_t *image = read_file(arg(argc, argv, "image", NULL), &image_len);
  if (!image) die("cannot read the RAM image", arg(argc, argv, "image", NULL));
  setup_cpu(&none_cpu, argc, argv, image, image_len);
  setup_cpu(&fast.cpu, argc, argv, image, image_len);
  setup_cpu(&arch.cpu, argc, argv, image, image_len);
  free(image);
  uint32_t fe = (uint32_t)strtoul(arg(argc, argv, "fast", "4096"), NULL, 0), e, w;
  if (fe == 0 || (fe & (fe - 1)) != 0 || fast_init(&fast, fe) != 0) die("bad fast TLB entries", NULL);
  static const char *levels[3] = { "itlb", "dtlb", "stlb" };
  for (uint32_t lv = 0; lv < 3; lv++) {
    const char *g = arg(argc, argv, levels[lv], NULL);
    geometry(g, &e, &w);
    if (arch_init_level(&arch, lv, e, w) != 0) die("out of memory, or not the TLB geometry this program was built for", g);
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready\n");

  char line[1024], a[256], b[256], c[256];
  while (fgets(line, sizeof line, stdin)) {
    double t, wm;
    int min;
    if (sscanf(line, "load %255s %255s %255s", a, b, c) == 3) { cmd_load(a, b, c); continue; }
    if (strncmp(line, "quit", 4) == 0) break;
    int is_run = sscanf(line, "run %255s %255s %lf %lf %d", a, b, &t, &wm, &min) == 5;
    int is_pass = !is_run && sscanf(line, "pass %255s %255s %255s", a, b, c) == 3;
    if (!is_run && !is_pass) { printf("err unknown command: %s", line); continue; }
    char kind = strcmp(a, "none") == 0 ? 'n' : strcmp(a, "fast") == 0 ? 'f' : strcmp(a, "arch") == 0 ? 'a' : 0;
    const stream_t *s = find_stream(b);
    if (!kind || !s) { printf("err unknown kind or stream: %s %s\n", a, b); continue; }
    if (is_run) cmd_run(kind, s, t, wm, min); else cmd_pass(kind, s, c);
  }
  return 0;
}
