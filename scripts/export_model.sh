#!/usr/bin/env bash
# Export the best checkpoint to ONNX, quantize to int8, check against PyTorch, write models/cloze-minilm-en/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
"$PY" -m cloze_app.training export --checkpoint "${CHECKPOINT:-runs/cloze-minilm-en/ckpt-best.pt}" "$@"
