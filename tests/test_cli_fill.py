"""``python -m cloze_app fill``: the shape scripts and the quality harness depend on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cloze_app.entry import main
from tests.conftest import REPO, bundled_model_available


def test_fill_prints_candidates_and_best_text(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fill", "The ___ sat.", "--model", str(tiny_model_dir), "--top-k", "3"]) == 0
    out = capsys.readouterr().out
    assert "1. cat" in out and "2. foot" in out and "3. football" in out
    assert "Best: The cat sat." in out


def test_fill_json(tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["fill", "the ___ sat on the ___ .", "--model", str(tiny_model_dir), "--json", "--top-k", "2"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["filled"] == "the cat sat on the cat ."
    assert [[c["word"] for c in b["candidates"]] for b in data["blanks"]] == [
        ["cat", "foot"],
        ["cat", "foot"],
    ]
    assert all(isinstance(c["score"], float) for b in data["blanks"] for c in b["candidates"])


def test_fill_jsonl_keeps_order_and_ranks_options(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        {"text": "the ___ sat ."},
        {"text": "the ___ sat .", "options": ["dog", "mat", "cat"]},
        {"text": "the ___ sat on the ___ .", "options": ["football", "dog"]},
    ]
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert main(["fill", "--jsonl", str(source), "--model", str(tiny_model_dir), "--top-k", "2"]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in results] == [line["text"] for line in lines]
    assert results[0]["filled"] == "the cat sat ."
    assert [c["word"] for c in results[1]["blanks"][0]["candidates"]] == ["cat", "dog", "mat"]
    assert results[1]["filled"] == "the cat sat ."
    assert [c["word"] for c in results[2]["blanks"][0]["candidates"]] == ["football", "dog"]
    assert results[2]["filled"] == "the football sat on the cat ."


def test_jsonl_bad_lines_are_reported_and_the_rest_continue(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "no blank"}\nnot json\n{"text": "the ___ sat"}\n')
    assert main(["fill", "--jsonl", str(source), "--model", str(tiny_model_dir)]) == 1
    captured = capsys.readouterr()
    results = [json.loads(line) for line in captured.out.splitlines()]
    assert [r.get("error") is None for r in results] == [False, False, True]
    assert "line 1: The text has no blank" in captured.err and "line 2:" in captured.err


def test_jsonl_lines_answered_at_once_come_out_as_one_at_a_time(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several workers (engine twins on one session) answer lines at once; the output is the
    same, line for line and in order, as one engine answering them in turn."""
    from cloze_app.cli import fill

    source = tmp_path / "in.jsonl"
    texts = ["the ___ sat .", "the ___ barked", "i saw the ___ there", "the ___ sat on the ___ ."]
    lines = [json.dumps({"text": texts[i % 4]}) for i in range(30)]
    lines[7] = "not json"
    lines[12] = json.dumps({"text": "the ___ sat .", "options": ["dog", "football", "mat"]})
    lines[20] = json.dumps({"text": "no blank here"})
    source.write_text("\n".join(lines) + "\n")
    twins: list[object] = []
    real_twin = fill.ClozeEngine.twin
    monkeypatch.setattr(fill.ClozeEngine, "twin", lambda self: twins.append(self) or real_twin(self))
    outputs = []
    for workers in (1, 3):
        monkeypatch.setattr(fill, "jsonl_workers", lambda threads, n=workers: n)
        made = len(twins)
        assert main(["fill", "--jsonl", str(source), "--model", str(tiny_model_dir), "--top-k", "3"]) == 1
        assert len(twins) - made == workers - 1
        outputs.append(capsys.readouterr())
    (alone, together) = outputs
    assert together.out == alone.out and together.err == alone.err
    results = [json.loads(line) for line in together.out.splitlines()]
    assert [r.get("error") is not None for r in results] == [i in (7, 20) for i in range(30)]
    assert "line 8:" in together.err and "line 21:" in together.err


def test_jsonl_workers_follow_threads_and_cpus() -> None:
    from cloze_app.cli.fill import MAX_JSONL_WORKERS, jsonl_workers
    from cloze_app.core.app.settings import cpu_count
    from cloze_app.core.engine.session import physical_cores

    assert jsonl_workers(1) == 1
    assert jsonl_workers(0) == min(physical_cores(), MAX_JSONL_WORKERS)  # as any request's runs
    assert jsonl_workers(10_000) == min(cpu_count(), MAX_JSONL_WORKERS)


def test_errors_are_one_clear_line(tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fill", "no blank", "--model", str(tiny_model_dir)]) == 2
    assert capsys.readouterr().err.startswith("cloze: error: The text has no blank")
    assert main(["fill", "a ___", "--model", str(tiny_model_dir / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_provider_fallback_is_said(tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fill", "the ___ sat", "--model", str(tiny_model_dir), "--provider", "CUDA"]) == 0
    assert "using CPU" in capsys.readouterr().err


def test_version_and_help() -> None:
    version = subprocess.run([sys.executable, "-m", "cloze_app", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("cloze ")
    usage = subprocess.run(
        [sys.executable, "-m", "cloze_app", "fill", "--help"], capture_output=True, text=True
    )
    assert usage.returncode == 0 and "--jsonl" in usage.stdout


@pytest.mark.bundled
@pytest.mark.skipif(not bundled_model_available(), reason="the bundled model is not in models/ yet")
def test_bundled_model_end_to_end_through_the_command_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"text": "The capital of France is ___."})
        + "\n"
        + json.dumps({"text": "I drink a cup of ___ every morning.", "options": ["coffee", "car"]})
        + "\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "cloze_app", "fill", "--jsonl", str(source), "--top-k", "10"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    first, second = (json.loads(line) for line in run.stdout.splitlines())
    words = [c["word"] for c in first["blanks"][0]["candidates"]]
    assert len(words) == 10 and all(w.replace("'", "").replace("-", "").isalpha() for w in words)
    assert first["filled"].startswith("The capital of France is ") and "___" not in first["filled"]
    assert [c["word"] for c in second["blanks"][0]["candidates"]] == ["coffee", "car"]


def test_output_closed_early_ends_quietly(tiny_model_dir: Path, tmp_path: Path) -> None:
    """``cloze fill --jsonl FILE | head -1``: no traceback when the reader stops reading."""
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "the ___ sat ."}\n' * 3000)
    command = [
        sys.executable,
        "-m",
        "cloze_app",
        "fill",
        "--jsonl",
        str(source),
        "--model",
        str(tiny_model_dir),
    ]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stdout.readline().startswith(b'{"text": "the ___ sat ."')
    process.stdout.close()
    _, err = process.communicate(timeout=300)
    assert b"Traceback" not in err and process.returncode == 141
