"""The quality line the model lists show: read from a model's eval.json, never by running it."""

from __future__ import annotations

import json
from pathlib import Path

from cloze_app.core.models.quality import quality_line
from tests.conftest import BUNDLED_MODEL, bundled_model_available


def test_eval_json_gives_held_out_accuracy_and_blimp(tmp_path: Path) -> None:
    scores = {"heldout": {"wikipedia": {"top1": 0.52, "top5": 0.713}}, "blimp": {"accuracy": 0.73}}
    (tmp_path / "eval.json").write_text(json.dumps({"int8": scores, "fp32": {}}), encoding="utf-8")
    assert quality_line(tmp_path) == "52% top-1, 71% top-5 on held-out Wikipedia words; BLiMP 73%"
    assert quality_line(tmp_path, short=True) == "52% top-1, BLiMP 73%"


def test_without_eval_json_the_conversion_check_or_nothing(tmp_path: Path) -> None:
    assert quality_line(tmp_path, {"agreement_top5": "0.96"}).startswith("int8 keeps 96%")
    assert quality_line(tmp_path) == "not evaluated"
    (tmp_path / "eval.json").write_text("{broken", encoding="utf-8")
    assert quality_line(tmp_path) == "not evaluated"


def test_the_bundled_model_has_a_quality_line() -> None:
    if bundled_model_available():
        assert "top-1" in quality_line(BUNDLED_MODEL)
