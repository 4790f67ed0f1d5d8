"""Make the checker's dev set: held-out sentences with learner-like errors injected, and the gold fixes.

There is no free learner corpus with gold edits to ship, so errors are injected into held-out
corpus sentences (``bench/heldout.jsonl``: 250 Wikipedia, 250 Jane Austen sentences the model
never trained on, blanks filled with their answers) at about a learner's rate: each sentence
gets 0, 1 or 2 errors (35% / 45% / 20%), about one error per 30 words. The kinds and their
shares follow the commonest single-word errors of learner corpora:

* grammar (a word's other form: go/goes/went, day/days, is/are, lemminflect; for a third of
  them where the sentence has one, a closed-class form of another number, person, gender or
  case: this/these, he/him, himself/herself, doesn't/don't, a/an): 30%;
* spelling (a non-word made by one edit: deleted, doubled, swapped or inserted letter, or a key
  next to the right one on a QWERTY keyboard): 25%;
* word choice (a commonly confused word: their/there, make/do; a preposition or article swapped
  within its class): 20%;
* missing word (an article or preposition dropped): 15%;
* extra word (an article or preposition added where none belongs): 10%.

Each sentence is in one half, "tune" or "test", by a hash of its text. Writes JSON lines:
``{"id", "split", "source", "text", "clean", "errors": [{"start", "end", "correction",
"kind", "type"}]}`` (``type``: the kind, or "agreement" for a grammar error of a closed-class
form); an error's span is in ``text`` and ``correction`` replaces it (a missing word's span is
the word after the gap; an extra word's spans it and the next word).

    python scripts/make_error_set.py --out bench/checker_dev.jsonl [--seed 12]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cloze_app.core.learn import confusion, lexicon, spelling  # noqa: E402
from cloze_app.core.text import word_spans  # noqa: E402

HELDOUT = REPO / "bench" / "heldout.jsonl"
KINDS = (
    ("grammar", 0.30),
    ("spelling", 0.25),
    ("word choice", 0.20),
    ("missing word", 0.15),
    ("extra word", 0.10),
)
ERRORS_PER_SENTENCE = ((0, 0.35), (1, 0.45), (2, 0.20))
AGREEMENT_SHARE = 1 / 3  # of grammar errors: a closed-class form swapped (this/these, he/him)
_PREPS = ("in", "on", "at", "to", "for", "of", "with", "from", "about", "by")


def split_of(text: str) -> str:
    """The half a sentence is in: a stable hash, so the split never changes with the seed."""
    return "test" if int(hashlib.sha256(text.encode()).hexdigest(), 16) % 2 else "tune"


def _typo(word: str, rng: random.Random) -> str | None:
    """A non-word one edit from ``word`` (or None when every try made a real word)."""
    for _ in range(20):
        i = rng.randrange(len(word))
        op = rng.choice(("delete", "double", "swap", "insert", "keyboard", "keyboard"))
        if op == "delete":
            new = word[:i] + word[i + 1 :]
        elif op == "double":
            new = word[: i + 1] + word[i] + word[i + 1 :]
        elif op == "swap" and i + 1 < len(word):
            new = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif op == "insert":
            new = word[:i] + rng.choice("aeiourstnl") + word[i:]
        else:
            near = spelling.KEYBOARD_NEIGHBOURS.get(word[i].lower(), "")
            if not near:
                continue
            new = word[:i] + rng.choice(near) + word[i + 1 :]
        if new != word and not spelling.is_known(new):
            return new
    return None


def _choices(words: list, kind: str) -> list[tuple[int, str]]:
    """Every (word index, replacement) that makes an error of ``kind`` in this sentence."""
    out: list[tuple[int, str]] = []
    for i, w in enumerate(words):
        key = w.word.lower()
        if w.is_name or w.is_number or not w.word.isalpha():
            continue
        if kind == "grammar":
            forms = [f for f in lexicon.inflections(key) if f != key and spelling.is_known(f) and f.isalpha()]
            out += [(i, f) for f in forms]
        elif kind == "agreement":
            for group in confusion.AGREEMENT_SETS:
                if key in group:
                    out += [(i, o) for o in sorted(group) if o != key and (i, o) not in out]
        elif kind == "spelling" and len(key) >= 4:
            out.append((i, ""))  # the typo is drawn later
        elif kind == "word choice":
            for group in (*confusion.CONFUSABLE_SETS, frozenset(_PREPS), frozenset(("a", "an", "the"))):
                if key in group:
                    out += [(i, o) for o in sorted(group) if o != key and o.isalpha()]
        elif kind == "missing word" and (key in ("the", "a", "an") or key in _PREPS) and i + 1 < len(words):
            out.append((i, ""))
        elif kind == "extra word" and i > 0:
            prev = words[i - 1].word.lower()
            classes = lexicon.word_classes(key)
            if (
                lexicon.NOUN in classes
                and prev not in confusion.ARTICLES
                and not lexicon.function_class(prev)
            ):
                out.append((i, "the"))  # "the" before a bare noun: "I like the music"
            if lexicon.function_class(key) == "DET" and lexicon.VERB in lexicon.word_classes(prev):
                out += [(i, p) for p in ("about", "to", "with", "on")]  # "discussed about the plan"
    return out


def inject(text: str, count: int, rng: random.Random) -> tuple[str, list[dict]]:
    """``text`` with ``count`` errors at different words, and their gold records."""
    errors: list[dict] = []
    used: set[int] = set()
    for _ in range(count):
        words = word_spans(text)
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        error_type = kind
        if kind == "grammar" and rng.random() < AGREEMENT_SHARE and _choices(words, "agreement"):
            error_type = "agreement"
        options = [
            (i, r)
            for i, r in _choices(words, error_type)
            if i not in used and i - 1 not in used and i + 1 not in used
        ]
        if not options:
            continue
        i, replacement = rng.choice(options)
        w = words[i]
        if kind == "spelling":
            typo = _typo(w.word, rng)
            if typo is None:
                continue
            new_text = text[: w.start] + typo + text[w.end :]
            record = {"start": w.start, "end": w.start + len(typo), "correction": w.word}
        elif kind == "missing word":
            nxt = words[i + 1]
            new_text = text[: w.start] + text[nxt.start :]
            record = {"start": w.start, "end": w.start + len(nxt.word), "correction": text[w.start : nxt.end]}
        elif kind == "extra word":
            added = replacement + " "
            new_text = text[: w.start] + added + text[w.start :]
            record = {"start": w.start, "end": w.start + len(added) + len(w.word), "correction": w.word}
        else:
            cased = replacement.capitalize() if w.word[:1].isupper() else replacement
            new_text = text[: w.start] + cased + text[w.end :]
            record = {"start": w.start, "end": w.start + len(cased), "correction": w.word}
        shift = len(new_text) - len(text)
        for e in errors:  # earlier errors after this one move
            if e["start"] >= w.start:
                e["start"] += shift
                e["end"] += shift
        record.update(kind=kind, type=error_type)
        errors.append(record)
        used.add(i)
        text = new_text
    return text, sorted(errors, key=lambda e: e["start"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "checker_dev.jsonl")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []
    for n, line in enumerate(HELDOUT.read_text(encoding="utf-8").splitlines()):
        item = json.loads(line)
        clean = item["text"].replace("___", item["answer"], 1)
        count = rng.choices([c for c, _ in ERRORS_PER_SENTENCE], [w for _, w in ERRORS_PER_SENTENCE])[0]
        text, errors = inject(clean, count, rng)
        rows.append(
            {
                "id": n,
                "split": split_of(clean),
                "source": item["source"],
                "text": text,
                "clean": clean,
                "errors": errors,
            }
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    total = sum(len(r["errors"]) for r in rows)
    words = sum(len(r["text"].split()) for r in rows)
    by_kind = {k: sum(e["kind"] == k for r in rows for e in r["errors"]) for k, _ in KINDS}
    print(
        f"{len(rows)} sentences, {words} words, {total} errors "
        f"(one per {words / max(1, total):.0f} words): {by_kind}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
