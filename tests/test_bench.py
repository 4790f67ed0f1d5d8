"""The benchmark scripts run on a tiny model and print their tables; the scoring is checked by hand.

No timing is asserted: a benchmark is a script that prints figures, not a test with a time limit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from bench import agreement, quality, speed  # noqa: E402
from bench.make_reference import convert_model, max_logit_difference, save_reference  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def _fill(words: list[str]) -> dict:
    return {"text": "x ___", "blanks": [{"candidates": [{"word": w, "score": 0.1} for w in words]}]}


def test_scoring_of_options_swords_and_heldout() -> None:
    assert (
        quality.options_accuracy(["sat", "herself"], [_fill(["sat", "is"]), _fill(["itself", "herself"])])
        == 0.5
    )
    swords = [
        {
            "target": "total",
            "substitutes": [
                {"word": "sum", "score": 0.8},
                {"word": "amount", "score": 0.6},
                {"word": "full amount", "score": 0.5},
                {"word": "bill", "score": 0.1},
            ],
        },
        {"target": "big", "substitutes": [{"word": "huge", "score": 0.2}]},  # no gold: skipped
    ]
    # The target itself is dropped before P@1; "bill" is not gold (0.1 < 0.5); the multi-word
    # substitute can never be found by single-word candidates.
    p1, r10, n = quality.swords_scores(swords, [_fill(["total", "amount", "bill", "sum"]), _fill(["huge"])])
    assert (p1, n) == (1.0, 1)
    assert r10 == pytest.approx(2 / 3)
    heldout = [{"answer": "Way"}, {"answer": "of"}]
    assert quality.heldout_scores(heldout, [_fill(["way"]), _fill(["in", "on", "at", "to", "by", "of"])]) == (
        0.5,
        0.5,
    )
    failed = {"text": "x ___", "filled": None, "blanks": [], "error": "bad"}
    assert quality.options_accuracy(["sat"], [failed]) == 0.0


def test_word_agreement_and_tables() -> None:
    a = [_fill(["tea", "coffee", "water", "milk", "juice"]), _fill(["cat", "dog"])]
    b = [_fill(["tea", "coffee", "water", "milk", "beer"]), _fill(["dog", "cat"])]
    result = agreement.word_agreement(a, b)
    assert (result.top1, result.n) == (0.5, 2)
    assert result.top5 == pytest.approx((4 / 5 + 1) / 2)
    table = speed.speed_table(
        {
            "cloze-int8": {"latency_ms": {"short": [10.0, 12.0, 11.0]}},
            "transformers": {"latency_ms": {"short": [30.0, 33.0, 36.0]}},
        }
    )
    short = next(line for line in table if line.startswith("| one blank, 16-token"))
    assert "11.0 / " in short and "33.0 / " in short and "3.00×" in short
    assert "n/a" in next(line for line in table if line.startswith("| three blanks"))
    step = {"runs": 2, "rows": 9, "cells": 150, "ort_ms": 20.0, "total_ms": 25.0}
    floor = {"runs": 1, "rows": 1, "cells": 16, "ort_ms": 4.0, "total_ms": 4.5}
    profile = speed.profile_table({"cloze-int8": {"profile": {"short": step, speed.FLOOR: floor}}})
    short = next(line for line in profile if line.startswith("| one blank, 16-token"))
    assert "| 150 | 9.4× |" in short and "5.0 ms (20%)" in short  # work against the floor's, load-free


def test_requests_take_turns_so_load_changes_reach_every_request() -> None:
    order: list[str] = []
    calls = {key: (lambda key=key: order.append(key)) for key in ("short", speed.FLOOR)}
    times = speed.time_interleaved(calls, reps=3, warmup=1)  # type: ignore[arg-type]
    assert order == ["short", speed.FLOOR] + ["short", speed.FLOOR] * 3
    assert [len(t) for t in times.values()] == [3, 3]


def test_reference_conversion_matches_the_training_module(tmp_path: Path) -> None:
    import torch

    from cloze_app.training.model import BertConfig, BertMLM
    from tests.hf_fixtures import WORDS
    from tests.tinymodels import wordpiece_tokenizer

    tok = wordpiece_tokenizer(WORDS, pieces=("s", "ed"))
    tok.save(str(tmp_path / "tokenizer.json"))
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    trained = BertMLM(cfg).eval()
    torch.nn.init.normal_(trained.head_bias, std=1.0)
    hf = convert_model(trained)
    assert max_logit_difference(trained, hf, tmp_path / "tokenizer.json") < 1e-4
    rounded = convert_model(trained, round_fp16=True)
    save_reference(rounded, tmp_path / "tokenizer.json", tmp_path / "reference", {"step": 1})
    from transformers import BertForMaskedLM

    loaded = BertForMaskedLM.from_pretrained(str(tmp_path / "reference"), dtype=torch.float32)
    assert max_logit_difference(rounded, loaded, tmp_path / "tokenizer.json") < 1e-6
    assert json.loads((tmp_path / "reference" / "reference.json").read_text())["step"] == 1


@pytest.fixture
def bench_models(tmp_path: Path) -> tuple[Path, Path]:
    """A tiny int8 Cloze folder and its transformers reference (the same weights)."""
    from cloze_app.core.engine.manifest import manifest_for_files, write_manifest
    from cloze_app.core.models.convert import convert_checkpoint
    from tests.hf_fixtures import write_bert_checkpoint

    reference = write_bert_checkpoint(tmp_path / "reference")
    int8 = convert_checkpoint(reference, tmp_path / "tiny-int8").folder
    manifest = manifest_for_files(
        int8,
        id="tiny-int8",
        name="tiny",
        languages=["en"],
        mask_token="[MASK]",
        max_length=64,
        cased=False,
        quantization="int8",
        license="Apache-2.0",
        source="tests",
    )
    write_manifest(int8, manifest)
    return int8, reference


def _eval_dir(folder: Path) -> Path:
    folder.mkdir()
    rows = {
        "blimp_dev.jsonl": [{"text": "the cat ___ on the mat .", "good": "sat", "bad": "sats"}] * 2,
        "gaokao_cloze_dev.jsonl": [
            {"text": "she ___ to the house .", "options": ["ran", "walk", "the cat", "tea"], "answer": "ran"}
        ],
        "swords_dev.jsonl": [
            {
                "text": "the ___ sat on the mat .",
                "target": "cat",
                "pos": "NOUN",
                "substitutes": [{"word": "dog", "score": 0.9}, {"word": "tree", "score": 0.1}],
            }
        ],
    }
    for name, items in rows.items():
        (folder / name).write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return folder


def test_python_m_bench_runs_everything_on_a_tiny_model(
    bench_models: tuple[Path, Path], tmp_path: Path
) -> None:
    int8, reference = bench_models
    docs = tmp_path / "benchmarks.md"
    command = [
        sys.executable, "-m", "bench", "--int8", str(int8), "--reference", str(reference),
        "--reps", "2", "--thread-reps", "1", "--starts", "1", "--items", "4", "--limit", "2",
        "--agreement-items", "2",
        "--eval-dir", str(_eval_dir(tmp_path / "eval")), "--docs", str(docs),
    ]  # fmt: skip
    # A guard against a hang, not a time limit: this machine may be shared and busy.
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    report = docs.read_text(encoding="utf-8")
    assert report in done.stdout.replace("\r", "")  # the terminal shows what the docs hold
    for heading in (
        "Latency per request",
        "Where the time goes",
        "Threads and spinning",
        "Cold start",
        "Peak memory",
        "Targets",
        "Throughput",
        "Agreement",
        "Quality",
    ):
        assert f"## {heading}" in report
    assert "CPU: " in report and "Instruction sets: " in report
    for row in (
        "| one blank, 16-token sentence |",
        "| rank 4 options |",
        "| Cloze int8, window (offscreen) |",
        "| transformers pipeline (PyTorch fp32) |",
        "| BLiMP | pair accuracy | 2 |",
        "| Gaokao cloze | accuracy | 1 |",
        "| SWORDS | R@10 | 1 |",
        "| held-out text | masked-word top-5 | 2 |",
        "| floor: one forward pass of the 16-token sentence's row (one `session.run`) |",
        "| cold start, command line ≤ 0.5 s |",
    ):
        assert row in report, row
    speed_row = next(line for line in report.splitlines() if line.startswith("| one blank, 16-token"))
    assert speed_row.count("×") == 2  # fp32 and the pipeline, each against Cloze int8
    assert "python -m bench --int8" in report


def test_same_words_reads_every_answer_the_engine_gives(tiny_model_dir: Path) -> None:
    """bench.same_words compares these answers between two trees: each blank's words with their
    log-probabilities, and the options' order for a one-blank text."""
    from bench.same_words import OPTIONS, answers

    got = answers(tiny_model_dir, ["the ___ sat .", "the ___ sat on the ___ ."], threads=1)
    assert len(got) == 3  # the one-blank text also ranks the options
    assert [w for w, _ in got[0][0]][:2] == ["cat", "foot"] and len(got[2]) == 2
    assert sorted(got[1]) == sorted(OPTIONS)
