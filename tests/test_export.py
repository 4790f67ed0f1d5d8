"""Exports: Anki cloze notes read back from the package, CSV rows, the printable page."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import genanki
import pytest

from cloze_app.core.errors import InputError
from cloze_app.core.learn.exercises import Exercise, ExerciseItem
from cloze_app.core.learn.export import anki_notes, csv_text, export_exercise, html_page

TEXT = "The cat sat on the mat. It was warm & quiet.\nThe dog barked at <night>."


def _item(number: int, word: str, occurrence: int = 0, choices: tuple[str, ...] = ()) -> ExerciseItem:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(word, start + 1)
    return ExerciseItem(number, start, start + len(word), word, choices=choices, rank=number)


def _exercise(choices: bool = False) -> Exercise:
    return Exercise(
        text=TEXT,
        items=(
            _item(1, "cat", choices=("dog", "cat", "hat") if choices else ()),
            _item(2, "mat", choices=("mat", "sky", "ran") if choices else ()),
            _item(3, "warm", choices=("warm", "blue", "fast") if choices else ()),
            _item(4, "barked", choices=("sang", "ate", "barked") if choices else ()),
        ),
        title="Pets",
    )


def _read_apkg(path: Path) -> tuple[list[list[str]], dict]:
    """Notes' fields and the note types, straight from the package's SQLite collection."""
    with zipfile.ZipFile(path) as package:
        data = package.read("collection.anki2")
    db_path = path.with_suffix(".anki2")
    db_path.write_bytes(data)
    with sqlite3.connect(db_path) as db:
        notes = [row[0].split("\x1f") for row in db.execute("select flds from notes order by id")]
        models = json.loads(db.execute("select models from col").fetchone()[0])
        decks = json.loads(db.execute("select decks from col").fetchone()[0])
    assert "Pets" in [deck["name"] for deck in decks.values()]
    return notes, models


def test_anki_package_has_one_cloze_note_per_sentence_with_its_blanks(tmp_path: Path) -> None:
    out = tmp_path / "pets.apkg"
    message = export_exercise(_exercise(), out)
    assert "3 Anki cloze notes" in message
    notes, models = _read_apkg(out)
    assert [fields[0] for fields in notes] == [
        "The {{c1::cat}} sat on the {{c2::mat}}.",
        "It was {{c1::warm}} &amp; quiet.",
        "The dog {{c1::barked}} at &lt;night&gt;.",
    ]
    assert all(fields[1] == "Pets" for fields in notes)
    (model,) = models.values()
    assert model["type"] == genanki.Model.CLOZE
    assert int(model["id"]) == genanki.CLOZE_MODEL.model_id


def test_anki_multiple_choice_puts_the_choices_in_the_cloze_hint() -> None:
    notes = anki_notes(_exercise(choices=True))
    assert notes[0] == "The {{c1::cat::dog / cat / hat}} sat on the {{c2::mat::mat / sky / ran}}."


def test_csv_has_one_row_per_blank_with_the_sentence_blanked() -> None:
    rows = list(csv.DictReader(io.StringIO(csv_text(_exercise(choices=True)))))
    assert [r["answer"] for r in rows] == ["cat", "mat", "warm", "barked"]
    assert rows[0]["sentence"] == "The _____ sat on the mat."
    assert rows[3]["sentence"] == "The dog _____ at <night>."
    assert rows[0]["choices"] == "dog|cat|hat"
    assert (rows[3]["first_letter"], rows[3]["length"], rows[3]["model_rank"]) == ("b", "6", "4")


def test_csv_file_is_utf8_with_bom_for_spreadsheets(tmp_path: Path) -> None:
    out = tmp_path / "pets.csv"
    export_exercise(_exercise(), out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("number,sentence,answer")


def test_html_page_hides_answers_in_the_text_and_lists_them_in_the_key(tmp_path: Path) -> None:
    out = tmp_path / "pets.html"
    export_exercise(_exercise(choices=True), out)
    page = out.read_text(encoding="utf-8")
    body, key = page.split('<section class="key">')
    assert "barked" not in body.split("<ol")[0]  # the text itself does not give the answers away
    assert "&lt;night&gt;" in body and "<night>" not in body
    assert "a) sang" in body and "c) barked" in body
    assert [
        f'<li value="{n}">{w}</li>' in key for n, w in enumerate(["cat", "mat", "warm", "barked"], 1)
    ] == [True] * 4
    assert html_page(_exercise()).count('class="blank"') == 4


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.apkg, \.csv or \.html"):
        export_exercise(_exercise(), tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()
