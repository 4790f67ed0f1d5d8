"""``fill`` under bad input: every bad JSONL line gets its own error object and the rest go on;
threads are clamped to the CPU count (a negative count is an error, not "automatic")."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cloze_app.core.app.settings import cpu_count
from cloze_app.entry import main
from tests.conftest import REPO

GOOD = b'{"text": "the ___ sat on the mat ."}'
# Each case: the bad line's bytes and a word its error must hold.
BAD_LINES = {
    "invalid UTF-8": (b'{"text": "the \xff\xfe ___"}', "UTF-8"),
    "a lone surrogate": (b'{"text": "the \\ud800 ___ sat"}', "surrogate"),
    "100,000 nested brackets": (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
    "100,000 nested objects": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nests too deeply"),
    "not JSON": (b"the ___ sat", "not valid JSON"),
    "a 5,000-digit number": (b'{"text": "a ___", "n": ' + b"9" * 5000 + b"}", "not valid JSON"),
    "no text": (b'{"txt": "a ___"}', '"text"'),
    "empty options": (b'{"text": "the ___ sat", "options": []}', "empty"),
    "options not strings": (b'{"text": "the ___ sat", "options": [1]}', "list of strings"),
    "no blank": (b'{"text": "nothing to fill"}', "blank"),
}


def run_jsonl(
    path: Path, model: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[dict[str, object]]]:
    capsys.readouterr()
    code = main(["fill", "--jsonl", str(path), "--model", str(model), "--top-k", "2"])
    lines = capsys.readouterr().out.splitlines()
    return code, [json.loads(line) for line in lines]


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_a_bad_line_gets_its_own_error_and_the_rest_go_on(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    bad, words = BAD_LINES[case]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join([GOOD, bad, GOOD]) + b"\n")
    code, out = run_jsonl(source, tiny_model_dir, capsys)
    assert code == 1 and len(out) == 3
    assert out[0]["filled"] == out[2]["filled"] == "the cat sat on the mat ."
    assert out[1]["filled"] is None and out[1]["line"] == 2
    assert words in str(out[1]["error"])


def test_a_utf8_bom_on_line_1_is_not_an_error(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bom.jsonl"
    source.write_bytes(codecs.BOM_UTF8 + GOOD + b"\n" + GOOD + b"\n")
    code, out = run_jsonl(source, tiny_model_dir, capsys)
    assert code == 0 and [o["filled"] for o in out] == ["the cat sat on the mat ."] * 2


def test_a_utf16_file_is_read_as_utf16(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "utf16.jsonl"
    source.write_bytes((GOOD.decode() + "\n" + GOOD.decode() + "\n").encode("utf-16"))
    code, out = run_jsonl(source, tiny_model_dir, capsys)
    assert code == 0 and [o["filled"] for o in out] == ["the cat sat on the mat ."] * 2


def test_invalid_utf8_still_outputs_every_good_line(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(b"\n".join([b"\xff\xfe\xfd", GOOD, b'{"text": "\xc3"}', GOOD]))
    code, out = run_jsonl(source, tiny_model_dir, capsys)
    assert code == 1 and [o["filled"] for o in out] == [
        None,
        "the cat sat on the mat .",
        None,
        "the cat sat on the mat .",
    ]


def test_threads_above_the_cpu_count_are_clamped_and_said(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fill", "the ___ sat", "--model", str(tiny_model_dir), "--threads", "1000"]) == 0
    err = capsys.readouterr().err
    assert f"using {cpu_count()}" in err


@pytest.mark.parametrize("threads", ["-3", "many"])
def test_a_negative_or_odd_thread_count_is_an_error(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str], threads: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["fill", "the ___ sat", "--model", str(tiny_model_dir), "--threads", threads])
    assert stopped.value.code == 2
    assert "--threads" in capsys.readouterr().err


def test_a_lone_surrogate_on_stdin_does_not_stop_the_batch(tiny_model_dir: Path) -> None:
    lines = GOOD + b"\n" + b'{"text": "\\udcff ___"}\n' + GOOD + b"\n"
    done = subprocess.run(
        [sys.executable, "-m", "cloze_app", "fill", "--jsonl", "-", "--model", str(tiny_model_dir)],
        input=lines,
        capture_output=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    out = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert done.returncode == 1 and len(out) == 3 and out[1]["error"]


def test_a_text_of_many_blanks_is_filled_a_few_at_a_time_with_a_message(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cloze_app.cli.fill import JOINT_BLANKS, fill_bounded
    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.core.text import MAX_BLANKS_PER_REQUEST

    engine = ClozeEngine.load(tiny_model_dir)
    asked: list[int] = []
    fill = engine.fill

    def counting(text: str, top_k: int = 10, n_fillings: int = 3):  # type: ignore[no-untyped-def]
        asked.append(len(engine.find_blanks(text)))
        return fill(text, top_k=top_k, n_fillings=n_fillings)

    engine.fill = counting  # type: ignore[method-assign]
    text = " ".join(["the ___ sat on the mat ."] * 13)
    result = fill_bounded(engine, text, 3)
    assert JOINT_BLANKS < 13 and max(asked) <= MAX_BLANKS_PER_REQUEST and sum(asked) == 13
    assert [b.blank.index for b in result.blanks] == list(range(13))
    assert all(text[b.blank.start : b.blank.end] == "___" for b in result.blanks)
    assert result.filled == " ".join(["the cat sat on the mat ."] * 13)
    assert "13 blanks" in capsys.readouterr().err
    asked.clear()
    fill_bounded(engine, "the ___ sat on the ___ .", 3)
    assert asked == [2]  # a few blanks: filled jointly, as before


@pytest.mark.parametrize("command", ["check", "exercise"])
def test_text_that_is_not_utf8_is_one_clear_line(tiny_model_dir: Path, tmp_path: Path, command: str) -> None:
    source = tmp_path / "latin1.txt"
    source.write_bytes("Le café est très bon.".encode("latin-1"))
    for where, stdin in ((str(source), b""), ("-", source.read_bytes())):
        done = subprocess.run(
            [sys.executable, "-m", "cloze_app", command, where, "--model", str(tiny_model_dir)],
            input=stdin,
            capture_output=True,
            cwd=REPO,
            timeout=120,
            check=False,
        )
        err = done.stderr.decode()
        assert done.returncode == 2 and "not UTF-8" in err and "Traceback" not in err
