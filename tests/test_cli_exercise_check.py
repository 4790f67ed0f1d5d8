"""``python -m cloze_app exercise`` and ``check``: printed, JSON, exported and interactive."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cloze_app.cli.exercise import play
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.learn.exercises import Exercise, ExerciseItem, ExerciseOptions, make_exercise
from cloze_app.entry import main
from tests.checker_models import CLEAN, ERRORS, learner_model
from tests.conftest import REPO
from tests.learner_models import PASSAGE, passage_model


@pytest.fixture
def passage_file(tmp_path: Path) -> Path:
    path = tmp_path / "harbour.txt"
    path.write_text(PASSAGE, encoding="utf-8")
    return path


@pytest.fixture
def passage_dir(tmp_path: Path) -> Path:
    return passage_model(tmp_path / "passage")


def test_exercise_prints_the_blanked_text_and_an_answer_key(
    passage_file: Path, passage_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exercise", str(passage_file), "--difficulty", "easy", "--model", str(passage_dir)]) == 0
    out = capsys.readouterr().out
    assert "(1) _____" in out and "Anna sold him 12" in out
    assert out.strip().splitlines()[-1].startswith("Answers: 1. ")


def test_exercise_json_with_choices(
    passage_file: Path, passage_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["exercise", str(passage_file), "--choices", "3", "--json", "--model", str(passage_dir)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["difficulty"] == "medium" and data["text"] == PASSAGE
    # This model knows few wrong words of each form: a blank gets two distractors, one, or none
    # (then the learner types the word).
    chosen = [item for item in data["items"] if item["choices"]]
    assert chosen and all(item["answer"] in item["choices"] for item in chosen)
    assert all(2 <= len(item["choices"]) <= 3 for item in chosen)


@pytest.mark.parametrize("suffix", ["apkg", "csv", "html"])
def test_exercise_exports(passage_file: Path, passage_dir: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"out.{suffix}"
    args = ["exercise", str(passage_file), "--every", "6", "--export", str(out), "--model", str(passage_dir)]
    assert main(args) == 0
    assert out.is_file() and out.stat().st_size > 0
    if suffix == "csv":
        rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
        assert rows and all(row["answer"] in PASSAGE for row in rows)


def test_exercise_bad_options_are_one_clear_line(
    passage_file: Path, passage_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exercise", str(passage_file), "--choices", "1", "--model", str(passage_dir)]) == 2
    assert "between 2 and 8" in capsys.readouterr().err
    assert main(["exercise", str(passage_file), "--export", "x.pdf", "--model", str(passage_dir)]) == 2
    assert ".apkg, .csv or .html" in capsys.readouterr().err
    assert main(["exercise", "no-such-story.txt", "--model", str(passage_dir)]) == 2
    assert "No such file: no-such-story.txt" in capsys.readouterr().err


def test_playing_in_the_terminal_gives_hints_verdicts_and_a_score(passage_dir: Path) -> None:
    engine = ClozeEngine.load(passage_dir)
    exercise = make_exercise(engine, PASSAGE, ExerciseOptions(difficulty="easy", max_blanks=3))
    first, second, third = exercise.items
    replies = iter(["?", first.answer, "quickly", ""])
    lines: list[str] = []
    session = play(engine, exercise, ask=lambda prompt: next(replies), say=lines.append)
    out = "\n".join(lines)
    assert f"hint: starts with “{first.answer[0]}”" in out
    assert f"1. Right: {first.answer}" in out
    assert "Not quite: 'quickly' hardly fits here for the model" in out
    assert f"The text has {second.answer}" in out
    assert f"3. No answer; the text has {third.answer}" in out
    assert lines[-1] == "Score 0.5/3: 1 right, 0 also fit, 1 wrong, 1 unanswered (1 hint)"
    assert session.score().points == 0.5


def test_playing_multiple_choice_accepts_a_letter(passage_dir: Path) -> None:
    engine = ClozeEngine.load(passage_dir)
    start = PASSAGE.index("boat")  # a multiple-choice blank (this model knows few wrong words)
    item = ExerciseItem(1, start, start + 4, "boat", choices=("banana", "boat", "purple"))
    exercise = Exercise(PASSAGE, (item,))
    letter = "abc"[item.choices.index(item.answer)]
    replies = iter(["z", "not-a-choice", letter])
    lines: list[str] = []
    play(engine, exercise, ask=lambda prompt: next(replies), say=lines.append)
    assert any("takes one of" in line for line in lines)
    assert lines[-1].startswith("Score 1/1: 1 right")


def test_check_flags_each_kind_with_ranked_fixes_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = str(learner_model(tmp_path / "learner"))
    eager = ["--sensitivity", "eager", "--margin", "unknown=4", "--model", model]
    low = [
        f"--margin={kind}=4"
        for kind in ("spelling", "inflection", "confusable", "closed", "missing", "extra")
    ]
    assert main(["check", "she go to school every day .", *eager, *low]) == 0
    out = capsys.readouterr().out
    assert "text:1:5: grammar: “go”: try goes (100%)" in out
    assert "6 words checked, 1 flagged." in out
    path = tmp_path / "mine.txt"
    path.write_text("My draft:\n" + "\n".join(ERRORS) + "\n", encoding="utf-8")
    assert main(["check", str(path), "--json", *eager, *low]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sensitivity"] == "Eager"
    got = [(f["word"], f["kind"], f["suggestions"][0]["word"]) for f in data["flags"] if f["line"] > 1]
    assert got == list(ERRORS.values())
    first = next(f for f in data["flags"] if f["word"] == "go")
    assert (first["line"], first["column"], first["start"]) == (2, 5, 14)
    assert 0.9 < first["suggestions"][0]["probability"] <= 1.0
    assert main(["check", CLEAN, *eager, *low]) == 0
    assert "nothing flagged" in capsys.readouterr().out


def test_check_sensitivity_presets_are_nested(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = str(learner_model(tmp_path / "learner"))
    text = " ".join(ERRORS)
    flagged = {}
    for name in ("careful", "balanced", "eager"):
        assert main(["check", text, "--json", "--sensitivity", name, "--model", model]) == 0
        flagged[name] = [(f["start"], f["end"]) for f in json.loads(capsys.readouterr().out)["flags"]]
    for quieter, eager in (("careful", "balanced"), ("balanced", "eager")):
        assert all(any(a <= s and t <= b for a, b in flagged[eager]) for s, t in flagged[quieter])
    assert flagged["eager"]  # the tiny model is sure of its fixes: even careful finds some


def test_check_refuses_a_bad_margin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = str(learner_model(tmp_path / "learner"))
    assert main(["check", "she go .", "--margin", "colour=2", "--model", model]) == 2
    assert "--margin takes KIND=X" in capsys.readouterr().err


def test_python_m_cloze_app_check_runs(tmp_path: Path) -> None:
    model = str(learner_model(tmp_path / "learner"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cloze_app",
            "check",
            "-",
            "--json",
            "--sensitivity",
            "eager",
            "--model",
            model,
        ],
        input="i recieve letters .",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (flag,) = json.loads(done.stdout)["flags"]
    assert (flag["word"], flag["kind"], flag["suggestions"][0]["word"]) == ("recieve", "spelling", "receive")
