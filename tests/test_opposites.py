"""Words of opposite meaning: the table from WordNet, and the judge refusing an opposite of the answer."""

from __future__ import annotations

from cloze_app.core.learn import opposites
from cloze_app.core.learn.answers import ALSO_FITS, WRONG, SlotView, judge


def test_opposites_are_found_in_any_form_and_either_order() -> None:
    assert opposites.opposite("sell", "buy")
    assert opposites.opposite("bought", "sold") and opposites.opposite("sold", "bought")
    assert opposites.opposite("Late", "early") and opposites.opposite("smaller", "big")
    assert not opposites.opposite("purchased", "bought")
    assert not opposites.opposite("bought", "bought")
    assert not opposites.opposite("sold out", "bought")  # phrases are not looked up


def test_the_table_names_its_source_and_license() -> None:
    header = opposites.TABLE.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("#") and "WordNet 3.0" in header and "LICENSE.wordnet.txt" in header
    license_text = opposites.TABLE.with_name("LICENSE.wordnet.txt").read_text(encoding="utf-8")
    assert "Princeton University" in license_text and "Permission to use, copy, modify" in license_text


def _view() -> SlotView:
    """A slot where the model takes "sold" and "purchased" exactly as well as the answer."""
    scores = {"bought": -1.0, "sold": -1.0, "purchased": -1.0}
    top = (("bought", -1.0), ("sold", -1.0), ("purchased", -1.0))
    aware = {"bought": 0.0, "sold": 0.0, "purchased": 0.0}
    return SlotView("bought", scores, top, "VBD", -1.0, aware, dict(aware))


def test_the_judge_refuses_an_opposite_however_well_the_model_takes_it() -> None:
    view = _view()
    assert view.fits("purchased") and not view.fits("sold")
    assert judge(view, 1, "purchased").status == ALSO_FITS
    verdict = judge(view, 1, "sold")
    assert verdict.status == WRONG and verdict.opposite
    assert "'sold' means the opposite of 'bought'" in verdict.message()
