"""Sensitivity presets for the checker: Careful (the tuned default), Balanced, Eager; ordered from
fewest to most flags, an unknown name falls back to the default."""

from __future__ import annotations

import pytest

from cloze_app.core.learn.checker import (
    CheckerThresholds,
    check_text,
    checker_presets,
    default_preset_name,
    find_preset,
)
from tests.conftest import BUNDLED_MODEL, bundled_model_available

# BLiMP bad sentences: Careful catches two of the errors, Eager more ("plane", "projector", ...).
ERRORS = (
    "A lot of teachers will worry itself. Michael is remembered by some plane. "
    "Every dancer is described by the projector. Victoria wasn't concealed by some couch. "
    "A sketch is sold by the skateboards."
)


def test_the_presets_are_careful_balanced_eager_and_careful_is_the_tuned_default() -> None:
    presets = checker_presets()
    assert [p.name for p in presets] == ["Careful", "Balanced", "Eager"]
    assert default_preset_name() == "Careful"
    assert presets[0].thresholds == CheckerThresholds.tuned()
    assert presets[0].max_false_alarms == 0.05  # tune_checker.py --max-false-alarms default


def test_the_presets_trade_false_alarms_for_hits_in_order() -> None:
    presets = checker_presets()
    budgets = [p.max_false_alarms for p in presets]
    assert budgets == sorted(budgets) and len(set(budgets)) == len(budgets)
    for preset in presets:
        assert 0 < preset.false_alarms_per_word <= preset.max_false_alarms
        assert 0 < preset.hit_rate < 1
    for quieter, eager in zip(presets, presets[1:], strict=False):
        assert quieter.hit_rate < eager.hit_rate
        assert quieter.false_alarms_per_word < eager.false_alarms_per_word


def test_a_preset_describes_what_it_catches() -> None:
    careful = find_preset("Careful")
    expected = (
        f"flags about {careful.hit_rate:.0%} of errors, "
        f"about {careful.false_alarms_per_word:.0%} false alarms per word"
    )
    assert careful.describe() == expected


def test_presets_are_found_by_name_in_any_case_and_unknown_names_give_the_default() -> None:
    eager = find_preset("Eager")
    assert CheckerThresholds.preset("Eager") == eager.thresholds
    assert CheckerThresholds.preset(" eager ") == eager.thresholds
    assert eager.thresholds != CheckerThresholds.tuned()
    for junk in ("", "Paranoid", "careful!"):
        assert CheckerThresholds.preset(junk) == CheckerThresholds.tuned()
        assert find_preset(junk).name == "Careful"


@pytest.mark.bundled
@pytest.mark.skipif(not bundled_model_available(), reason="the bundled model is not in models/ yet")
def test_eager_flags_what_careful_flags_and_more_with_the_bundled_model() -> None:
    from cloze_app.core.engine.engine import ClozeEngine

    engine = ClozeEngine.load(BUNDLED_MODEL)
    try:
        flagged = {
            p.name: {(f.start, f.end) for f in check_text(engine, ERRORS, p.thresholds).flags}
            for p in checker_presets()
        }
    finally:
        engine.close()
    assert flagged["Careful"], "Careful should catch the reflexive error"
    assert flagged["Careful"] <= flagged["Eager"]
    assert len(flagged["Eager"]) > len(flagged["Careful"])
    assert len(flagged["Careful"]) <= len(flagged["Balanced"]) <= len(flagged["Eager"])
