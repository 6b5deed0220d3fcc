#!/bin/bash
# A TLB study too big for one machine, as a Slurm job array: each array task runs one of
# N deterministic slices of the (trace x configuration) work list (`--shard K/N`) and
# writes a part; a last job, started once every task succeeded, merges the parts into
# exactly the output one machine would have produced (`wasm-mmu study merge`).
#
#   sbatch docs/study-slurm.sh                 # from the directory holding traces/
#
# Every task must be given the same options and the same traces in the same order: the
# parts record them, and merge refuses parts of different studies or a missing shard.
#SBATCH --job-name=tlb-study
#SBATCH --array=1-50
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=parts/%x-%A_%a.log
set -euo pipefail

N=${SLURM_ARRAY_TASK_COUNT:-50}
K=${SLURM_ARRAY_TASK_ID:?run me with sbatch (a job array)}
mkdir -p parts

npx wasm-mmu study \
  --jobs "${SLURM_CPUS_PER_TASK:-2}" \
  --sweep stlb=64/4,128/8,256/8,512/8,1024/8,1536/12,2048/16,1536/1536 \
  --sweep stlb.policy=lru,plru,fifo,random \
  --shard "$K/$N" -o "parts/part-$K.json" \
  traces/*.lackey.gz

# The merge runs once, after the last task: the first task submits it, depending on the
# whole array (afterok: only if every task succeeded).
if [ "$K" = 1 ]; then
  sbatch --dependency="afterok:${SLURM_ARRAY_JOB_ID}" --job-name=tlb-study-merge --output=parts/merge.log \
    --wrap "npx wasm-mmu study merge parts/part-*.json -o study.json && npx wasm-mmu study merge --format csv parts/part-*.json -o study.csv"
fi
