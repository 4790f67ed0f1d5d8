"""Write ``cloze_app/core/learn/opposites.tsv``: pairs of English words of opposite meaning, from WordNet.

One line per word: ``word<TAB>opposites`` (space-separated, both ways), lemmas only: WordNet's
direct antonyms, its antonym pointers between two words (buy/sell, early/late, open/closed), from
the WordNet 3.0 database (Princeton University; the WordNet 3.0 license, a BSD-style license kept
in ``cloze_app/core/learn/LICENSE.wordnet.txt``) as Debian's ``wordnet-base`` package installs it.
Indirect antonyms (an adjective similar to one with an antonym: huge, like large, against small)
are left out: over every sense of a word they pair "last" with "best" and "likely", "fast" with
"moral".

Only single words of letters that wordfreq (data CC BY-SA 4.0) finds at Zipf frequency >= 2.5
on both sides are kept: the words a learner writes. The exercise judge refuses a word that is
an opposite of the answer (``answers``): the model's word vectors put opposites close together.

    apt-get install wordnet-base      # or: apt-get download wordnet-base && dpkg -x wordnet-base_*.deb DIR
    python scripts/build_opposites.py [--wordnet /usr/share/wordnet]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "cloze_app" / "core" / "learn" / "opposites.tsv"
FILES = {"n": "data.noun", "v": "data.verb", "a": "data.adj", "r": "data.adv"}
MIN_ZIPF = 2.5

Synset = tuple[str, str]  # (part of speech, offset)


def read_wordnet(folder: Path) -> tuple[dict[Synset, list[str]], dict[Synset, list[tuple]]]:
    """Each synset's words and its pointers ``(symbol, target synset, source word, target word)``
    (word numbers from 1; 0: the whole synset)."""
    words: dict[Synset, list[str]] = {}
    pointers: dict[Synset, list[tuple]] = {}
    for pos, name in FILES.items():
        for line in (folder / name).read_text(encoding="latin-1").splitlines():
            if not line or line.startswith(" "):
                continue  # the license header
            fields = line.split("|")[0].split()
            key: Synset = (pos, fields[0])
            count = int(fields[3], 16)
            words[key] = [fields[4 + 2 * i].split("(")[0].lower() for i in range(count)]
            at = 4 + 2 * count
            found = []
            for _ in range(int(fields[at])):
                symbol, offset, tpos, numbers = fields[at + 1 : at + 5]
                at += 4
                target: Synset = ("a" if tpos in "as" else tpos, offset)
                found.append((symbol, target, int(numbers[:2], 16), int(numbers[2:], 16)))
            pointers[key] = found
    return words, pointers


def opposites(folder: Path) -> dict[str, set[str]]:
    """Word -> the words WordNet makes its direct antonyms."""
    words, pointers = read_wordnet(folder)
    pairs: set[tuple[str, str]] = set()
    for key, found in pointers.items():
        for symbol, target, source, other in found:
            if symbol != "!" or target not in words:
                continue
            a = words[key][source - 1] if source else None
            b = words[target][other - 1] if other else None
            for x in [a] if a else words[key]:
                for y in [b] if b else words[target]:
                    pairs.add((x, y))
    out: dict[str, set[str]] = defaultdict(set)
    for x, y in pairs:
        if x != y:
            out[x].add(y)
            out[y].add(x)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    args = parser.parse_args()
    if not (args.wordnet / "data.adj").is_file():
        print(f"No WordNet database in {args.wordnet}: apt-get install wordnet-base", file=sys.stderr)
        return 2
    import wordfreq

    def common(word: str) -> bool:
        return word.isalpha() and len(word) > 1 and wordfreq.zipf_frequency(word, "en") >= MIN_ZIPF

    table = opposites(args.wordnet)
    lines = [
        "# Words of opposite meaning (lemmas): word, its opposites. Built by scripts/build_opposites.py "
        "from WordNet 3.0 (Princeton University, WordNet 3.0 license: LICENSE.wordnet.txt), its direct "
        "antonyms, words of Zipf frequency >= 2.5 in wordfreq 3.1 (data CC BY-SA 4.0, Robyn Speer)."
    ]
    for word in sorted(w for w in table if common(w)):
        kept = sorted(o for o in table[word] if common(o))
        if kept:
            lines.append(f"{word}\t{' '.join(kept)}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 1} words -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
