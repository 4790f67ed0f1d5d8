"""Export an exercise: Anki (``.apkg`` cloze notes via genanki), CSV, or a printable HTML page.

Anki: one cloze note per sentence that holds blanks, ``{{c1::answer::hint}}`` for each blank
(for multiple choice the hint lists the choices). CSV: one row per blank. HTML: the text with
numbered blanks, the choices under it, and an answer key on a new page when printed.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from cloze_app.core.atomic import atomic_write_bytes, atomic_write_text
from cloze_app.core.errors import InputError
from cloze_app.core.learn.exercises import Exercise, ExerciseItem
from cloze_app.core.text import sentence_bounds

FORMATS = ("apkg", "csv", "html")
CSV_HEADER = ("number", "sentence", "answer", "choices", "first_letter", "length", "model_rank")


def _stable_id(text: str) -> int:
    """A deterministic Anki id (31-bit positive) for a deck or model name."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") >> 1 | 1 << 30


def _choices_hint(item: ExerciseItem) -> str:
    return " / ".join(item.choices)


def anki_notes(exercise: Exercise) -> list[str]:
    """The Text field of each cloze note: one per sentence with blanks, in text order."""
    groups: dict[tuple[int, int], list[ExerciseItem]] = {}
    for item in exercise.items:
        groups.setdefault(sentence_bounds(exercise.text, item.start, item.end), []).append(item)
    notes = []
    for (lo, hi), items in groups.items():
        parts, pos = [], lo
        for cloze, item in enumerate(items, start=1):
            parts.append(html.escape(exercise.text[pos : item.start], quote=False))
            answer = html.escape(item.answer, quote=False).replace("::", ":")
            hint = html.escape(_choices_hint(item), quote=False) if item.is_multiple_choice else ""
            parts.append(f"{{{{c{cloze}::{answer}::{hint}}}}}" if hint else f"{{{{c{cloze}::{answer}}}}}")
            pos = item.end
        parts.append(html.escape(exercise.text[pos:hi], quote=False))
        notes.append("".join(parts).replace("\n", "<br>"))
    return notes


def write_anki(exercise: Exercise, path: Path, deck_name: str | None = None) -> int:
    """Write an Anki package of cloze notes; returns the number of notes."""
    import genanki  # optional at import time: only the Anki export needs it

    name = deck_name or exercise.title or "Cloze exercise"
    deck = genanki.Deck(_stable_id("cloze deck:" + name), name)
    source = html.escape(exercise.title or "Cloze", quote=False)
    notes = anki_notes(exercise)
    for text in notes:
        deck.add_note(
            genanki.Note(model=genanki.CLOZE_MODEL, fields=[text, source], guid=genanki.guid_for(name, text))
        )
    # genanki writes to a path itself; write beside the target, then rename (crash-safe).
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        genanki.Package(deck).write_to_file(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(notes)


def csv_text(exercise: Exercise) -> str:
    """One row per blank: the sentence with ``_____`` for the blank, answer, choices, hints."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for item in exercise.items:
        sentence, lo, hi = exercise.sentence(item.number)
        writer.writerow(
            (
                item.number,
                " ".join((sentence[:lo] + "_____" + sentence[hi:]).split()),
                item.answer,
                "|".join(item.choices),
                item.answer[0],
                len(item.answer),
                item.rank if item.rank is not None else "",
            )
        )
    return out.getvalue()


_CSS = """
body { font-family: Georgia, serif; max-width: 42em; margin: 2em auto; line-height: 1.9; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; }
.blank { display: inline-block; min-width: 6em; border-bottom: 1px solid #000; text-align: center; }
.num { font-size: 0.75em; vertical-align: super; color: #555; }
ol.choices li { margin-bottom: 0.2em; } .opt { margin-right: 1.5em; }
.key { page-break-before: always; break-before: page; }
@media print { body { margin: 0; } }
"""


def html_page(exercise: Exercise) -> str:
    """A printable page: instructions, the text with numbered blanks, choices, then the key."""
    title = html.escape(exercise.title or "Cloze exercise")
    body = []
    for seg in exercise.segments():
        if isinstance(seg, str):
            body.append(html.escape(seg).replace("\n\n", "</p><p>").replace("\n", "<br>"))
        else:
            body.append(f'<span class="num">{seg.number}</span><span class="blank">&nbsp;</span>')
    mc = any(item.is_multiple_choice for item in exercise.items)
    how = "Choose the word that fits each blank." if mc else "Write the missing word in each blank."
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title><style>{_CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        f"<p><em>{how} ({len(exercise.items)} blanks, {html.escape(exercise.difficulty)})</em></p>",
        f"<p>{''.join(body)}</p>",
    ]
    if mc:
        parts.append('<ol class="choices">')
        for item in exercise.items:
            opts = "".join(
                f'<span class="opt">{chr(97 + k)}) {html.escape(c)}</span>'
                for k, c in enumerate(item.choices)
            )
            parts.append(f'<li value="{item.number}">{opts}</li>')
        parts.append("</ol>")
    parts.append('<section class="key"><h2>Answer key</h2><ol>')
    parts.extend(f'<li value="{item.number}">{html.escape(item.answer)}</li>' for item in exercise.items)
    parts.append("</ol></section></body></html>")
    return "\n".join(parts) + "\n"


def export_exercise(exercise: Exercise, path: Path) -> str:
    """Write ``exercise`` in the format the file name says (``.apkg``, ``.csv``, ``.html``/``.htm``).

    Returns a short description of what was written.

    Raises:
        InputError: for any other file extension.
    """
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "apkg":
        count = write_anki(exercise, path)
        return f"{count} Anki cloze note{'s' if count != 1 else ''} written to {path}"
    writers: dict[str, Callable[[Exercise], str]] = {"csv": csv_text, "html": html_page, "htm": html_page}
    if suffix not in writers:
        raise InputError(f"Cannot export to {path.name}: use a .apkg, .csv or .html file name.")
    text = writers[suffix](exercise)
    if suffix == "csv":
        atomic_write_bytes(path, text.encode("utf-8-sig"))  # the BOM lets spreadsheet apps see UTF-8
    else:
        atomic_write_text(path, text)
    return f"{len(exercise.items)} blanks written to {path}"
