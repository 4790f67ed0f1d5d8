"""Write ``cloze_app/core/learn/common_words.tsv``: common English content words with frequency and tags.

One line per word: ``word<TAB>zipf<TAB>tags`` (Penn tags, space-separated), for the 20,000 most
frequent English words of wordfreq (code Apache-2.0, data CC BY-SA 4.0) that lemminflect (MIT)
can tag as a noun, verb, adjective or adverb and that are not closed-class words. Distractors are
drawn from it by form and frequency without tagging thousands of words at run time.

    python scripts/build_wordlist.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cloze_app.core.learn import lexicon  # noqa: E402

OUT = REPO / "cloze_app" / "core" / "learn" / "common_words.tsv"
TOP = 20000
# Never offered to a learner as a distractor: profanity and sexual words common on the web
# (words starting with the first list; words whose lemma is in the second).
_BLOCKED_PREFIXES = (
    "fuck",
    "shit",
    "bitch",
    "cunt",
    "nigg",
    "slut",
    "whore",
    "porn",
    "dildo",
    "wank",
    "orgasm",
    "asshole",
    "bollock",
    "twat",
    "horny",
    "sexual",
    "sexy",
)
_BLOCKED_LEMMAS = frozenset(
    """dick cock pussy fag faggot retard sex rape rapist penis vagina boob tit tits nude naked
    bastard anal erotic hooker stripper damn crap piss arse jerk douche spunk cum milf prostitute
    masturbate masturbation nipple""".split()  # noqa: SIM905
)
HEADER = (
    "# Common English content words: word, Zipf frequency, Penn tags. Built by "
    "scripts/build_wordlist.py from wordfreq 3.1 (data CC BY-SA 4.0, Robyn Speer) and lemminflect "
    "(MIT).\n"
)


def main() -> int:
    import wordfreq

    lines = []
    for word in wordfreq.top_n_list("en", TOP):
        if not word.isascii() or not word.isalpha() or len(word) < 2 or lexicon.is_function_word(word):
            continue
        if word.startswith(_BLOCKED_PREFIXES) or lexicon.lemmas(word) & _BLOCKED_LEMMAS:
            continue
        tags = sorted(lexicon.form_tags(word))
        if tags:
            lines.append(f"{word}\t{lexicon.zipf(word):.2f}\t{' '.join(tags)}\n")
    OUT.write_text(HEADER + "".join(lines), encoding="utf-8")
    print(f"{OUT}: {len(lines)} words")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
