/*
 * Linux's own fork and page faults, the reference for the kernel model (src/kernel): driven by
 * one-line commands on stdin so the bench can interleave rounds with the model's.
 *
 *   fork    fork() of this process with MIB MiB of anonymous memory touched; the child _exit(0)s
 *           at once -> ok FORK_NS EXIT_NS PTES  (FORK_NS: the parent's fork() call; EXIT_NS: from
 *           its return to waitpid's, the child's exit and reaping)
 *   dz      first-touch (demand-zero) write faults on PAGES fresh anonymous pages -> ok NS_PER_PAGE
 *   cow     copy-on-write faults: PAGES pages touched, fork (the child waits), the parent writes
 *           each page again -> ok NS_PER_PAGE
 *   quit
 *
 * Every mapping is MADV_NOHUGEPAGE: with transparent huge pages one fault or one PMD copy would
 * stand for 512 pages, and the model's 4 KiB pages would be compared with 2 MiB ones.
 * Arguments: mib=N (default 256; 0: nothing mapped for fork) pages=N (default 8192).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE 4096

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile char *map_pages(size_t pages) {
  void *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { perror("mmap"); exit(2); }
  if (madvise(p, pages * PAGE, MADV_NOHUGEPAGE) != 0) { perror("madvise(MADV_NOHUGEPAGE)"); exit(2); }
  return p;
}

static void touch(volatile char *p, size_t pages, char v) {
  for (size_t i = 0; i < pages; i++) p[i * PAGE] = v;
}

static void reap(pid_t pid) {
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "fork-bench: child %d did not exit cleanly\n", (int)pid);
    exit(2);
  }
}

static void cmd_fork(size_t pages) {
  double t0 = now_ns();
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  double t1 = now_ns();
  if (pid < 0) { printf("err fork failed\n"); return; }
  reap(pid);
  double t2 = now_ns();
  printf("ok %.0f %.0f %zu\n", t1 - t0, t2 - t1, pages);
}

static void cmd_dz(size_t pages) {
  volatile char *p = map_pages(pages);
  double t0 = now_ns();
  touch(p, pages, 1);
  double t1 = now_ns();
  munmap((void *)p, pages * PAGE);
  printf("ok %.2f\n", (t1 - t0) / pages);
}

static void cmd_cow(size_t pages) {
  volatile char *p = map_pages(pages);
  touch(p, pages, 1);
  int fds[2];
  if (pipe(fds) != 0) { perror("pipe"); exit(2); }
  pid_t pid = fork();
  if (pid == 0) {            /* keep the pages shared until the parent is done */
    char c;
    close(fds[1]);
    _exit(read(fds[0], &c, 1) == 1 ? 0 : 1);
  }
  if (pid < 0) { printf("err fork failed\n"); return; }
  close(fds[0]);
  double t0 = now_ns();
  touch(p, pages, 2);
  double t1 = now_ns();
  if (write(fds[1], "x", 1) != 1) { perror("write"); exit(2); }
  close(fds[1]);
  reap(pid);
  munmap((void *)p, pages * PAGE);
  printf("ok %.2f\n", (t1 - t0) / pages);
}

int main(int argc, char **argv) {
  size_t mib = 256, pages = 8192;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "mib=", 4) == 0) mib = strtoul(argv[i] + 4, NULL, 0);
    else if (strncmp(argv[i], "pages=", 6) == 0) pages = strtoul(argv[i] + 6, NULL, 0);
    else { fprintf(stderr, "fork-bench: unknown argument %s\n", argv[i]); return 2; }
  }
  if (pages == 0) { fprintf(stderr, "fork-bench: pages must be positive\n"); return 2; }
  size_t fork_pages = mib * (1024 * 1024 / PAGE);
  if (fork_pages > 0) touch(map_pages(fork_pages), fork_pages, 1);
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready\n");
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "fork", 4) == 0) cmd_fork(fork_pages);
    else if (strncmp(line, "dz", 2) == 0) cmd_dz(pages);
    else if (strncmp(line, "cow", 3) == 0) cmd_cow(pages);
    else if (strncmp(line, "quit", 4) == 0) break;
    else printf("err unknown command: %s", line);
  }
  return 0;
}
