"""Held-out sentences with one word blanked (``bench/heldout.jsonl``), built once from the corpus.

The training corpus (``scripts/build_corpus.sh``) holds out 3% of its paragraphs by a hash of
their text; the model never trains on them. This picks sentences from the held-out Wikipedia
leads (CC BY-SA 4.0, Wikipedia contributors) and Jane Austen's novels (public domain), blanks
one word in each (chosen by a hash of the sentence, so the file is reproducible) and commits the
result, so the bench needs no corpus:

    python -m bench.heldout --corpus data/corpus      # rewrites bench/heldout.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELDOUT_FILE = HERE / "heldout.jsonl"
SOURCES = {"wikipedia": 250, "austen": 250}
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z\"'(])")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph at sentence ends (good enough for picking sample sentences)."""
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big")


def blank_one(sentence: str) -> dict[str, str] | None:
    """The sentence with one plain word (not the first, letters only) replaced by ``___``."""
    words = [m for m in _WORD.finditer(sentence) if m.group().isalpha()]
    words = [m for m in words[1:] if not m.group().isupper() or len(m.group()) == 1]
    if not words:
        return None
    chosen = words[_hash(sentence) % len(words)]
    text = sentence[: chosen.start()] + "___" + sentence[chosen.end() :]
    return {"text": text, "answer": chosen.group()}


def build(corpus: Path, per_source: dict[str, int] = SOURCES) -> list[dict[str, str]]:
    """Items from each held-out source: sentences of 8–40 words, in hash order, one blank each."""
    items: list[dict[str, str]] = []
    for source, count in per_source.items():
        text = (corpus / "heldout" / f"{source}.txt").read_text(encoding="utf-8")
        pool = {s for p in text.split("\n") for s in sentences(p) if 8 <= len(s.split()) <= 40}
        picked = 0
        for sentence in sorted(pool, key=_hash):
            item = blank_one(sentence)
            if item is None or "___" in sentence:
                continue
            items.append({"source": source, **item})
            picked += 1
            if picked == count:
                break
    return items


def load_heldout(path: Path = HELDOUT_FILE) -> list[dict[str, str]]:
    """The committed held-out items ({source, text, answer})."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.heldout", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=HERE.parent / "data" / "corpus")
    parser.add_argument("--out", type=Path, default=HELDOUT_FILE)
    args = parser.parse_args(argv)
    items = build(args.corpus)
    args.out.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    print(f"wrote {len(items)} items to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
