#!/usr/bin/env bash
# Train (or resume) the MPNet model in the background, at low priority, on 2 threads in fp32 (this AVX2-only
# CPU has no bf16 matmul: autocast fell back to a scalar GEMM, far slower; see docs/training.md).
# Checkpoints (ckpt-latest.pt every 10 minutes, ckpt-best.pt at the best evaluation) and the log go to $RUN
# (default data/runs/mpnet-a, git-ignored). Running it again with the same RUN resumes exactly where the
# last checkpoint left off. Follow with: tail -f data/runs/mpnet-a/train.log   (evaluations: grep eval ...)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
RUN=${RUN:-data/runs/mpnet-a}
mkdir -p "$RUN"
setsid nohup nice -n "${NICE:-15}" env OMP_WAIT_POLICY=PASSIVE "$PY" -m cloze_app.training train --arch mpnet \
  --run-dir "$RUN" --batch-size 16 --lr 1e-4 --head-lr 1e-3 --warmup-steps 10 --max-steps "${MAX_STEPS:-3000}" \
  --decay-frac 1.0 --eval-every 20 --eval-rows 128 --threads 2 --no-compile --no-bf16 "$@" >>"$RUN/train.log" 2>&1 </dev/null &
echo "training in the background (pid $!), log: $RUN/train.log"
