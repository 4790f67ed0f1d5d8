#!/usr/bin/env bash
# Train (or resume) the masked-LM model in the background; checkpoints and logs go to runs/cloze-minilm-en/.
# Follow with: tail -f runs/cloze-minilm-en/train.log   (evaluations: grep eval runs/cloze-minilm-en/train.log)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
RUN=${RUN:-runs/cloze-minilm-en}
mkdir -p "$RUN"
OMP_WAIT_POLICY=PASSIVE setsid nohup "$PY" -m cloze_app.training train --run-dir "$RUN" --max-steps "${MAX_STEPS:-2200}" \
  --eval-every 400 "$@" >>"$RUN/train.log" 2>&1 </dev/null &
echo "training in the background (pid $!), log: $RUN/train.log"
