#!/usr/bin/env bash
# Evaluate models/cloze-minilm-en (int8; plus the fp32 export when present) and rewrite its MODEL_CARD.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
"$PY" -m cloze_app.training eval --card "$@"
