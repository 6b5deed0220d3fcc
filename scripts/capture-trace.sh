#!/usr/bin/env bash
# capture-trace.sh — regenerate data/sample.lackey.gz, the small real
# memory-access trace that ships with wasm-mmu (see data/README.md).
#
# What it does: runs GNU `sort` (coreutils) under valgrind's lackey tool with
# --trace-mem=yes on a 4000-line text file that this script generates itself
# (a fixed linear congruential sequence, so no randomness), keeps lines
# START .. START+COUNT-1 of the lackey log unmodified, and writes them
# gzip -9 compressed to the output path (default: data/sample.lackey.gz next
# to this script's directory).
#
# Why this window and not the first lines of the log: in any dynamically
# linked program the first ~160,000 lackey lines are the dynamic loader, so a
# 250,000-line cut from line 1 would be two-thirds ld.so and never reach the
# sorting. The window chosen starts in sort's input-scanning loop (memchr over
# the read buffer, building the line table) and runs into the merge sort, i.e.
# the program's own working set. The 5 `==PID==` banner lines are therefore not
# included (the shared awk sample already covers "banner + loader"); as a
# bonus the output holds no PID and is byte-for-byte reproducible.
#
# Why it is reproducible: valgrind places the client (executable, libraries,
# heap, stack) itself, at the same addresses on every run, whatever the
# kernel's ASLR setting. The program runs with an empty environment
# (env -i, plus LC_ALL=C), in / with its input on stdin (argv, envp and the
# PWD that valgrind adds sit on the stack: other lengths would shift it),
# one thread (--parallel=1) and a fixed buffer size (-S 1M, otherwise derived
# from the machine's RAM). Re-running on the same machine gives the same
# bytes; on a different CPU, glibc may pick other string-routine variants
# (memchr, memcmp, ...), and other valgrind/coreutils/glibc versions change
# the trace, so the file then differs in content, though not in kind.
#
# Usage: scripts/capture-trace.sh [OUTPUT.gz]
# Needs: valgrind (3.19.0 used), coreutils sort, awk, gzip.
set -euo pipefail

START=300001        # first lackey log line kept (1-based)
COUNT=250000        # number of lines kept
NLINES=4000         # lines of generated sort input

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-"$(dirname "$script_dir")/data/sample.lackey.gz"}

command -v valgrind >/dev/null || { echo "capture-trace: valgrind not found" >&2; exit 1; }
[ -x /usr/bin/sort ] || { echo "capture-trace: /usr/bin/sort not found" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Deterministic input: NLINES lines "NNNNNNNNNN word", NNNNNNNNNN from the
# LCG x <- (69069 x + 1) mod 2^32 (all products stay below 2^53, so awk's
# doubles compute it exactly). About 68 KB, in no particular order.
awk -v n="$NLINES" 'BEGIN {
  x = 1
  for (i = 0; i < n; i++) {
    x = (x * 69069 + 1) % 4294967296
    printf "%010d %s\n", x, (x % 7 == 0 ? "seven" : "other")
  }
}' > "$work/words.txt"

# The traced run: lackey's output goes to fd 9 (the log file) and sort's own
# output is discarded. It runs in / with the input on stdin: valgrind adds
# PWD=<cwd> to the client's environment, and argv/envp strings sit on the
# client's stack, so a cwd or input path of another length would shift the
# stack addresses.
(
  cd /
  env -i LC_ALL=C \
    valgrind --tool=lackey --trace-mem=yes --log-fd=9 \
    /usr/bin/sort --parallel=1 -S 1M \
    < "$work/words.txt" 9> "$work/lackey.log" > /dev/null
)

total=$(wc -l < "$work/lackey.log")
if [ "$total" -lt $((START + COUNT - 1)) ]; then
  echo "capture-trace: lackey log has only $total lines, need $((START + COUNT - 1))" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
end=$((START + COUNT - 1))
# sed reads the log itself and stops at the last line wanted (no SIGPIPE).
sed -n "${START},${end}p;${end}q" "$work/lackey.log" | gzip -9 -n > "$out.tmp"
mv "$out.tmp" "$out"

echo "capture-trace: $(valgrind --version); full log $total lines;" \
     "kept lines $START-$end -> $out ($(wc -c < "$out") bytes)"
sha256sum "$out"
