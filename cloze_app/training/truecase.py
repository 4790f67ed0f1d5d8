"""Build a model's ``truecase.txt``: words the corpus writes with a capital even mid-sentence.

An uncased model predicts ``paris`` and ``monday``; the engine capitalises the words listed
here (names, days, months, languages), so suggestions read ``Paris``. Only occurrences that
are not at a sentence start count, and all-capital tokens (acronyms) are ignored.

Run: ``python -m cloze_app.training.truecase data/corpus/train.txt models/cloze-minilm-en/truecase.txt``
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

_WORD = re.compile(r"[A-Za-z][a-z]+(?:['’][a-z]+)?|[a-z]+")
_SENTENCE_END = re.compile(r"[.!?:;\"“”'‘’()\[\]]\s*$")


def count_case(lines: Iterable[str]) -> tuple[Counter[str], Counter[str]]:
    """Capitalised and lower-case mid-sentence occurrences of each word (lower-cased keys)."""
    capital: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for line in lines:
        for match in _WORD.finditer(line):
            start = match.start()
            before = line[max(0, start - 3) : start]
            if start == 0 or not before.strip() and start < 3 or _SENTENCE_END.search(line[:start]):
                continue
            word = match.group()
            key = word.lower()
            if word[0].isupper():
                capital[key] += 1
            else:
                lower[key] += 1
    return capital, lower


def truecase_words(
    capital: Counter[str], lower: Counter[str], min_count: int = 3, min_share: float = 0.8
) -> list[str]:
    """Words capitalised in at least ``min_share`` of at least ``min_count`` mid-sentence uses."""
    words = []
    for word, caps in capital.items():
        total = caps + lower[word]
        if len(word) > 1 and total >= min_count and caps / total >= min_share:
            words.append(word)
    return sorted(words)


def main(argv: list[str] | None = None) -> int:
    """Write the truecase lexicon of a corpus file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="plain text, one paragraph per line")
    parser.add_argument("out", type=Path, help="where to write truecase.txt")
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--min-share", type=float, default=0.8)
    args = parser.parse_args(argv)
    with args.corpus.open(encoding="utf-8") as handle:
        capital, lower = count_case(handle)
    words = truecase_words(capital, lower, args.min_count, args.min_share)
    args.out.write_text("".join(f"{w}\n" for w in words), encoding="utf-8")
    print(f"{len(words)} words written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
